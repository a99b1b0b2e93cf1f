//! The sequence number unwrapper lives in [`crate::video_rx::rtp_seq`]; the session uses
//! it from here.

pub use crate::video_rx::rtp_seq::*;
