//! The frame bridge: decoded I420 frames (remote video, local preview) travel from Rust to the
//! webview as raw binary WebSocket messages on a loopback port guarded by a per-launch secret.
//!
//! Measured on this project's machines against Tauri's `ipc::Channel` and a custom URI scheme,
//! only this transport carried 1280x720@30 without drops (see `docs/frame-bridge.md`).
//!
//! Shape: each stream (see [`StreamId`]) holds its newest frame in a `watch` channel; every
//! connected page asks for one frame at a time (text message [`READY`]) and its task sends the
//! newest one, so a slow page makes the bridge skip stale frames (newest frame wins) instead of
//! queueing latency in socket buffers, and a page with a hidden canvas receives nothing.
//!
//! ```text
//! decoder / camera thread ─► FrameSink::show (FramePublisher) ─► watch<Frame> (newest only)
//!     ─► per-page task ─► ws binary (headers, then the planes as they are) ─► page
//!                    ◄── "ready" (after each draw)
//! ```

mod admission;
mod page;
mod server;
mod shrink;
mod wire;
mod ws_frame;

pub use admission::Limits;
pub use server::{BridgeError, FrameBridge, FramePublisher, READY};
pub use shrink::{parse_ready, shrink_factor, shrink_i420};
pub use wire::{decode_header, encode_frame, FrameHeader, StreamId, HEADER_LEN, MAGIC};
pub use ws_frame::PageError;
