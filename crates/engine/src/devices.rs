//! Choosing and opening the local camera and microphone for a call.

use peercall_media::audio::{MicCapture, MicOptions, TONE_HIGH_MIC_ID, TONE_MIC_ID};
use peercall_media::camera::{
    CameraCapture, CameraOptions, CaptureRequest, Outlet, TEST_PATTERN_CHECKS_ID, TEST_PATTERN_ID,
};
use peercall_media::{DeviceChoice, DeviceError, SharedProcessor, SharedSink};

use crate::session::VideoSettings;

/// Where local video comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VideoSource {
    /// No camera: the video track stays silent.
    None,
    /// The synthetic test pattern with frame-number / capture-time stamps (colour bars).
    TestPattern,
    /// The same pattern in blue/cyan checks: a second synthetic camera to switch to.
    TestPatternChecks,
    /// A camera by its listed id (or `default`).
    Camera(String),
}

/// Where local audio comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudioSource {
    /// No microphone.
    None,
    /// The synthetic tone with beeps (440 Hz).
    Tone,
    /// The same beeps on a higher tone (660 Hz): a second synthetic microphone.
    ToneHigh,
    /// A microphone by its listed id (or `default`).
    Mic(String),
}

impl VideoSource {
    /// Parses the CLI / settings form: `test-pattern`, `test-pattern-checks`, `none`, or a
    /// camera id.
    #[must_use]
    pub fn parse(s: &str) -> Self {
        match s {
            "none" => Self::None,
            "test-pattern" | TEST_PATTERN_ID => Self::TestPattern,
            "test-pattern-checks" | TEST_PATTERN_CHECKS_ID => Self::TestPatternChecks,
            other => Self::Camera(other.to_owned()),
        }
    }
}

impl AudioSource {
    /// Parses the CLI / settings form: `tone`, `tone-high`, `none`, or a microphone id.
    #[must_use]
    pub fn parse(s: &str) -> Self {
        match s {
            "none" => Self::None,
            "tone" | TONE_MIC_ID => Self::Tone,
            "tone-high" | TONE_HIGH_MIC_ID => Self::ToneHigh,
            other => Self::Mic(other.to_owned()),
        }
    }
}

/// Opens the camera for `source` (`Ok(None)` for no camera).
pub fn open_camera(
    source: &VideoSource,
    video: &VideoSettings,
) -> Result<Option<CameraCapture>, DeviceError> {
    open_camera_showing(source, video, None)
}

/// [`open_camera`] whose frames are also shown on `preview`, by the camera's own thread as
/// each is captured (the self-view), and cleared when the camera closes.
pub fn open_camera_showing(
    source: &VideoSource,
    video: &VideoSettings,
    preview: Option<SharedSink>,
) -> Result<Option<CameraCapture>, DeviceError> {
    let id = match source {
        VideoSource::None => return Ok(None),
        VideoSource::TestPattern => TEST_PATTERN_ID,
        VideoSource::TestPatternChecks => TEST_PATTERN_CHECKS_ID,
        VideoSource::Camera(id) => id.as_str(),
    };
    let request = CaptureRequest {
        width: video.width,
        height: video.height,
        fps: video.fps,
    };
    let outlet = preview.map_or(Outlet::Queue, Outlet::QueueAndSink);
    CameraCapture::open_to(
        &DeviceChoice::parse(id),
        request,
        CameraOptions::default(),
        outlet,
    )
    .map(Some)
}

/// Opens the microphone for `source` (`Ok(None)` for none). A real microphone's audio
/// goes through `voice` (echo cancellation etc.) when given; the synthetic tone never does
/// (no room to echo in, and noise suppression would take a steady tone for noise).
pub fn open_mic(
    source: &AudioSource,
    voice: Option<&SharedProcessor>,
) -> Result<Option<MicCapture>, DeviceError> {
    let (id, voice) = match source {
        AudioSource::None => return Ok(None),
        AudioSource::Tone => (TONE_MIC_ID, None),
        AudioSource::ToneHigh => (TONE_HIGH_MIC_ID, None),
        AudioSource::Mic(id) => (id.as_str(), voice),
    };
    let mut options = MicOptions::default();
    if let Some(voice) = voice {
        options.processor = Box::new(voice.clone());
    }
    MicCapture::open(&DeviceChoice::parse(id), options).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use peercall_media::AudioProcessor;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    /// Counts the microphone frames it is shown.
    struct Count(Arc<AtomicUsize>);
    impl AudioProcessor for Count {
        fn process_capture(&mut self, _frame: &mut [f32]) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn the_synthetic_tone_is_never_voice_processed() {
        let seen = Arc::new(AtomicUsize::new(0));
        let voice = SharedProcessor::new(Box::new(Count(seen.clone())));
        let mic = open_mic(&AudioSource::Tone, Some(&voice))
            .expect("tone")
            .expect("a microphone");
        for _ in 0..3 {
            mic.frames()
                .recv_timeout(Duration::from_secs(5))
                .expect("a tone frame");
        }
        assert_eq!(seen.load(Ordering::Relaxed), 0);
        assert!(open_mic(&AudioSource::None, Some(&voice))
            .expect("none")
            .is_none());
    }
}
