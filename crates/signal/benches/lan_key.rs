//! What the LAN proof's memory-hard key costs: `cargo bench -p peercall-signal --bench lan_key`.
//! Prints the time of one `LanKey::derive` (scrypt N = 2^14, r = 8, p = 1: 16 MiB), which a
//! joiner pays once per connection and the host once at start, and of one answer (HMAC),
//! which the host pays per connection. Figures go to BENCHMARKS.md.

use peercall_signal::lan_proof::{CertFingerprint, LanKey};
use peercall_signal::proof::new_nonce;
use std::time::{Duration, Instant};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let fingerprint = CertFingerprint::of_der(b"a certificate");
    let rounds = 21;
    let derive: Vec<Duration> = (0..rounds)
        .map(|i| {
            let started = Instant::now();
            let key = LanKey::derive(&format!("ABCDE-FGH{i:02}"), &fingerprint);
            let took = started.elapsed();
            std::hint::black_box(key);
            took
        })
        .collect();
    let key = LanKey::derive("ABCDE-FGHJK", &fingerprint);
    let nonce = new_nonce();
    let answers = 10_000u32;
    let started = Instant::now();
    for _ in 0..answers {
        std::hint::black_box(key.answer(&nonce));
    }
    let answer = started.elapsed() / answers;
    let (min, max) = (
        derive.iter().min().copied().unwrap_or_default(),
        derive.iter().max().copied().unwrap_or_default(),
    );
    let med = median(derive.clone()).as_secs_f64();
    println!(
        "lan key derive (scrypt 2^14, 8, 1): median {:.1} ms, min {:.1} ms, max {:.1} ms over {rounds}",
        med * 1e3,
        min.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3,
    );
    println!(
        "lan proof answer (HMAC-SHA256): {:.2} µs",
        answer.as_secs_f64() * 1e6
    );
    println!(
        "offline search of 2^50 codes at this speed on one core: {:.0} years",
        2f64.powi(50) * med / (365.25 * 86400.0)
    );
}
