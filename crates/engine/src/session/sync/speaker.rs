//! How long audio handed to the speaker now takes to be heard: the speaker's queue plus
//! what the device still holds. The engine's audio-out thread (which owns the speaker)
//! sets it after each frame it plays; the session's playout thread reads it, so lip sync
//! lines the picture up with the voice the user *hears*, not with the voice leaving the
//! jitter buffer. Zero while no speaker plays (an agent without one, a failed device).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// See the module documentation. Clones share one value.
#[derive(Debug, Clone, Default)]
pub struct SpeakerDelay(Arc<AtomicU64>);

impl SpeakerDelay {
    /// The delay now.
    pub fn get(&self) -> Duration {
        Duration::from_micros(self.0.load(Ordering::Relaxed))
    }

    /// Sets it (after each frame given to the speaker; zero when the speaker closes).
    pub fn set(&self, delay: Duration) {
        self.0.store(delay.as_micros() as u64, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_value() {
        let out = SpeakerDelay::default();
        let seen = out.clone();
        assert_eq!(seen.get(), Duration::ZERO);
        out.set(Duration::from_millis(125));
        assert_eq!(seen.get(), Duration::from_millis(125));
        out.set(Duration::ZERO);
        assert_eq!(seen.get(), Duration::ZERO);
    }
}
