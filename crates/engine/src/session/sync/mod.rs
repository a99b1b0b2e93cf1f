//! Lip sync: the pure core (`core.rs`) that decides how much the stream ahead waits.

mod core;

pub use self::core::{AvSync, Playing, SenderReport, StreamState, SyncConfig, SyncDelays};
