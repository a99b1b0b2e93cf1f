//! How many repair packets a block of media packets gets: the pure decision.
//!
//! **The model.** FlexFEC's masks here are interleaved (repair packet `j` of `k` covers
//! media packets `j, j + k, j + 2k, …`), so each repair packet and the `g` media packets it
//! covers form a group that survives one loss. A media packet is then lost for good when
//! it is lost *and* one of the `g` other packets of its group (the other media packets and
//! the repair packet) is lost too: with independent loss `p`, `p · (1 − (1 − p)^g)`. The
//! policy picks the fewest repair packets that bring that residual loss under
//! [`FecPolicy::target_residual`], within [`FecPolicy::max_ratio`] of the media packets.
//!
//! **Where it pays** (libwebrtc's hybrid NACK/FEC, `media_opt_util.cc`, does the same):
//! below [`FecPolicy::min_loss`] a lost packet is rare enough for NACK alone, and under
//! [`FecPolicy::min_rtt`] a retransmission arrives before the frame is due anyway — FEC
//! would cost bandwidth for nothing. Keyframes get a lower residual target: a keyframe
//! packet still missing costs a whole round trip of frozen picture.

use std::time::Duration;

/// When a call sends video FEC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FecMode {
    /// Not offered: NACK + RTX alone.
    Off,
    /// Offered; repair packets where the path loses *and* jitters
    /// ([`FecPolicy::min_jitter`]): there a retransmission lands after its frame's voice
    /// (lip sync) and a rebuilt packet does not. On a steady lossy path NACK repairs in a
    /// round trip, and FEC's unpaced repairs cost more than they gave
    /// (`docs/video-network.md`).
    #[default]
    Jitter,
    /// Offered; repair packets wherever the path loses.
    Loss,
}

/// The knobs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FecPolicy {
    /// Below this measured loss, no FEC.
    pub min_loss: f64,
    /// Below this round trip, no FEC (unknown counts as above).
    pub min_rtt: Duration,
    /// Media packets left unrecoverable by FEC, as a share of all (delta frames).
    pub target_residual: f64,
    /// The same for keyframes.
    pub keyframe_residual: f64,
    /// Most repair packets per media packet.
    pub max_ratio: f64,
    /// Below this jitter (σ of the one-way delays), no FEC; `None`: jitter is not asked.
    pub min_jitter: Option<Duration>,
}

impl Default for FecPolicy {
    fn default() -> Self {
        Self {
            min_loss: 0.01,
            min_rtt: Duration::from_millis(20),
            target_residual: 0.01,
            keyframe_residual: 0.0025,
            max_ratio: 0.4,
            min_jitter: Some(Duration::from_millis(5)),
        }
    }
}

impl FecPolicy {
    /// The policy for `mode` (`Off` sends none: it is not negotiated either).
    #[must_use]
    pub fn for_mode(mode: FecMode) -> Self {
        let d = Self::default();
        match mode {
            FecMode::Jitter => d,
            FecMode::Loss => Self {
                min_jitter: None,
                ..d
            },
            FecMode::Off => Self {
                min_loss: f64::INFINITY,
                ..d
            },
        }
    }

    /// Whether FEC pays at this loss (0..1) and round trip.
    #[must_use]
    pub fn active(&self, loss: f64, rtt: Option<Duration>) -> bool {
        loss >= self.min_loss && rtt.is_none_or(|rtt| rtt >= self.min_rtt)
    }

    /// Whether the path jitters enough for FEC, given the measured jitter and the last
    /// answer (`was`): on at [`Self::min_jitter`], off below two thirds of it (one
    /// call's readings move by a ms or two). Not measured yet: no.
    #[must_use]
    pub fn jittery(&self, jitter: Option<Duration>, was: bool) -> bool {
        let Some(min) = self.min_jitter else {
            return true;
        };
        jitter.is_some_and(|j| j >= min || (was && j >= min * 2 / 3))
    }

    /// The fewest repair packets for `media` packets at loss `p` that meet the residual
    /// target (0 if none are needed), not capped: the caller decides whether a block that
    /// needs more than [`Self::cap`] waits for more packets.
    #[must_use]
    pub fn wanted(&self, media: usize, p: f64, keyframe: bool) -> usize {
        let target = if keyframe {
            self.keyframe_residual
        } else {
            self.target_residual
        };
        (0..=media)
            .find(|&k| residual(media, k, p) <= target)
            .unwrap_or(media)
    }

    /// The most media packets one repair packet may cover at loss `p` and still meet the
    /// residual target (at least 1): a block pools frames until it has this many (or
    /// [`Self::min_block`]), so a 2 % path does not pay a repair packet per small frame.
    #[must_use]
    pub fn group(&self, p: f64, keyframe: bool) -> usize {
        let target = if keyframe {
            self.keyframe_residual
        } else {
            self.target_residual
        };
        (1..=super::block::MAX_BLOCK)
            .take_while(|&g| residual(g, 1, p) <= target)
            .last()
            .unwrap_or(1)
    }

    /// The fewest media packets that may carry one repair packet within the ratio.
    #[must_use]
    pub fn min_block(&self) -> usize {
        (1.0 / self.max_ratio).ceil() as usize
    }

    /// Most repair packets `media` packets may get.
    #[must_use]
    pub fn cap(&self, media: usize) -> usize {
        (media as f64 * self.max_ratio).floor() as usize
    }
}

/// Expected share of `media` packets that stay lost at independent loss `p` when `repairs`
/// interleaved repair packets protect them.
#[must_use]
pub fn residual(media: usize, repairs: usize, p: f64) -> f64 {
    if media == 0 {
        return 0.0;
    }
    if repairs == 0 {
        return p;
    }
    let repairs = repairs.min(media);
    // `media` split into `repairs` groups: `big` of them one packet larger.
    let small = media / repairs;
    let big = media % repairs;
    let lost_in = |g: usize| -> f64 {
        // g media packets, each lost for good if lost and any of the other g − 1 media
        // packets or the repair packet is lost.
        g as f64 * p * (1.0 - (1.0 - p).powi(g as i32))
    };
    let lost = big as f64 * lost_in(small + 1) + (repairs - big) as f64 * lost_in(small);
    lost / media as f64
}
