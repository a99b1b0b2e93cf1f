//! Packet groups and the delay gradient between them, as libwebrtc's `InterArrivalDelta`
//! (`modules/congestion_controller/goog_cc/inter_arrival_delta.cc`).
//!
//! Packets must be fed **in arrival order**. A group is the packets sent within
//! [`GROUP_LENGTH_MS`] of the group's first one; a packet that arrives within
//! [`BURST_DELTA_MS`] of the previous one while its one-way delay went down (it was
//! queued behind its predecessor) joins the group too. A packet sent before the current
//! group began was overtaken in the network: it is left out, so reordering adds nothing to
//! the delay signal. Each closed group yields the change in send spread and arrival spread
//! against the group before it.

/// Packets sent within this of a group's first packet belong to it.
pub const GROUP_LENGTH_MS: f64 = 5.0;
/// A packet arriving this close after the previous one, with less one-way delay, is part
/// of the same burst whatever its send time.
pub const BURST_DELTA_MS: f64 = 5.0;
/// A burst never spans more than this on arrival.
pub const MAX_BURST_DURATION_MS: f64 = 100.0;
/// So many groups in a row whose arrival went backwards reset the state.
pub const REORDERED_RESET_THRESHOLD: u32 = 3;
/// A jump in the arrival clock larger than this (against the send clock) resets the state.
pub const ARRIVAL_OFFSET_THRESHOLD_MS: f64 = 3_000.0;

#[derive(Debug, Clone, Copy)]
struct Group {
    first_send_ms: f64,
    send_ms: f64,
    first_arrival_ms: f64,
    complete_ms: f64,
    size: usize,
}

impl Group {
    fn new(send_ms: f64, arrival_ms: f64) -> Self {
        Self {
            first_send_ms: send_ms,
            send_ms,
            first_arrival_ms: arrival_ms,
            complete_ms: arrival_ms,
            size: 0,
        }
    }
}

/// The gradient between two consecutive groups.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Deltas {
    /// Send-time spread between the groups' last packets, in ms.
    pub send_delta_ms: f64,
    /// Arrival-time spread between the groups' last packets, in ms.
    pub arrival_delta_ms: f64,
    /// When the newer closed group completed, on the receiver's clock (ms).
    pub arrival_ms: f64,
    /// Size difference of the two groups, in bytes.
    pub size_delta: i64,
}

/// Groups packets and measures the inter-group delay variation.
#[derive(Debug, Clone, Default)]
pub struct InterArrival {
    current: Option<Group>,
    previous: Option<Group>,
    consecutive_reordered: u32,
}

impl InterArrival {
    /// Feeds one arrived packet (send and arrival time in ms); returns the deltas when this
    /// packet closed a group that has a predecessor.
    pub fn on_packet(&mut self, send_ms: f64, arrival_ms: f64, size: usize) -> Option<Deltas> {
        let Some(current) = self.current else {
            let mut group = Group::new(send_ms, arrival_ms);
            group.size = size;
            self.current = Some(group);
            return None;
        };
        if send_ms < current.first_send_ms {
            // Overtaken in the network: sent before the group we are in.
            return None;
        }
        let mut deltas = None;
        if self.new_group(&current, send_ms, arrival_ms) {
            if let Some(previous) = self.previous {
                let send_delta_ms = current.send_ms - previous.send_ms;
                let arrival_delta_ms = current.complete_ms - previous.complete_ms;
                if arrival_delta_ms - send_delta_ms >= ARRIVAL_OFFSET_THRESHOLD_MS {
                    // The receiver's clock jumped.
                    self.reset();
                    return self.on_packet(send_ms, arrival_ms, size);
                }
                if arrival_delta_ms < 0.0 {
                    self.consecutive_reordered += 1;
                    if self.consecutive_reordered >= REORDERED_RESET_THRESHOLD {
                        self.reset();
                        return self.on_packet(send_ms, arrival_ms, size);
                    }
                } else {
                    self.consecutive_reordered = 0;
                    deltas = Some(Deltas {
                        send_delta_ms,
                        arrival_delta_ms,
                        arrival_ms: current.complete_ms,
                        size_delta: current.size as i64 - previous.size as i64,
                    });
                }
            }
            self.previous = Some(current);
            let mut group = Group::new(send_ms, arrival_ms);
            group.size = size;
            self.current = Some(group);
            return deltas;
        }
        let group = self.current.as_mut()?;
        group.send_ms = group.send_ms.max(send_ms);
        group.size += size;
        group.complete_ms = arrival_ms;
        None
    }

    fn new_group(&self, current: &Group, send_ms: f64, arrival_ms: f64) -> bool {
        if self.belongs_to_burst(current, send_ms, arrival_ms) {
            return false;
        }
        send_ms - current.first_send_ms > GROUP_LENGTH_MS
    }

    fn belongs_to_burst(&self, current: &Group, send_ms: f64, arrival_ms: f64) -> bool {
        let arrival_delta = arrival_ms - current.complete_ms;
        let send_delta = send_ms - current.send_ms;
        if send_delta == 0.0 {
            return true;
        }
        let propagation_delta = arrival_delta - send_delta;
        propagation_delta < 0.0
            && arrival_delta <= BURST_DELTA_MS
            && arrival_ms - current.first_arrival_ms < MAX_BURST_DURATION_MS
    }

    fn reset(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds (send, arrival) pairs of 1200-byte packets; returns every delta produced.
    fn feed(packets: &[(f64, f64)]) -> Vec<Deltas> {
        let mut inter = InterArrival::default();
        packets
            .iter()
            .filter_map(|&(send, arrival)| inter.on_packet(send, arrival, 1200))
            .collect()
    }

    #[test]
    fn packets_sent_within_5_ms_are_one_group() {
        // Three groups of three; deltas come out when the third group opens.
        let deltas = feed(&[
            (0.0, 50.0),
            (1.0, 51.0),
            (2.0, 52.0),
            (20.0, 70.0),
            (21.0, 71.0),
            (22.0, 72.0),
            (40.0, 90.0),
        ]);
        assert_eq!(1, deltas.len());
        assert_eq!(20.0, deltas[0].send_delta_ms);
        assert_eq!(20.0, deltas[0].arrival_delta_ms);
    }

    #[test]
    fn a_growing_queue_spreads_arrivals() {
        let packets: Vec<(f64, f64)> = (0..6)
            .map(|i| (f64::from(i) * 20.0, 50.0 + f64::from(i) * 25.0))
            .collect();
        for d in feed(&packets) {
            assert_eq!(5.0, d.arrival_delta_ms - d.send_delta_ms);
        }
    }

    #[test]
    fn an_overtaken_packet_is_left_out() {
        // The packet sent at 10 arrives after the one sent at 20: it must not count.
        let with = feed(&[
            (0.0, 50.0),
            (20.0, 70.0),
            (10.0, 75.0),
            (40.0, 90.0),
            (60.0, 110.0),
        ]);
        let without = feed(&[(0.0, 50.0), (20.0, 70.0), (40.0, 90.0), (60.0, 110.0)]);
        assert_eq!(without, with);
    }

    #[test]
    fn a_burst_released_from_a_queue_is_one_group() {
        // Sent 10 ms apart but held and released together (less delay each): one burst.
        let deltas = feed(&[
            (0.0, 50.0),
            (10.0, 80.0),
            (20.0, 81.0),
            (30.0, 82.0),
            (60.0, 110.0),
            (80.0, 130.0),
        ]);
        assert_eq!(2, deltas.len());
        assert_eq!(30.0, deltas[0].send_delta_ms, "{deltas:?}");
        assert_eq!(32.0, deltas[0].arrival_delta_ms, "{deltas:?}");
    }
}
