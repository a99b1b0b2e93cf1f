//! The pure core of a received VP8 stream — what a remote peer's RTP packets reach before
//! the decoder: sequence numbers extended ([`rtp_seq`]), holes tracked for NACK
//! ([`nack`]), packets reassembled into whole frames in decode order ([`frame_buffer`]),
//! and the bounded queue in front of the decoder thread ([`decode_queue`]).
//!
//! No I/O and no peer connection, so the fuzz target (`fuzz/checks/vp8_frames.rs`) drives
//! exactly the code the session runs.

pub mod decode_queue;
pub mod frame_buffer;
pub mod nack;
pub mod rtp_seq;
