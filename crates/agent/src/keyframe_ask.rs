//! `--request-keyframe-after-frames N`: ask the peer for a keyframe once, after N of its
//! frames were shown (tests check that the peer's encoder answers our PLI).

/// When to ask the peer for a keyframe.
#[derive(Debug, Default)]
pub struct KeyframeAsk {
    /// Frames shown before asking; `None` once asked (or never to ask).
    after: Option<u64>,
}

impl KeyframeAsk {
    /// Asks once `after` frames were shown (never when `None`).
    #[must_use]
    pub fn new(after: Option<u64>) -> Self {
        Self { after }
    }

    /// Whether an ask is still to come.
    #[must_use]
    pub fn pending(&self) -> bool {
        self.after.is_some()
    }

    /// Whether to ask now, with `shown` frames shown so far: true at the first call with
    /// at least the frames asked for, and never again.
    pub fn due(&mut self, shown: u64) -> bool {
        match self.after {
            Some(n) if shown >= n => {
                self.after = None;
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::KeyframeAsk;

    /// Frames shown at each check, and whether it asks.
    type Checks = &'static [(u64, bool)];

    #[test]
    fn asks_once_when_the_frames_are_shown() {
        let table: &[(Option<u64>, Checks)] = &[
            (None, &[(0, false), (100, false), (1_000, false)]),
            (
                Some(30),
                &[
                    (0, false),
                    (29, false),
                    (30, true),
                    (31, false),
                    (90, false),
                ],
            ),
            // Checks are coarse: the first one past the mark asks.
            (Some(30), &[(10, false), (45, true), (60, false)]),
        ];
        for (after, checks) in table {
            let mut ask = KeyframeAsk::new(*after);
            for &(shown, asks) in *checks {
                assert_eq!(ask.due(shown), asks, "after {after:?}, {shown} shown");
            }
            assert!(!ask.pending(), "after {after:?}: nothing left to ask");
        }
    }

    #[test]
    fn pending_until_asked() {
        let mut ask = KeyframeAsk::new(Some(5));
        assert!(ask.pending());
        assert!(!ask.due(4));
        assert!(ask.pending());
        assert!(ask.due(5));
        assert!(!ask.pending());
    }
}
