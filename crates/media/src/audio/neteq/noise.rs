//! Comfort noise for long concealment: white noise at the background level seen in the
//! decoded audio (a slow minimum tracker), so a long loss fades to the room's hiss
//! rather than to digital silence.

/// Loudest background we imitate (≈ −46 dBFS RMS).
const MAX_LEVEL: f32 = 0.005;

#[derive(Debug)]
pub(crate) struct ComfortNoise {
    level: f32,
    seed: u32,
}

impl Default for ComfortNoise {
    fn default() -> Self {
        Self {
            level: MAX_LEVEL,
            seed: 0x9E37_79B9,
        }
    }
}

impl ComfortNoise {
    /// Shows decoded audio to the background tracker.
    pub(crate) fn observe(&mut self, pcm: &[f32]) {
        if pcm.is_empty() {
            return;
        }
        let rms = (pcm.iter().map(|v| v * v).sum::<f32>() / pcm.len() as f32).sqrt();
        self.level = if rms < self.level {
            rms
        } else {
            (self.level * 1.01).min(MAX_LEVEL)
        };
    }

    /// One noise sample.
    pub(crate) fn sample(&mut self) -> f32 {
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 17;
        self.seed ^= self.seed << 5;
        let uniform = self.seed as f32 / u32::MAX as f32 * 2.0 - 1.0;
        uniform * self.level * 3f32.sqrt()
    }
}
