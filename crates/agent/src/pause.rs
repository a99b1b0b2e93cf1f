//! The longest pause in the remote video (the time between two frames shown) and how
//! many frames were shown after it: what a network change mid-call costs, and proof
//! that the video came back.

/// Tracks the longest gap between frames shown.
#[derive(Debug, Default, Clone)]
pub struct LongestPause {
    last_ms: Option<f64>,
    longest_ms: f64,
    frames_after: u64,
}

impl LongestPause {
    /// Takes the time (ms, any origin) a frame was shown.
    pub fn frame(&mut self, at_ms: f64) {
        if let Some(last) = self.last_ms {
            let gap = at_ms - last;
            if gap > self.longest_ms {
                self.longest_ms = gap;
                self.frames_after = 0;
            }
        }
        self.frames_after += 1;
        self.last_ms = Some(at_ms);
    }

    /// The longest gap between two frames, ms (0 with fewer than two frames).
    #[must_use]
    pub fn longest_ms(&self) -> f64 {
        self.longest_ms
    }

    /// Frames shown from the end of the longest gap on (all of them if there was none).
    #[must_use]
    pub fn frames_after(&self) -> u64 {
        self.frames_after
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_gap_and_the_frames_after_it() {
        let mut p = LongestPause::default();
        // (shown at, longest so far, frames after it)
        let table = [
            (0.0, 0.0, 1),
            (33.0, 33.0, 1),
            (66.0, 33.0, 2),
            (1_566.0, 1_500.0, 1), // the video froze for 1.5 s
            (1_600.0, 1_500.0, 2),
            (2_100.0, 1_500.0, 3), // a shorter gap does not take its place
        ];
        for (i, (at, longest, after)) in table.into_iter().enumerate() {
            p.frame(at);
            assert_eq!(
                (p.longest_ms(), p.frames_after()),
                (longest, after),
                "row {i}"
            );
        }
    }
}
