//! The frame buffer lives in [`crate::video_rx::frame_buffer`] (pure, reachable by the
//! fuzz targets); the session uses it from here.

pub use crate::video_rx::frame_buffer::*;
