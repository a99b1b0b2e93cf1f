//! Peercall's media engine: devices, synthetic sources, capture, playback, pixel
//! conversion, and the VP8 and Opus codecs. No network, no UI.
//!
//! See `docs/media-pipeline.md` for how the pieces connect.

pub mod audio;
pub mod camera;
pub mod clock;
pub mod codec;
pub mod convert;
pub mod devices;
pub mod error;
pub mod frame;
pub mod level;
pub mod processing;
pub mod queue;
pub mod scale;
pub mod sink;
pub mod source;
pub mod voice;

pub use audio::DeviceChoice;
pub use codec::red::{parse_red, RedBlock, RedEncoder};
pub use codec::{
    vp8_header, EncodedFrame, OpusConfig, OpusDecoder, OpusEncoder, Segmentation, Vp8Config,
    Vp8Decoder, Vp8Encoder, Vp8Header,
};
pub use error::{CodecError, DeviceError, MediaError};
pub use frame::{AudioFrame, VideoFrame, AUDIO_FRAME_SAMPLES, AUDIO_RATE};
pub use processing::{AudioProcessor, Passthrough, ProcessorChain, SharedProcessor};
pub use queue::{drop_oldest_queue, QueueReceiver, QueueSender, RecvError};
pub use sink::{queue_sink, FrameSink, Picture, QueueSink, SharedSink};
pub use source::{Stamp, TestPattern, ToneConfig, ToneSource};
pub use voice::{VoiceProcessor, VoiceSettings};

#[cfg(test)]
mod tests {
    use super::*;

    /// The handles the engine moves between threads are `Send`.
    #[test]
    fn handles_are_send() {
        fn is_send<T: Send>() {}
        is_send::<VideoFrame>();
        is_send::<AudioFrame>();
        is_send::<Vp8Encoder>();
        is_send::<Vp8Decoder>();
        is_send::<OpusEncoder>();
        is_send::<OpusDecoder>();
        is_send::<QueueReceiver<VideoFrame>>();
        is_send::<QueueSender<AudioFrame>>();
        is_send::<camera::CameraCapture>();
        is_send::<audio::MicCapture>();
        is_send::<audio::SpeakerPlayback>();
        is_send::<MediaError>();
    }
}
