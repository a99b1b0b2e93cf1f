//! What encoding every other VP8 frame discardable (`Vp8Config::discardable_frames`)
//! costs in picture quality at a fixed bitrate: the reference frames then predict from
//! two frames back. Prints a table (no asserts).
//! Run: `cargo bench -p peercall-media --bench vp8_discardable`.

use peercall_media::{TestPattern, Vp8Config, Vp8Decoder, Vp8Encoder};

/// (mean PSNR-Y dB, lowest PSNR-Y dB, kbit/s sent) over `frames` frames at 30 fps.
fn run(width: u32, height: u32, kbps: u32, discardable: bool, frames: u64) -> (f64, f64, f64) {
    let pattern = TestPattern::new(width, height);
    let mut enc = Vp8Encoder::new(Vp8Config {
        bitrate_kbps: kbps,
        discardable_frames: discardable,
        ..Vp8Config::new(width, height)
    })
    .expect("vp8 encoder");
    let mut dec = Vp8Decoder::new(1).expect("vp8 decoder");
    let (mut sum, mut lowest, mut bytes, mut count) = (0.0, f64::INFINITY, 0usize, 0u32);
    for n in 0..frames {
        let src = pattern.render(n, n * 33_333);
        for f in enc.encode(&src, false).expect("vp8 encode") {
            bytes += f.data.len();
            if let Some(out) = dec.decode(&f.data).expect("vp8 decode") {
                // The first second is rate control settling.
                if n >= 30 {
                    let psnr = src.psnr_y(&out);
                    sum += psnr;
                    lowest = lowest.min(psnr);
                    count += 1;
                }
            }
        }
    }
    let seconds = frames as f64 / 30.0;
    (
        sum / f64::from(count.max(1)),
        lowest,
        bytes as f64 * 8.0 / 1000.0 / seconds,
    )
}

fn main() {
    println!("| size | target kbit/s | discardable frames | PSNR-Y mean dB | PSNR-Y lowest dB | sent kbit/s |");
    println!("|---|---|---|---|---|---|");
    for (w, h, kbps) in [
        (640, 480, 500),
        (640, 480, 1000),
        (1280, 720, 1500),
        (320, 240, 300),
    ] {
        for discardable in [false, true] {
            let (mean, low, sent) = run(w, h, kbps, discardable, 300);
            println!(
                "| {w}x{h} | {kbps} | {} | {mean:.2} | {low:.2} | {sent:.0} |",
                if discardable { "every other" } else { "none" }
            );
        }
    }
}
