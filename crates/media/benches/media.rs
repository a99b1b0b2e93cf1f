//! Media benchmarks: prints a table of figures (no timed asserts).
//! Run: `cargo bench -p peercall-media --bench media` (release profile).

use peercall_media::camera::{CameraCapture, CameraOptions, CaptureRequest, TEST_PATTERN_ID};
use peercall_media::clock::now_us;
use peercall_media::convert::{self, PixelFormat};
use peercall_media::{
    DeviceChoice, OpusConfig, OpusDecoder, OpusEncoder, TestPattern, ToneConfig, ToneSource,
    VideoFrame, Vp8Config, Vp8Decoder, Vp8Encoder, AUDIO_FRAME_SAMPLES,
};
use std::time::{Duration, Instant};

/// Median, mean and 95th percentile of durations, in ms.
fn stats(mut d: Vec<Duration>) -> (f64, f64, f64) {
    d.sort();
    let ms = |x: Duration| x.as_secs_f64() * 1e3;
    let mean = ms(d.iter().sum::<Duration>()) / d.len() as f64;
    let at = |q: usize| ms(d[(d.len() * q / 100).min(d.len() - 1)]);
    (at(50), mean, at(95))
}

fn row(name: &str, (p50, mean, p95): (f64, f64, f64)) {
    println!("| {name:<52} | {p50:>7.3} | {mean:>7.3} | {p95:>7.3} |");
}

fn vp8(width: u32, height: u32, kbps: u32, threads: u32) {
    let pattern = TestPattern::new(width, height);
    let frames: Vec<VideoFrame> = (0..300).map(|n| pattern.render(n, n * 33_333)).collect();
    let mut cfg = Vp8Config::new(width, height);
    cfg.bitrate_kbps = kbps;
    cfg.threads = threads;
    let mut enc = Vp8Encoder::new(cfg).expect("encoder");
    let mut dec = Vp8Decoder::new(threads).expect("decoder");
    let (mut te, mut td) = (Vec::new(), Vec::new());
    for f in &frames {
        let t = Instant::now();
        let packets = enc.encode(f, false).expect("encode");
        te.push(t.elapsed());
        for p in packets {
            let t = Instant::now();
            dec.decode(&p.data).expect("decode");
            td.push(t.elapsed());
        }
    }
    row(
        &format!("VP8 encode {width}x{height} {kbps} kbps, {threads} thread(s)"),
        stats(te),
    );
    row(
        &format!("VP8 decode {width}x{height} {kbps} kbps, {threads} thread(s)"),
        stats(td),
    );
}

fn opus() {
    let mut src = ToneSource::new(ToneConfig::default());
    let mut enc = OpusEncoder::new(OpusConfig::default()).expect("opus encoder");
    let mut dec = OpusDecoder::new().expect("opus decoder");
    let mut pcm = vec![0.0f32; AUDIO_FRAME_SAMPLES];
    let (mut te, mut td) = (Vec::new(), Vec::new());
    for k in 0..1500u64 {
        src.fill(&mut pcm, k * 20_000);
        let t = Instant::now();
        let p = enc.encode(&pcm).expect("encode");
        te.push(t.elapsed());
        let t = Instant::now();
        dec.decode(&p).expect("decode");
        td.push(t.elapsed());
    }
    row("Opus encode 20 ms mono 32 kbit/s, FEC on", stats(te));
    row("Opus decode 20 ms mono", stats(td));
}

fn time<F: FnMut()>(n: usize, mut f: F) -> (f64, f64, f64) {
    stats(
        (0..n)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
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
    row(
        "test pattern render 1280x720",
        time(300, || pattern.render_into(&mut out, 9, 9)),
    );
    row(
        "YUYV→I420 1280x720, yuvutils-rs",
        time(300, || {
            convert::to_i420(PixelFormat::Yuyv, &yuyv, w, h, &mut out).expect("yuyv")
        }),
    );
    row(
        "YUYV→I420 1280x720, plain Rust",
        time(300, || convert::yuyv_to_i420_scalar(&yuyv, &mut out)),
    );
    row(
        "NV12→I420 1280x720",
        time(300, || {
            convert::to_i420(PixelFormat::Nv12, &nv12, w, h, &mut out).expect("nv12")
        }),
    );
    row(
        "RGB24→I420 1280x720, yuvutils-rs",
        time(300, || {
            convert::to_i420(PixelFormat::Rgb24, &rgb, w, h, &mut out).expect("rgb")
        }),
    );
    row(
        &format!("MJPEG→I420 1280x720 ({} KiB), zune-jpeg", jpeg.len() / 1024),
        time(100, || {
            convert::to_i420(PixelFormat::Mjpeg, &jpeg, w, h, &mut out).expect("mjpeg")
        }),
    );
}

fn capture_to_encoded() {
    let req = CaptureRequest {
        width: 1280,
        height: 720,
        fps: 30,
    };
    let cam = CameraCapture::open(
        &DeviceChoice::Id(TEST_PATTERN_ID.into()),
        req,
        CameraOptions::default(),
    )
    .expect("test pattern camera");
    let mut enc = Vp8Encoder::new(Vp8Config::new(1280, 720)).expect("encoder");
    let mut lat = Vec::new();
    while lat.len() < 150 {
        let f = cam
            .frames()
            .recv_timeout(Duration::from_secs(5))
            .expect("frame");
        enc.encode(&f, false).expect("encode");
        lat.push(Duration::from_micros(
            now_us().saturating_sub(f.capture_time_us),
        ));
    }
    row("capture→encoded, test pattern 720p30, 1 thread", stats(lat));
}

fn main() {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    println!("| what | p50 ms | mean ms | p95 ms |\n|---|---:|---:|---:|");
    for (w, h, kbps) in [(640, 480, 800), (1280, 720, 1500)] {
        vp8(w, h, kbps, 1);
        vp8(w, h, kbps, threads);
    }
    opus();
    conversions();
    capture_to_encoded();
}
