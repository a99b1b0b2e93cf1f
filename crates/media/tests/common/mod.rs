//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::process::Command;

/// A tiny seeded generator (xorshift64*) so loss schedules repeat exactly.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

/// PulseAudio for the real-device tests: `scripts/start-pulseaudio.sh`, the suite's own setup.
pub const PULSE_SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scripts/start-pulseaudio.sh"
);

/// Runs the start script and adopts the environment it prints.
pub fn ensure_pulseaudio() {
    let out = Command::new("bash")
        .arg(PULSE_SCRIPT)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {PULSE_SCRIPT}: {e}"));
    assert!(
        out.status.success(),
        "PulseAudio is needed for this test and could not be started.\n\
         Start it yourself with: eval \"$(scripts/start-pulseaudio.sh)\"\n\
         (packages: pulseaudio pulseaudio-utils libasound2-plugins)\nscript said:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let Some((k, v)) = line
            .strip_prefix("export ")
            .and_then(|kv| kv.split_once('='))
        {
            // Called first thing by single-test binaries: no other thread reads the environment.
            std::env::set_var(k, v);
        }
    }
}
