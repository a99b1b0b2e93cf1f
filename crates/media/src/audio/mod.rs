//! Microphones and speakers (cpal), resampling, and the synthetic tone microphone.

mod capture;
mod device_queue;
mod devices;
mod drift;
mod error_log;
pub mod neteq;
mod playback;
pub mod realtime;
pub mod resample;

pub use capture::{MicCapture, MicOptions};
pub use devices::{
    list_microphones, list_speakers, synthetic_tone, AudioDeviceInfo, DeviceChoice, HIGH_TONE_HZ,
    TONE_HIGH_MIC_ID, TONE_MIC_ID,
};
pub use playback::{PlaybackStats, SpeakerOptions, SpeakerPlayback};
