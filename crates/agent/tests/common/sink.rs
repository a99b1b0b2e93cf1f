//! Hearing what an agent plays: a private PulseAudio null sink for one agent's process
//! (`PULSE_SINK`, which ALSA's `pulse` plugin behind cpal's default device honours), its
//! monitor recorded with `parec`, and the recording cut into 10 ms blocks to find where
//! the tone went silent.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Sample rate of the recording.
pub const RATE: usize = 16_000;
/// 10 ms.
const BLOCK: usize = RATE / 100;
/// A block quieter than this is silence (the tone plays at about −20 dBFS; concealment
/// fades under −34 dBFS only after ~190 ms without packets).
const SILENT_DBFS: f64 = -45.0;

/// Whether a PulseAudio server is there (`PULSE_SERVER`, as `scripts/start-pulseaudio.sh`
/// sets it). Without one, `test` says so and is skipped; under `CI=true` it fails instead.
pub fn pulse_available(test: &str) -> bool {
    if std::env::var_os("PULSE_SERVER").is_some() {
        return true;
    }
    assert!(
        !std::env::var("CI").is_ok_and(|v| v == "true"),
        "{test}: no PulseAudio (PULSE_SERVER unset)"
    );
    eprintln!("SKIPPED {test}: no PulseAudio (source scripts/start-pulseaudio.sh)");
    false
}

/// A null sink of its own and `parec` recording its monitor into a file.
pub struct PrivateSink {
    pub name: String,
    module: String,
    recorder: Option<Child>,
    pub file: PathBuf,
}

impl PrivateSink {
    /// Loads the sink and starts recording it into `dir`.
    pub fn new(label: &str, dir: &Path) -> Self {
        let name = format!("peercall_{label}_{}", std::process::id());
        let out = Command::new("pactl")
            .args([
                "load-module",
                "module-null-sink",
                &format!("sink_name={name}"),
            ])
            .output()
            .expect("run pactl");
        assert!(out.status.success(), "pactl load-module: {out:?}");
        let module = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let file = dir.join(format!("{name}.s16"));
        let sink = std::fs::File::create(&file).expect("recording file");
        let recorder = Command::new("parec")
            .args([
                "-d",
                &format!("{name}.monitor"),
                "--format=s16le",
                "--channels=1",
            ])
            .arg(format!("--rate={RATE}"))
            .arg("--latency-msec=20")
            .stdout(Stdio::from(sink))
            .stderr(Stdio::inherit())
            .spawn()
            .expect("run parec");
        PrivateSink {
            name,
            module,
            recorder: Some(recorder),
            file,
        }
    }

    /// Stops recording; the samples recorded.
    pub fn finish(&mut self) -> Vec<i16> {
        if let Some(mut r) = self.recorder.take() {
            let _ = r.kill();
            let _ = r.wait();
        }
        let bytes = std::fs::read(&self.file).unwrap_or_default();
        bytes
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect()
    }
}

impl Drop for PrivateSink {
    fn drop(&mut self) {
        self.finish();
        let _ = Command::new("pactl")
            .args(["unload-module", &self.module])
            .status();
        let _ = std::fs::remove_file(&self.file);
    }
}

/// What the recording holds between the tone's first and last sounding block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Heard {
    /// From the first to the last block with the tone, in seconds.
    pub seconds: f64,
    /// Silent runs inside that span.
    pub gaps: usize,
    /// Silent runs of more than 60 ms.
    pub gaps_over_60ms: usize,
    /// The longest silent run, ms.
    pub longest_gap_ms: f64,
    /// Share of that span's blocks that were silent, %.
    pub silent_pct: f64,
}

/// Level of one block, dBFS.
fn dbfs(block: &[i16]) -> f64 {
    let power = block.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / block.len() as f64;
    10.0 * (power.max(1e-9) / f64::from(i16::MAX).powi(2)).log10()
}

/// Finds the silent runs between the first and last sounding 10 ms blocks.
pub fn heard(samples: &[i16]) -> Heard {
    let loud: Vec<bool> = samples
        .chunks_exact(BLOCK)
        .map(|b| dbfs(b) > SILENT_DBFS)
        .collect();
    let (Some(first), Some(last)) = (loud.iter().position(|&l| l), loud.iter().rposition(|&l| l))
    else {
        return Heard {
            seconds: 0.0,
            gaps: 0,
            gaps_over_60ms: 0,
            longest_gap_ms: 0.0,
            silent_pct: 100.0,
        };
    };
    let span = &loud[first..=last];
    let mut runs = Vec::new();
    let mut run = 0usize;
    for &l in span {
        if l {
            if run > 0 {
                runs.push(run);
            }
            run = 0;
        } else {
            run += 1;
        }
    }
    let silent: usize = runs.iter().sum();
    Heard {
        seconds: span.len() as f64 / 100.0,
        gaps: runs.len(),
        gaps_over_60ms: runs.iter().filter(|&&r| r * 10 > 60).count(),
        longest_gap_ms: runs.iter().max().map_or(0.0, |&r| r as f64 * 10.0),
        silent_pct: 100.0 * silent as f64 / span.len() as f64,
    }
}
