//! Voice processing on the microphone path: echo cancellation (with what the speaker
//! plays as the echo reference), noise suppression, a high-pass filter and automatic gain.
//!
//! # Why `sonora`
//! The DSP is not written here. [`VoiceProcessor`] drives `sonora` 0.2 (crates.io,
//! BSD-3-Clause), a pure-Rust port of WebRTC's audio processing module: AEC3 (with its own
//! render/capture delay estimator, so the 40-200 ms the speaker queues and the capture
//! buffer need no calibration), the WebRTC noise suppressor, AGC2's adaptive digital gain
//! and limiter, and the high-pass filter — what Chromium runs on every call. The
//! alternative, `webrtc-audio-processing` (bindings to the C++ library), fetches abseil at
//! build time with its `bundled` feature, so it does not build offline here or in CI, and
//! without it it needs a system library Debian 12 does not ship. `sonora` builds from
//! crates.io with no system library and no build script. Its cost, measured by
//! `cargo bench -p peercall-media --bench voice`, is in `BENCHMARKS.md`; its quality on a
//! synthesized echo path (ERLE, double-talk) is asserted by `tests/voice_processing.rs`.
//!
//! # Where it runs
//! One [`VoiceProcessor`] per engine, shared (a [`SharedProcessor`](crate::SharedProcessor))
//! between the speaker, which shows it every played 20 ms frame (the far-end reference),
//! and the microphone, which runs every captured frame through it. Both calls come from
//! worker threads, never from an audio callback. `sonora` works on 10 ms frames, so each
//! 20 ms frame is two calls. The synthetic tone microphone is not processed: it has no
//! room, and noise suppression would treat a steady tone as noise.
//!
//! [`echo_path`] synthesizes speech-like signals and an echo path for the tests and the
//! benchmark; [`measure`] has the level maths they share.

pub mod echo_path;
pub mod measure;
mod processor;
mod settings;

pub use processor::{VoiceError, VoiceProcessor, VOICE_CHUNK_SAMPLES};
pub use settings::VoiceSettings;
