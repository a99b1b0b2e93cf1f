//! A camera's frames shown on a preview sink by the camera's own thread (the self-view), with
//! and without a consumer queue, and the sink cleared when the camera stops. The test-pattern
//! camera through the real capture API.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use peercall_media::camera::{
    CameraCapture, CameraOptions, CaptureRequest, Outlet, TEST_PATTERN_ID,
};
use peercall_media::{DeviceChoice, FrameSink, Picture};

/// Records what it is shown: frame numbers, and clears.
#[derive(Default)]
struct Seen {
    numbers: Mutex<Vec<u64>>,
    clears: Mutex<u32>,
}

impl FrameSink for Seen {
    fn show(&self, picture: Picture) {
        assert_eq!(picture.decoded_at_us, picture.frame.capture_time_us);
        if let Ok(mut n) = self.numbers.lock() {
            n.push(picture.frame.frame_number);
        }
    }

    fn clear(&self) {
        if let Ok(mut c) = self.clears.lock() {
            *c += 1;
        }
    }
}

impl Seen {
    fn shown(&self) -> usize {
        self.numbers.lock().map(|n| n.len()).unwrap_or(0)
    }

    fn clears(&self) -> u32 {
        self.clears.lock().map(|c| *c).unwrap_or(0)
    }
}

fn open(outlet: Outlet) -> CameraCapture {
    let request = CaptureRequest {
        width: 160,
        height: 120,
        fps: 30,
    };
    CameraCapture::open_to(
        &DeviceChoice::Id(TEST_PATTERN_ID.into()),
        request,
        CameraOptions::default(),
        outlet,
    )
    .expect("the test pattern opens")
}

fn wait_until(what: &str, done: impl Fn() -> bool) {
    let end = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < end, "{what}: not within 10 s");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn the_sink_and_the_queue_both_get_every_frame() {
    let seen = Arc::new(Seen::default());
    let cam = open(Outlet::QueueAndSink(seen.clone()));
    let queued: Vec<u64> = (0..5)
        .map(|_| {
            cam.frames()
                .recv_timeout(Duration::from_secs(5))
                .expect("a queued frame")
                .frame_number
        })
        .collect();
    wait_until("five frames shown", || seen.shown() >= 5);
    let shown = seen.numbers.lock().unwrap().clone();
    // The queue drops the oldest when the reader lags; every queued frame was shown.
    assert!(
        queued.iter().all(|n| shown.contains(n)),
        "{queued:?} vs {shown:?}"
    );
    assert_eq!(seen.clears(), 0);
    drop(cam);
    assert_eq!(
        seen.clears(),
        1,
        "the camera stopped: the preview is cleared"
    );
}

#[test]
fn a_preview_alone_is_shown_and_nothing_queued() {
    let seen = Arc::new(Seen::default());
    let cam = open(Outlet::Sink(seen.clone()));
    wait_until("five frames shown", || seen.shown() >= 5);
    assert!(cam.frames().try_recv().is_none(), "a frame was queued");
    let shown = seen.numbers.lock().unwrap().clone();
    assert!(shown.windows(2).all(|w| w[1] > w[0]), "{shown:?}");
    drop(cam);
    assert_eq!(seen.clears(), 1);
}
