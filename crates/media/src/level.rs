//! Audio level metering: RMS and peak in dBFS over the samples since the last reading (the
//! settings dialog's microphone meter).

/// The floor reported for silence, dBFS.
pub const SILENCE_DB: f32 = -100.0;

/// dBFS of a linear amplitude (1.0 is full scale); [`SILENCE_DB`] at or below 10⁻⁵.
#[must_use]
pub fn dbfs(amplitude: f32) -> f32 {
    if amplitude <= 1e-5 {
        SILENCE_DB
    } else {
        (20.0 * amplitude.log10()).max(SILENCE_DB)
    }
}

/// One reading.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    /// RMS level, dBFS.
    pub rms_db: f32,
    /// Peak level, dBFS.
    pub peak_db: f32,
}

/// Accumulates samples between readings.
#[derive(Debug, Clone, Default)]
pub struct LevelMeter {
    sum_sq: f64,
    peak: f32,
    count: usize,
}

impl LevelMeter {
    /// Adds samples to the current reading.
    pub fn feed(&mut self, samples: &[f32]) {
        for &s in samples {
            self.sum_sq += f64::from(s) * f64::from(s);
            self.peak = self.peak.max(s.abs());
        }
        self.count += samples.len();
    }

    /// The level since the last reading (silence if nothing came), and starts a new one.
    pub fn take(&mut self) -> Level {
        let rms = if self.count == 0 {
            0.0
        } else {
            (self.sum_sq / self.count as f64).sqrt() as f32
        };
        let level = Level {
            rms_db: dbfs(rms),
            peak_db: dbfs(self.peak),
        };
        *self = Self::default();
        level
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn near(a: f32, b: f32) -> bool {
        (a - b).abs() < 0.05
    }

    #[test]
    fn decibels_of_known_amplitudes() {
        assert!(near(dbfs(1.0), 0.0));
        assert!(near(dbfs(0.5), -6.02));
        assert!(near(dbfs(0.1), -20.0));
        assert_eq!(dbfs(0.0), SILENCE_DB);
        assert_eq!(dbfs(1e-6), SILENCE_DB);
    }

    #[test]
    fn a_full_scale_sine_reads_minus_3_db_rms_and_0_db_peak() {
        let mut meter = LevelMeter::default();
        let sine: Vec<f32> = (0..4800)
            .map(|i| (std::f32::consts::TAU * 1000.0 * i as f32 / 48_000.0).sin())
            .collect();
        meter.feed(&sine[..1000]);
        meter.feed(&sine[1000..]);
        let level = meter.take();
        assert!(near(level.rms_db, -3.01), "{level:?}");
        assert!(near(level.peak_db, 0.0), "{level:?}");
    }

    #[test]
    fn each_reading_starts_afresh() {
        let mut meter = LevelMeter::default();
        meter.feed(&[0.5, -0.5, 0.5, -0.5]);
        let loud = meter.take();
        assert!(
            near(loud.rms_db, -6.02) && near(loud.peak_db, -6.02),
            "{loud:?}"
        );
        let none = meter.take();
        assert_eq!((none.rms_db, none.peak_db), (SILENCE_DB, SILENCE_DB));
        meter.feed(&[0.0; 480]);
        assert_eq!(meter.take().rms_db, SILENCE_DB);
    }
}
