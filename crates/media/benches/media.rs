//! Media benchmarks: prints a table of figures (no timed asserts).
//! Run: `cargo bench -p peercall-media --bench media` (release profile).
//!
//! Each operation is timed twice: wall-clock, and CPU time of the calling thread
//! (`CLOCK_THREAD_CPUTIME_ID`), which stays meaningful when other processes load the
//! machine. For multi-threaded VP8 the thread CPU column misses the worker threads.

use peercall_media::camera::{CameraCapture, CameraOptions, CaptureRequest, TEST_PATTERN_ID};
use peercall_media::clock::now_us;
use peercall_media::convert::{self, PixelFormat};
use peercall_media::scale;
use peercall_media::{
    DeviceChoice, OpusConfig, OpusDecoder, OpusEncoder, TestPattern, ToneConfig, ToneSource,
    VideoFrame, Vp8Config, Vp8Decoder, Vp8Encoder, AUDIO_FRAME_SAMPLES,
};
use std::time::{Duration, Instant};

/// CPU time consumed by this thread.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through the valid pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Wall and thread-CPU samples of one operation.
#[derive(Default)]
struct Samples {
    wall: Vec<Duration>,
    cpu: Vec<Duration>,
}

impl Samples {
    fn measure<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let (w, c) = (Instant::now(), thread_cpu());
        let out = f();
        self.cpu.push(thread_cpu().saturating_sub(c));
        self.wall.push(w.elapsed());
        out
    }

    fn row(self, name: &str) {
        let (w50, w95) = percentiles(self.wall);
        let (c50, _) = percentiles(self.cpu.clone());
        let cmean =
            self.cpu.iter().sum::<Duration>().as_secs_f64() * 1e3 / self.cpu.len().max(1) as f64;
        println!("| {name:<50} | {w50:>7.3} | {w95:>7.3} | {c50:>7.3} | {cmean:>7.3} |");
    }
}

/// Median and 95th percentile in ms.
fn percentiles(mut d: Vec<Duration>) -> (f64, f64) {
    if d.is_empty() {
        return (0.0, 0.0);
    }
    d.sort();
    let at = |q: usize| d[(d.len() * q / 100).min(d.len() - 1)].as_secs_f64() * 1e3;
    (at(50), at(95))
}

fn vp8(width: u32, height: u32, kbps: u32, threads: u32) {
    let pattern = TestPattern::new(width, height);
    let frames: Vec<VideoFrame> = (0..300).map(|n| pattern.render(n, n * 33_333)).collect();
    let mut cfg = Vp8Config::new(width, height);
    cfg.bitrate_kbps = kbps;
    cfg.threads = threads;
    let mut enc = Vp8Encoder::new(cfg).expect("encoder");
    let mut dec = Vp8Decoder::new(threads).expect("decoder");
    let (mut te, mut td) = (Samples::default(), Samples::default());
    for f in &frames {
        let packets = te.measure(|| enc.encode(f, false).expect("encode"));
        for p in packets {
            td.measure(|| dec.decode(&p.data).expect("decode"));
        }
    }
    te.row(&format!(
        "VP8 encode {width}x{height} {kbps} kbps, {threads} thread(s)"
    ));
    td.row(&format!(
        "VP8 decode {width}x{height} {kbps} kbps, {threads} thread(s)"
    ));
}

fn opus() {
    let mut src = ToneSource::new(ToneConfig::default());
    let mut enc = OpusEncoder::new(OpusConfig::default()).expect("opus encoder");
    let mut dec = OpusDecoder::new().expect("opus decoder");
    let mut pcm = vec![0.0f32; AUDIO_FRAME_SAMPLES];
    let (mut te, mut td) = (Samples::default(), Samples::default());
    for k in 0..1500u64 {
        src.fill(&mut pcm, k * 20_000);
        let p = te.measure(|| enc.encode(&pcm).expect("encode"));
        td.measure(|| dec.decode(&p).expect("decode"));
    }
    te.row("Opus encode 20 ms mono 32 kbit/s, FEC on");
    td.row("Opus decode 20 ms mono");
}

fn repeat(n: usize, name: &str, mut f: impl FnMut()) {
    let mut s = Samples::default();
    for _ in 0..n {
        s.measure(&mut f);
    }
    s.row(name);
}

fn conversions() {
    let (w, h) = (1280u32, 720u32);
    let src = TestPattern::new(w, h).render(3, 3);
    let mut yuyv = Vec::with_capacity((w * h * 2) as usize);
    for row in 0..h as usize {
        for x in (0..w as usize).step_by(2) {
            let c = row / 2 * (w as usize / 2) + x / 2;
            let y = src.y();
            yuyv.extend([
                y[row * w as usize + x],
                src.u()[c],
                y[row * w as usize + x + 1],
                src.v()[c],
            ]);
        }
    }
    let mut nv12 = src.y().to_vec();
    for (u, v) in src.u().iter().zip(src.v()) {
        nv12.extend([*u, *v]);
    }
    let rgb: Vec<u8> = src.y().iter().flat_map(|&y| [y, y, y]).collect();
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, 85)
        .encode(&rgb, w as u16, h as u16, jpeg_encoder::ColorType::Rgb)
        .expect("jpeg encode");
    let mut out = VideoFrame::black(w, h);
    let pattern = TestPattern::new(w, h);
    repeat(300, "test pattern render 1280x720", || {
        pattern.render_into(&mut out, 9, 9)
    });
    repeat(300, "YUYV→I420 1280x720, yuvutils-rs (not used)", || {
        convert::yuyv_to_i420_yuvutils(&yuyv, &mut out).expect("yuyv")
    });
    repeat(300, "YUYV→I420 1280x720, plain Rust (used)", || {
        convert::to_i420(PixelFormat::Yuyv, &yuyv, w, h, &mut out).expect("yuyv")
    });
    repeat(300, "NV12→I420 1280x720", || {
        convert::to_i420(PixelFormat::Nv12, &nv12, w, h, &mut out).expect("nv12")
    });
    repeat(300, "RGB24→I420 1280x720, yuvutils-rs", || {
        convert::to_i420(PixelFormat::Rgb24, &rgb, w, h, &mut out).expect("rgb")
    });
    repeat(
        100,
        "MJPEG→YCbCr→I420 1280x720, zune-jpeg + plain Rust (not used)",
        || convert::mjpeg_to_i420_ycbcr(&jpeg, &mut out).expect("mjpeg ycbcr"),
    );
    let name = format!(
        "MJPEG→RGB→I420 1280x720 ({} KiB), zune-jpeg + yuvutils (used)",
        jpeg.len() / 1024
    );
    repeat(100, &name, || {
        convert::to_i420(PixelFormat::Mjpeg, &jpeg, w, h, &mut out).expect("mjpeg")
    });
}

/// I420 downscales the send-side adapter asks for (`peercall_media::scale`).
fn scaling() {
    for ((sw, sh), (dw, dh)) in [
        ((640, 480), (320, 240)),
        ((640, 480), (480, 360)),
        ((640, 480), (160, 120)),
        ((1280, 720), (960, 540)),
        ((1280, 720), (640, 360)),
    ] {
        let src = TestPattern::new(sw, sh).render(5, 5);
        let mut out = VideoFrame::black(dw, dh);
        repeat(
            500,
            &format!("I420 scale {sw}x{sh}→{dw}x{dh}, box filter"),
            || scale::scale_i420_into(&src, &mut out),
        );
    }
}

/// From the moment the test-pattern camera stamps a frame to the end of its encode.
fn capture_to_encoded() {
    let req = CaptureRequest {
        width: 1280,
        height: 720,
        fps: 30,
    };
    let choice = DeviceChoice::Id(TEST_PATTERN_ID.into());
    let cam =
        CameraCapture::open(&choice, req, CameraOptions::default()).expect("test pattern camera");
    let mut enc = Vp8Encoder::new(Vp8Config::new(1280, 720)).expect("encoder");
    let mut lat = Samples::default();
    while lat.wall.len() < 150 {
        let f = cam
            .frames()
            .recv_timeout(Duration::from_secs(5))
            .expect("frame");
        enc.encode(&f, false).expect("encode");
        lat.wall.push(Duration::from_micros(
            now_us().saturating_sub(f.capture_time_us),
        ));
    }
    lat.row("capture→encoded, test pattern 720p30, 1 thread (wall only)");
}

fn main() {
    // `cargo bench -p peercall-media --bench media -- vp8 opus` runs only those sections
    // (vp8, opus, convert, scale, latency); cargo itself passes `--bench`.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let run = |section: &str| only.is_empty() || only.iter().any(|o| o == section);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average before: {}", load.trim());
    println!("| what | wall p50 ms | wall p95 ms | thread CPU p50 ms | thread CPU mean ms |");
    println!("|---|---:|---:|---:|---:|");
    if run("vp8") {
        for (w, h, kbps) in [(640, 480, 800), (1280, 720, 1500)] {
            vp8(w, h, kbps, 1);
            if threads > 1 {
                vp8(w, h, kbps, threads);
            }
        }
    }
    if run("opus") {
        opus();
    }
    if run("convert") {
        conversions();
    }
    if run("scale") {
        scaling();
    }
    if run("latency") {
        capture_to_encoded();
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average after: {}", load.trim());
}
