//! Video and audio codecs: VP8 on libvpx, Opus on libopus, and audio RED (RFC 2198).

mod opus_codec;
pub mod red;
mod vp8_decoder;
mod vp8_encoder;
mod vp8_header;
mod vpx;

pub use opus_codec::{OpusConfig, OpusDecoder, OpusEncoder};
pub use vp8_decoder::Vp8Decoder;
pub use vp8_encoder::{EncodedFrame, Vp8Config, Vp8Encoder};
pub use vp8_header::{vp8_header, Segmentation, Vp8Header};
pub use vpx::is_vp8_keyframe;
