//! When the engine's speaker is open: from a call's first audio frame until its audio has
//! stopped for [`IDLE_CLOSE`]. Pure.
//!
//! The speaker used to open with the engine and stay open, playing silence, for the app's
//! whole life: a second PulseAudio stream beside the ringtone's while a call rang, a stream
//! that could underrun (and log errors) with no call at all, and wake-ups every period for
//! nothing. Now a call has one speaker stream, opened after the ringtone's has closed.

use std::time::{Duration, Instant};

/// How long the call's audio must have stopped before the speaker closes (the playout
/// thread sends a frame every 10 ms while a call lasts, concealment included).
pub(crate) const IDLE_CLOSE: Duration = Duration::from_secs(1);

/// What to do with the speaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Open,
    Close,
    Nothing,
}

/// See the module documentation.
#[derive(Debug, Default)]
pub(crate) struct SpeakerGate {
    last_frame: Option<Instant>,
    open: bool,
}

impl SpeakerGate {
    /// A frame of the call's audio arrived at `now`.
    pub(crate) fn on_frame(&mut self, now: Instant) -> Action {
        self.last_frame = Some(now);
        if self.open {
            Action::Nothing
        } else {
            self.open = true;
            Action::Open
        }
    }

    /// No frame came for a while; `now` is the time.
    pub(crate) fn on_idle(&mut self, now: Instant) -> Action {
        let stopped = self
            .last_frame
            .is_some_and(|t| now.saturating_duration_since(t) >= IDLE_CLOSE);
        if self.open && stopped {
            self.open = false;
            Action::Close
        } else {
            Action::Nothing
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy)]
    enum Event {
        Frame,
        Idle,
    }

    #[test]
    fn opens_at_the_first_frame_and_closes_a_second_after_the_last() {
        use Action::*;
        use Event::*;
        let t0 = Instant::now();
        let ms = |n: u64| t0 + Duration::from_millis(n);
        // (time in ms, event, action expected)
        let table = [
            (0, Idle, Nothing), // no call yet: nothing to close
            (100, Frame, Open), // the call's audio starts
            (110, Frame, Nothing),
            (120, Frame, Nothing),
            (400, Idle, Nothing), // a hiccup in the playout: stays open
            (410, Frame, Nothing),
            (1200, Idle, Nothing), // 790 ms after the last frame
            (1410, Idle, Close),   // a second after it: the call is over
            (1600, Idle, Nothing), // closed stays closed
            (5000, Frame, Open),   // the next call
            (6000, Idle, Close),
        ];
        let mut gate = SpeakerGate::default();
        for (at, event, want) in table {
            let got = match event {
                Frame => gate.on_frame(ms(at)),
                Idle => gate.on_idle(ms(at)),
            };
            assert_eq!(got, want, "at {at} ms");
        }
    }
}
