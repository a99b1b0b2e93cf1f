//! Choosing and opening the local camera and microphone for a call.

use peercall_media::audio::{MicCapture, MicOptions, TONE_MIC_ID};
use peercall_media::camera::{CameraCapture, CameraOptions, CaptureRequest, TEST_PATTERN_ID};
use peercall_media::{DeviceChoice, DeviceError};

use crate::session::VideoSettings;

/// Where local video comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VideoSource {
    /// No camera: the video track stays silent.
    None,
    /// The synthetic test pattern with frame-number / capture-time stamps.
    TestPattern,
    /// A camera by its listed id (or `default`).
    Camera(String),
}

/// Where local audio comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudioSource {
    /// No microphone.
    None,
    /// The synthetic tone with beeps.
    Tone,
    /// A microphone by its listed id (or `default`).
    Mic(String),
}

impl VideoSource {
    /// Parses the CLI / settings form: `test-pattern`, `none`, or a camera id.
    #[must_use]
    pub fn parse(s: &str) -> Self {
        match s {
            "none" => Self::None,
            "test-pattern" | TEST_PATTERN_ID => Self::TestPattern,
            other => Self::Camera(other.to_owned()),
        }
    }
}

impl AudioSource {
    /// Parses the CLI / settings form: `tone`, `none`, or a microphone id.
    #[must_use]
    pub fn parse(s: &str) -> Self {
        match s {
            "none" => Self::None,
            "tone" | TONE_MIC_ID => Self::Tone,
            other => Self::Mic(other.to_owned()),
        }
    }
}

/// Opens the camera for `source` (`Ok(None)` for no camera).
pub fn open_camera(
    source: &VideoSource,
    video: &VideoSettings,
) -> Result<Option<CameraCapture>, DeviceError> {
    let id = match source {
        VideoSource::None => return Ok(None),
        VideoSource::TestPattern => TEST_PATTERN_ID,
        VideoSource::Camera(id) => id.as_str(),
    };
    let request = CaptureRequest {
        width: video.width,
        height: video.height,
        fps: video.fps,
    };
    CameraCapture::open(&DeviceChoice::parse(id), request, CameraOptions::default()).map(Some)
}

/// Opens the microphone for `source` (`Ok(None)` for none).
pub fn open_mic(source: &AudioSource) -> Result<Option<MicCapture>, DeviceError> {
    let id = match source {
        AudioSource::None => return Ok(None),
        AudioSource::Tone => TONE_MIC_ID,
        AudioSource::Mic(id) => id.as_str(),
    };
    MicCapture::open(&DeviceChoice::parse(id), MicOptions::default()).map(Some)
}
