//! What the jitter buffer did, for the call's statistics.

/// Counters of a jitter buffer (samples at 48 kHz unless named otherwise).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NetEqStats {
    /// Samples handed out once playout started.
    pub samples_out: u64,
    /// Samples synthesised for missing audio: Opus PLC and comfort noise.
    pub concealed_samples: u64,
    /// Of those, comfort noise after a long loss.
    pub comfort_noise_samples: u64,
    /// Samples rebuilt from the next packet's in-band FEC.
    pub fec_samples: u64,
    /// Samples decoded from a RED copy of a packet that never came itself.
    pub red_samples: u64,
    /// Samples removed by accelerate.
    pub accelerate_samples: u64,
    /// Samples inserted by preemptive expand.
    pub expand_samples: u64,
    /// Times the buffer ran dry waiting for a packet that then arrived (late, not lost).
    pub underruns: u64,
    /// Packets that arrived after their audio had been played or concealed.
    pub late_packets: u64,
    /// Packets received twice.
    pub duplicate_packets: u64,
    /// Packets accepted.
    pub packets: u64,
    /// Buffer delay (audio held, ms) at each pull: percentiles over the call.
    pub delay_p50_ms: f64,
    pub delay_p95_ms: f64,
    /// The current target delay, ms.
    pub target_ms: f64,
}

impl NetEqStats {
    /// Concealed samples as a percentage of the samples played.
    pub fn concealed_pct(&self) -> f64 {
        pct(self.concealed_samples, self.samples_out)
    }

    /// Samples removed or inserted by time-stretching, as a percentage of those played.
    pub fn stretch_pct(&self) -> f64 {
        pct(
            self.accelerate_samples + self.expand_samples,
            self.samples_out,
        )
    }
}

fn pct(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// Buffer delay at each pull, in 1 ms buckets up to 1 s.
#[derive(Debug, Clone)]
pub(crate) struct DelayHistogram {
    buckets: Vec<u64>,
    count: u64,
}

impl Default for DelayHistogram {
    fn default() -> Self {
        Self {
            buckets: vec![0; 1001],
            count: 0,
        }
    }
}

impl DelayHistogram {
    pub(crate) fn add(&mut self, ms: f64) {
        let i = (ms.max(0.0) as usize).min(self.buckets.len() - 1);
        self.buckets[i] += 1;
        self.count += 1;
    }

    pub(crate) fn percentile(&self, q: f64) -> f64 {
        let want = (q * self.count as f64).ceil().max(1.0) as u64;
        let mut acc = 0;
        for (i, &b) in self.buckets.iter().enumerate() {
            acc += b;
            if acc >= want {
                return i as f64;
            }
        }
        0.0
    }
}
