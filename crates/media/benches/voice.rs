//! Voice processing figures (issue 12): echo return loss enhancement on the synthesized
//! echo path, near-end level kept in double-talk, and the CPU cost per 10 ms frame. Prints
//! markdown tables for `BENCHMARKS.md`; asserts nothing (the behaviour is asserted by
//! `tests/voice_processing.rs`).
//!
//! Run: `cargo bench -p peercall-media --bench voice` (release profile).
//!
//! The echo path (`voice::echo_path`): a speech-like far-end talker at −20 dBFS (active
//! speech) is played; the microphone gets it back after the delay, a direct sound plus 24
//! reflections over 40 ms (RT60 150 ms) at −6 dB overall, plus white noise at −60 dBFS.
//! ERLE = 10·log10(P_mic / P_out) over the same samples while only the far end talks.

use peercall_media::voice::echo_path::{speech, EchoPath};
use peercall_media::voice::measure::{erle_db, level_dbfs, run};
use peercall_media::voice::VOICE_CHUNK_SAMPLES;
use peercall_media::{VoiceProcessor, VoiceSettings, AUDIO_RATE};
use std::time::Duration;

const SR: usize = AUDIO_RATE as usize;

fn secs(s: f32) -> usize {
    (s * SR as f32) as usize
}

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

fn configs() -> [(&'static str, VoiceSettings); 5] {
    let only = |f: fn(&mut VoiceSettings)| {
        let mut s = VoiceSettings::OFF;
        f(&mut s);
        s
    };
    [
        ("all on (default)", VoiceSettings::ALL),
        (
            "echo cancellation only",
            only(|s| s.echo_cancellation = true),
        ),
        (
            "noise suppression only",
            only(|s| s.noise_suppression = true),
        ),
        ("auto gain only", only(|s| s.auto_gain = true)),
        ("all off", VoiceSettings::OFF),
    ]
}

fn erle_table() {
    println!("### ERLE on the synthetic echo path (far end only)\n");
    println!("| settings | delay | 0-1 s | 1-2 s | 2-4 s | 4-10 s (converged) |");
    println!("|---|---|---|---|---|---|");
    let far = speech(11, 120.0, 10.0, -20.0);
    for (name, settings) in configs().into_iter().take(2) {
        for (delay_ms, seed) in [(30.0, 1), (55.0, 2), (80.0, 3)] {
            let path = EchoPath {
                delay_ms,
                seed,
                ..EchoPath::default()
            };
            let echo = path.echo(&far);
            let noise = path.noise(far.len());
            let mic: Vec<f32> = echo.iter().zip(&noise).map(|(e, n)| e + n).collect();
            let out = run(&mut VoiceProcessor::new(settings), &far, &mic);
            let w = |a: f32, b: f32| {
                let r = secs(a)..secs(b);
                erle_db(&mic[r.clone()], &out[r])
            };
            println!(
                "| {name} | {delay_ms} ms | {:.1} dB | {:.1} dB | {:.1} dB | **{:.1} dB** |",
                w(0.0, 1.0),
                w(1.0, 2.0),
                w(2.0, 4.0),
                w(4.0, 10.0)
            );
        }
    }
}

fn double_talk_table() {
    println!("\n### Double-talk: a near-end talker (−26 dBFS, 8-14 s) over the far end\n");
    println!("| settings | near end alone, processed | with the far end's echo, processed | difference |");
    println!("|---|---|---|---|");
    let path = EchoPath::default();
    let far = speech(21, 110.0, 14.0, -20.0);
    let talk = speech(22, 210.0, 6.0, -26.0);
    let mut near = vec![0.0f32; secs(14.0)];
    near[secs(8.0)..].copy_from_slice(&talk);
    let echo = path.echo(&far);
    let noise = path.noise(near.len());
    let mic_dt: Vec<f32> = (0..near.len())
        .map(|i| near[i] + echo[i] + noise[i])
        .collect();
    let mic_alone: Vec<f32> = (0..near.len()).map(|i| near[i] + noise[i]).collect();
    let silence = vec![0.0f32; near.len()];
    for (name, settings) in configs().into_iter().take(2) {
        let dt = run(&mut VoiceProcessor::new(settings), &far, &mic_dt);
        let alone = run(&mut VoiceProcessor::new(settings), &silence, &mic_alone);
        let w = secs(8.0)..secs(14.0);
        let (a, d) = (level_dbfs(&alone[w.clone()]), level_dbfs(&dt[w]));
        println!("| {name} | {a:.1} dBFS | {d:.1} dBFS | {:+.1} dB |", d - a);
    }
}

fn cost_table() {
    println!("\n### Cost per 10 ms frame (thread CPU time, 30 s of double-talk audio)\n");
    println!("| settings | capture p50 | capture p95 | render p50 | capture + render mean | share of real time |");
    println!("|---|---|---|---|---|---|");
    let path = EchoPath::default();
    let far = speech(51, 120.0, 30.0, -20.0);
    let near = speech(52, 200.0, 30.0, -26.0);
    let echo = path.echo(&far);
    let mic: Vec<f32> = (0..far.len()).map(|i| near[i] + echo[i]).collect();
    for (name, settings) in configs() {
        let mut p = VoiceProcessor::new(settings);
        let (mut cap, mut ren) = (Vec::new(), Vec::new());
        for (f, m) in far
            .chunks_exact(VOICE_CHUNK_SAMPLES)
            .zip(mic.chunks_exact(VOICE_CHUNK_SAMPLES))
        {
            let mut chunk = m.to_vec();
            let t = thread_cpu();
            let _ = p.process_render(f);
            let t2 = thread_cpu();
            let _ = p.process_capture(&mut chunk);
            cap.push(thread_cpu().saturating_sub(t2));
            ren.push(t2.saturating_sub(t));
        }
        let mean = (cap.iter().sum::<Duration>() + ren.iter().sum::<Duration>()).as_secs_f64()
            / cap.len() as f64;
        cap.sort();
        ren.sort();
        let ms = |d: &Vec<Duration>, q: usize| {
            d[(d.len() * q / 100).min(d.len() - 1)].as_secs_f64() * 1e3
        };
        println!(
            "| {name} | {:.3} ms | {:.3} ms | {:.3} ms | {:.3} ms | {:.1} % |",
            ms(&cap, 50),
            ms(&cap, 95),
            ms(&ren, 50),
            mean * 1e3,
            mean / 0.010 * 100.0
        );
    }
}

fn main() {
    erle_table();
    double_talk_table();
    cost_table();
}
