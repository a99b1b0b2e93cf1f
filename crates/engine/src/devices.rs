//! Choosing and opening the local camera and microphone for a call.
//!
//! One parser for every place a device is chosen (the settings at call start, a mid-call
//! switch, the settings preview, the agent's command line): [`VideoSource::parse`],
//! [`AudioSource::parse`] and [`device_setting`], all built on [`DeviceChoice::parse`], so
//! an empty id and `default` mean the same everywhere. The system default camera is
//! resolved when it is opened ([`camera_choice`]): the machine's first camera, else the
//! test pattern, at call start and after a switch alike.

use peercall_media::audio::{MicCapture, MicOptions, TONE_HIGH_MIC_ID, TONE_MIC_ID};
use peercall_media::camera::{
    list_cameras_quick, CameraCapture, CameraInfo, CameraOptions, CaptureRequest, Outlet,
    TEST_PATTERN_CHECKS_ID, TEST_PATTERN_ID,
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
    /// A camera by its listed id, or [`SYSTEM_DEFAULT`].
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
    /// A microphone by its listed id, or [`SYSTEM_DEFAULT`].
    Mic(String),
}

/// How a source and the settings spell the system's default device.
pub const SYSTEM_DEFAULT: &str = "default";

/// A device setting as the engine keeps it: the id, trimmed, or [`SYSTEM_DEFAULT`] for an
/// empty one (see [`DeviceChoice::parse`]).
#[must_use]
pub fn device_setting(s: &str) -> String {
    match DeviceChoice::parse(s) {
        DeviceChoice::SystemDefault => SYSTEM_DEFAULT.to_owned(),
        DeviceChoice::Id(id) => id,
    }
}

impl VideoSource {
    /// Parses the CLI / settings form: `none`, a synthetic camera (`test-pattern`,
    /// `test-pattern-checks` or their ids), the system default (empty or `default`), or a
    /// camera id.
    #[must_use]
    pub fn parse(s: &str) -> Self {
        match s.trim() {
            "none" => Self::None,
            "test-pattern" | TEST_PATTERN_ID => Self::TestPattern,
            "test-pattern-checks" | TEST_PATTERN_CHECKS_ID => Self::TestPatternChecks,
            other => Self::Camera(device_setting(other)),
        }
    }
}

impl AudioSource {
    /// Parses the CLI / settings form: `none`, a synthetic microphone (`tone`, `tone-high`
    /// or their ids), the system default (empty or `default`), or a microphone id.
    #[must_use]
    pub fn parse(s: &str) -> Self {
        match s.trim() {
            "none" => Self::None,
            "tone" | TONE_MIC_ID => Self::Tone,
            "tone-high" | TONE_HIGH_MIC_ID => Self::ToneHigh,
            other => Self::Mic(device_setting(other)),
        }
    }
}

/// The camera to open for `source` on a machine with `cameras` (`None`: no camera). The
/// system default is the first hardware camera, else the test pattern, so a call shows
/// video on a machine without a camera.
#[must_use]
pub fn camera_choice(source: &VideoSource, cameras: &[CameraInfo]) -> Option<DeviceChoice> {
    let id = match source {
        VideoSource::None => return None,
        VideoSource::TestPattern => TEST_PATTERN_ID,
        VideoSource::TestPatternChecks => TEST_PATTERN_CHECKS_ID,
        VideoSource::Camera(id) => id.as_str(),
    };
    Some(match DeviceChoice::parse(id) {
        DeviceChoice::SystemDefault => {
            let first = cameras.iter().find(|c| !c.synthetic);
            DeviceChoice::Id(first.map_or(TEST_PATTERN_ID, |c| c.id.as_str()).to_owned())
        }
        chosen => chosen,
    })
}

/// [`camera_choice`] on this machine (its cameras are listed only for the system default).
#[must_use]
pub fn camera_choice_here(source: &VideoSource) -> Option<DeviceChoice> {
    let is_default = matches!(source, VideoSource::Camera(id)
        if DeviceChoice::parse(id) == DeviceChoice::SystemDefault);
    let cameras = if is_default {
        list_cameras_quick()
    } else {
        Vec::new()
    };
    camera_choice(source, &cameras)
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
    let Some(choice) = camera_choice_here(source) else {
        return Ok(None);
    };
    let request = CaptureRequest {
        width: video.width,
        height: video.height,
        fps: video.fps,
    };
    let outlet = preview.map_or(Outlet::Queue, Outlet::QueueAndSink);
    CameraCapture::open_to(&choice, request, CameraOptions::default(), outlet).map(Some)
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

    fn camera(id: &str, synthetic: bool) -> CameraInfo {
        CameraInfo {
            id: id.into(),
            name: id.into(),
            formats: Vec::new(),
            synthetic,
        }
    }

    #[test]
    fn one_parser_for_every_device_setting() {
        let cases = [
            (
                "",
                VideoSource::Camera("default".into()),
                AudioSource::Mic("default".into()),
            ),
            (
                " default ",
                VideoSource::Camera("default".into()),
                AudioSource::Mic("default".into()),
            ),
            ("none", VideoSource::None, AudioSource::None),
            (
                "test-pattern",
                VideoSource::TestPattern,
                AudioSource::Mic("test-pattern".into()),
            ),
            (
                TEST_PATTERN_ID,
                VideoSource::TestPattern,
                AudioSource::Mic(TEST_PATTERN_ID.into()),
            ),
            (
                TEST_PATTERN_CHECKS_ID,
                VideoSource::TestPatternChecks,
                AudioSource::Mic(TEST_PATTERN_CHECKS_ID.into()),
            ),
            (
                "tone",
                VideoSource::Camera("tone".into()),
                AudioSource::Tone,
            ),
            (
                TONE_MIC_ID,
                VideoSource::Camera(TONE_MIC_ID.into()),
                AudioSource::Tone,
            ),
            (
                TONE_HIGH_MIC_ID,
                VideoSource::Camera(TONE_HIGH_MIC_ID.into()),
                AudioSource::ToneHigh,
            ),
            (
                " alsa:pulse",
                VideoSource::Camera("alsa:pulse".into()),
                AudioSource::Mic("alsa:pulse".into()),
            ),
            (
                "Default",
                VideoSource::Camera("Default".into()),
                AudioSource::Mic("Default".into()),
            ),
        ];
        for (setting, video, audio) in cases {
            assert_eq!(VideoSource::parse(setting), video, "{setting:?}");
            assert_eq!(AudioSource::parse(setting), audio, "{setting:?}");
        }
        assert_eq!(device_setting(""), "default");
        assert_eq!(device_setting("default"), "default");
        assert_eq!(device_setting(" alsa:pulse "), "alsa:pulse");
    }

    #[test]
    fn the_default_camera_is_the_first_real_one_else_the_test_pattern() {
        let webcam = camera("v4l2:bus:1-1:1.0", false);
        let pattern = camera(TEST_PATTERN_ID, true);
        let id = |s: &str| Some(DeviceChoice::Id(s.into()));
        // The same answer for the setting at call start and for a mid-call switch: both
        // are parsed by VideoSource::parse, then resolved here.
        for setting in ["", "default", " default"] {
            let source = VideoSource::parse(setting);
            assert_eq!(
                camera_choice(&source, &[pattern.clone(), webcam.clone()]),
                id(&webcam.id)
            );
            assert_eq!(camera_choice(&source, &[]), id(TEST_PATTERN_ID));
            assert_eq!(
                camera_choice(&source, std::slice::from_ref(&pattern)),
                id(TEST_PATTERN_ID)
            );
        }
        let cameras = std::slice::from_ref(&webcam);
        assert_eq!(camera_choice(&VideoSource::parse("none"), cameras), None);
        assert_eq!(
            camera_choice(&VideoSource::parse("v4l2:index:3"), cameras),
            id("v4l2:index:3")
        );
        assert_eq!(
            camera_choice(&VideoSource::TestPatternChecks, cameras),
            id(TEST_PATTERN_CHECKS_ID)
        );
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
