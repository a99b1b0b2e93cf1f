//! Extends 16-bit RTP sequence numbers to 64 bits, so order survives the wrap at 65535.

/// Unwraps one stream's sequence numbers. The first one lands at 2^20 so that packets
/// older than it still get a positive extended number.
#[derive(Debug, Default, Clone, Copy)]
pub struct SeqUnwrapper {
    newest: Option<u64>,
}

impl SeqUnwrapper {
    /// The extended form of `seq`: the candidate closest to the newest seen so far.
    pub fn unwrap(&mut self, seq: u16) -> u64 {
        let ext = match self.newest {
            None => u64::from(seq) + (1 << 20),
            Some(newest) => {
                let delta = seq.wrapping_sub(newest as u16) as i16;
                newest.saturating_add_signed(i64::from(delta))
            }
        };
        if self.newest.is_none_or(|n| ext > n) {
            self.newest = Some(ext);
        }
        ext
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_survives_the_wrap_and_reordering() {
        let mut u = SeqUnwrapper::default();
        let a = u.unwrap(65_534);
        let b = u.unwrap(0);
        let c = u.unwrap(65_535);
        let d = u.unwrap(1);
        assert_eq!((b - a, c - a, d - a), (2, 1, 3));
        let mut u = SeqUnwrapper::default();
        let x = u.unwrap(5);
        assert_eq!(u.unwrap(3), x - 2, "an older packet before the first");
    }
}
