//! The Opus encoder's expected loss follows the loss the peer reports on our audio
//! (RTCP receiver reports' fraction lost), smoothed over a few seconds and capped at
//! 20 % (libwebrtc's `audio_encoder_opus.cc` smooths over ~10 s and caps at 20 %): the
//! encoder spends more on in-band FEC when packets are being lost, and none on a clean
//! path. Pure: one reading in, maybe a new setting out.

/// Smoothing per reading (one a second): ≈ 5 s.
const ALPHA: f64 = 0.2;
/// Highest expected loss set, percent.
const MAX_PCT: i32 = 20;

/// Turns loss reports into encoder settings.
#[derive(Debug)]
pub(crate) struct LossFollower {
    smoothed: f64,
    applied: i32,
}

impl LossFollower {
    /// Starts from the encoder's configured expected loss, percent.
    pub(crate) fn new(initial_pct: i32) -> Self {
        Self {
            smoothed: f64::from(initial_pct) / 100.0,
            applied: initial_pct,
        }
    }

    /// A new reading of the fraction lost (0..1); returns the percentage to set when
    /// it differs from the one in force.
    pub(crate) fn on_report(&mut self, fraction_lost: f64) -> Option<i32> {
        if !fraction_lost.is_finite() {
            return None;
        }
        self.smoothed += (fraction_lost.clamp(0.0, 1.0) - self.smoothed) * ALPHA;
        // Round up: a little more FEC than the loss is cheaper than a gap.
        let pct = ((self.smoothed * 100.0).ceil() as i32).clamp(0, MAX_PCT);
        (pct != self.applied).then(|| {
            self.applied = pct;
            pct
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_reported_loss_smoothly_with_a_cap() {
        let mut f = LossFollower::new(10);
        // A clean path brings the setting down over a few seconds.
        let settings: Vec<Option<i32>> = (0..15).map(|_| f.on_report(0.0)).collect();
        assert_eq!(settings[0], Some(8));
        assert_eq!(settings.iter().flatten().last(), Some(&1));
        // 5 % loss brings it back up to 5 %.
        let last = (0..30).filter_map(|_| f.on_report(0.05)).last();
        assert_eq!(last, Some(5));
        assert_eq!(f.on_report(0.05), None, "no change, nothing to set");
        // 60 % is capped.
        let last = (0..30).filter_map(|_| f.on_report(0.6)).last();
        assert_eq!(last, Some(MAX_PCT));
        assert_eq!(f.on_report(f64::NAN), None);
    }
}
