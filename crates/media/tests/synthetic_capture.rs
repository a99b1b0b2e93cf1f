//! The synthetic devices through the capture API: test-pattern camera and tone microphone.

use peercall_media::audio::{list_microphones, MicCapture, MicOptions, TONE_MIC_ID};
use peercall_media::camera::{
    list_cameras, CameraCapture, CameraOptions, CaptureRequest, TEST_PATTERN_ID,
};
use peercall_media::clock::now_us;
use peercall_media::source::stamp;
use peercall_media::source::tone::{dominant_frequency, BeepDetector};
use peercall_media::{DeviceChoice, ToneConfig, AUDIO_FRAME_SAMPLES, AUDIO_RATE};
use std::time::Duration;

#[test]
fn the_test_pattern_camera_delivers_stamped_frames_in_real_time() {
    assert!(list_cameras().iter().any(|c| c.id == TEST_PATTERN_ID));
    let req = CaptureRequest {
        width: 320,
        height: 240,
        fps: 30,
    };
    let cam = CameraCapture::open(
        &DeviceChoice::Id(TEST_PATTERN_ID.into()),
        req,
        CameraOptions::default(),
    )
    .unwrap();
    assert_eq!((cam.format().width, cam.format().height), (320, 240));
    let mut last = None;
    for _ in 0..15 {
        let f = cam
            .frames()
            .recv_timeout(Duration::from_secs(5))
            .expect("frame");
        let s = stamp::read(&f).expect("stamp");
        assert_eq!(u64::from(s.frame_number), f.frame_number);
        let now = now_us();
        assert!(
            now >= f.capture_time_us && now - f.capture_time_us < 2_000_000,
            "fresh capture time"
        );
        assert_eq!(s.capture_time_near(now), f.capture_time_us);
        if let Some(prev) = last {
            assert!(f.frame_number > prev, "frame numbers increase");
        }
        last = Some(f.frame_number);
    }
}

#[test]
fn a_slow_consumer_gets_fresh_frames_not_a_backlog() {
    let req = CaptureRequest {
        width: 160,
        height: 120,
        fps: 100,
    };
    let opts = CameraOptions {
        queue_frames: 2,
        ..CameraOptions::default()
    };
    let cam = CameraCapture::open(&DeviceChoice::Id(TEST_PATTERN_ID.into()), req, opts).unwrap();
    cam.frames().recv_timeout(Duration::from_secs(5)).unwrap();
    // Wait until the camera has produced well over the queue's capacity.
    let start = std::time::Instant::now();
    while cam.frames().dropped() < 5 && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(cam.frames().dropped() >= 5, "old frames were dropped");
    assert!(cam.frames().len() <= 2);
}

#[test]
fn the_tone_microphone_delivers_its_tone_and_beeps() {
    assert!(list_microphones().iter().any(|m| m.id == TONE_MIC_ID));
    let tone = ToneConfig::default();
    let mic = MicCapture::open(
        &DeviceChoice::Id(TONE_MIC_ID.into()),
        MicOptions {
            tone,
            queue_frames: 200,
            ..MicOptions::default()
        },
    )
    .unwrap();
    let mut det = BeepDetector::for_tone(&tone);
    let mut all = Vec::new();
    let mut onsets = Vec::new();
    let mut last_time: Option<u64> = None;
    // 1.4 s of audio holds at least one beep (period 1 s).
    while all.len() < 140 * AUDIO_FRAME_SAMPLES {
        let f = mic
            .frames()
            .recv_timeout(Duration::from_secs(5))
            .expect("audio frame");
        assert_eq!(f.samples.len(), AUDIO_FRAME_SAMPLES);
        if let Some(prev) = last_time {
            // 10 ms apart, or a whole number of frames later if a loaded machine stalled
            // the source long enough for it to resynchronise.
            let step = f.capture_time_us - prev;
            assert!(
                step >= 10_000 && step.is_multiple_of(10_000),
                "frame step {step} µs"
            );
        }
        last_time = Some(f.capture_time_us);
        onsets.extend(det.feed(&f.samples, f.capture_time_us));
        all.extend(f.samples);
    }
    let est = dominant_frequency(&all[..9_600], AUDIO_RATE).unwrap();
    assert!(
        (est.frequency_hz - tone.frequency_hz).abs() <= 2.0,
        "{est:?}"
    );
    assert!(!onsets.is_empty(), "a beep was heard");
    for o in onsets {
        assert!(
            o % 1_000_000 < 2_000 || o % 1_000_000 > 999_000,
            "beep on the second: {o}"
        );
    }
}

#[test]
fn the_second_synthetic_camera_and_microphone_are_told_apart_from_the_first() {
    use peercall_media::audio::{HIGH_TONE_HZ, TONE_HIGH_MIC_ID};
    use peercall_media::camera::TEST_PATTERN_CHECKS_ID;
    use peercall_media::source::pattern::{variant_of, PatternVariant};
    let req = CaptureRequest {
        width: 320,
        height: 240,
        fps: 30,
    };
    for (id, want) in [
        (TEST_PATTERN_ID, PatternVariant::Bars),
        (TEST_PATTERN_CHECKS_ID, PatternVariant::Checks),
    ] {
        let choice = DeviceChoice::Id(id.into());
        let cam = CameraCapture::open(&choice, req, CameraOptions::default()).unwrap();
        let f = cam
            .frames()
            .recv_timeout(Duration::from_secs(5))
            .expect("frame");
        assert_eq!(variant_of(&f), want, "{id}");
        assert!(stamp::read(&f).is_some(), "{id} is stamped");
    }
    for (id, hz) in [
        (TONE_MIC_ID, ToneConfig::default().frequency_hz),
        (TONE_HIGH_MIC_ID, HIGH_TONE_HZ),
    ] {
        let mic = MicCapture::open(&DeviceChoice::Id(id.into()), MicOptions::default()).unwrap();
        let mut all = Vec::new();
        while all.len() < 20 * AUDIO_FRAME_SAMPLES {
            let f = mic
                .frames()
                .recv_timeout(Duration::from_secs(5))
                .expect("audio frame");
            all.extend(f.samples);
        }
        let est = dominant_frequency(&all, AUDIO_RATE).expect("a tone");
        assert!((est.frequency_hz - hz).abs() <= 2.0, "{id}: {est:?}");
    }
}
