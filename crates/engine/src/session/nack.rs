//! The NACK list lives in [`crate::video_rx::nack`] (pure, reachable by the fuzz
//! targets); the session uses it from here.

pub use crate::video_rx::nack::*;
