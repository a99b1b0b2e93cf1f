//! Gaps in the received audio the listener would hear: 10 ms windows of the decoded
//! output (what the speaker is given) quieter than −34 dBFS RMS, once the tone has been
//! heard. The agent's synthetic microphone never goes below 0.1 amplitude (−23 dBFS
//! RMS), so any such run is audio that went missing. A run still going when the call
//! ends is the hang-up, not a gap.

/// Quieter than this RMS counts as silence.
const SILENT_RMS: f32 = 0.02;
/// Window length: 10 ms at 48 kHz.
const WINDOW: usize = 480;
/// Gaps longer than this are reported apart (the goal: none over 60 ms).
const LONG_GAP_MS: f64 = 60.0;

/// Finds silent runs in a stream of samples.
#[derive(Debug, Default)]
pub struct GapDetector {
    pending: Vec<f32>,
    heard: bool,
    run_ms: f64,
    longest_ms: f64,
    gaps: u64,
    long_gaps: u64,
}

impl GapDetector {
    /// Takes the next samples (48 kHz mono).
    pub fn samples(&mut self, pcm: &[f32]) {
        self.pending.extend_from_slice(pcm);
        let whole = self.pending.len() / WINDOW * WINDOW;
        for w in self.pending[..whole].chunks(WINDOW) {
            let rms = (w.iter().map(|v| v * v).sum::<f32>() / WINDOW as f32).sqrt();
            if rms >= SILENT_RMS {
                if self.run_ms > 0.0 {
                    self.gaps += 1;
                    self.longest_ms = self.longest_ms.max(self.run_ms);
                    if self.run_ms > LONG_GAP_MS {
                        self.long_gaps += 1;
                    }
                }
                self.heard = true;
                self.run_ms = 0.0;
            } else if self.heard {
                self.run_ms += 10.0;
            }
        }
        self.pending.drain(..whole);
    }

    /// Silent runs that ended, the longest (ms), and those over 60 ms.
    #[must_use]
    pub fn gaps(&self) -> (u64, f64, u64) {
        (self.gaps, self.longest_ms, self.long_gaps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(ms: usize) -> Vec<f32> {
        (0..ms * 48)
            .map(|i| 0.1 * (i as f32 * 0.0576).sin())
            .collect()
    }

    #[test]
    fn silences_between_sound_are_gaps_but_not_before_or_after() {
        let mut d = GapDetector::default();
        d.samples(&vec![0.0; 4800]); // before the first sound: start-up
        d.samples(&tone(200));
        d.samples(&vec![0.0; 20 * 48]);
        d.samples(&tone(100));
        d.samples(&vec![0.0; 80 * 48]);
        d.samples(&tone(15)); // odd sizes are carried over
        d.samples(&tone(15));
        d.samples(&vec![0.0; 9600]); // the hang-up
        assert_eq!(d.gaps(), (2, 80.0, 1));
    }
}
