//! Commands the UI invokes, by topic. Each is a few lines over the core; errors reach the UI
//! as `{code, message}` ([`crate::AppError`]).

pub mod app;
pub mod call;
pub mod connection_check;
pub mod devices;
pub mod media_check;
pub mod settings;
