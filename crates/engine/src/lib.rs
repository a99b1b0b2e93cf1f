//! Peercall call engine: the pure call state machine ([`call`]), WebRTC peer sessions
//! ([`session`]), per-call stats ([`stats`]).

pub mod app_config;
pub mod call;
pub mod control_wire;
pub mod devices;
pub mod doctor;
pub mod engine;
pub mod freeze;
pub mod session;
pub mod stats;
mod tuning_env;
pub mod video_rx;

pub use engine::{
    AnswerPolicy, Engine, EngineConfig, EngineError, EngineEvent, EngineMedia, VideoSinks,
};
