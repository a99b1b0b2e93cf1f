//! Plays a 440 Hz tone on the default speaker for a while, fed 20 ms at a time on the
//! system clock (as a call's playout does), and prints the speaker's counters: a probe for
//! device errors and gaps. Record the sink's monitor alongside to hear the result.
//! Run: `cargo run -p peercall-media --example speaker_probe -- [seconds] [period_frames] [streams] [prebuffer_ms]`

use std::time::{Duration, Instant};

use peercall_media::audio::{SpeakerOptions, SpeakerPlayback};
use peercall_media::DeviceChoice;

fn main() {
    tracing_subscriber_init();
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u32>().ok());
    let seconds = args.next().flatten().unwrap_or(10);
    let frames = args
        .next()
        .flatten()
        .unwrap_or(SpeakerOptions::default().buffer_frames);
    let streams = args.next().flatten().unwrap_or(1);
    let prebuffer_ms = args
        .next()
        .flatten()
        .unwrap_or(SpeakerOptions::default().prebuffer_ms);
    let options = SpeakerOptions {
        buffer_frames: frames,
        prebuffer_ms,
        ..SpeakerOptions::default()
    };
    let mut speakers: Vec<SpeakerPlayback> = (0..streams)
        .filter_map(
            |_| match SpeakerPlayback::open(&DeviceChoice::SystemDefault, options) {
                Ok(s) => Some(s),
                Err(e) => {
                    eprintln!("open failed: {e}");
                    None
                }
            },
        )
        .collect();
    let start = Instant::now();
    let mut n = 0u64;
    let mut phase = 0f32;
    while start.elapsed() < Duration::from_secs(u64::from(seconds)) {
        let block: Vec<f32> = (0..960)
            .map(|_| {
                phase += std::f32::consts::TAU * 440.0 / 48_000.0;
                0.3 * phase.sin()
            })
            .collect();
        if let Some(first) = speakers.first_mut() {
            first.play(&block);
        }
        n += 1;
        if n.is_multiple_of(5) && n <= 150 {
            if let Some(first) = speakers.first() {
                use std::sync::atomic::Ordering::Relaxed;
                let st = first.stats();
                println!(
                    "t={:>5} ms played {:>6} skipped {:>6} queued {:>3} ms",
                    start.elapsed().as_millis(),
                    st.played.load(Relaxed),
                    st.skipped.load(Relaxed),
                    first.buffered_ms()
                );
            }
        }
        let due = start + Duration::from_millis(20 * n);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    for s in &speakers {
        let st = s.stats();
        use std::sync::atomic::Ordering::Relaxed;
        println!(
            "played {} underruns {} skipped {}",
            st.played.load(Relaxed),
            st.underruns.load(Relaxed),
            st.skipped.load(Relaxed)
        );
    }
}

fn tracing_subscriber_init() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
}
