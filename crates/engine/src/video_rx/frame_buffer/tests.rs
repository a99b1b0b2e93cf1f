use super::*;
use crate::video_rx::nack::NackList;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const RTT: Duration = Duration::from_millis(100);

fn part(seq: u64, ts: u32, start: bool, marker: bool, keyframe: bool) -> Vp8Part {
    Vp8Part {
        seq,
        timestamp: ts,
        marker,
        start,
        keyframe: keyframe && start,
        picture_id: None,
        header: None,
        payload: Bytes::from(vec![seq as u8]),
    }
}

/// The packets of one frame: `n` packets from `first`.
fn frame(first: u64, n: u64, ts: u32, key: bool) -> Vec<Vp8Part> {
    (0..n)
        .map(|i| part(first + i, ts, i == 0, i == n - 1, key))
        .collect()
}

fn ms(t0: Instant, n: u64) -> Instant {
    t0 + Duration::from_millis(n)
}

fn timestamps(frames: &[Frame]) -> Vec<u32> {
    frames.iter().map(|f| f.timestamp).collect()
}

#[test]
fn nothing_comes_out_before_a_keyframe_then_frames_flow_in_order() {
    let t0 = Instant::now();
    let mut fb = FrameBuffer::new(FrameBufferConfig::default());
    // A delta frame first (its keyframe was lost upstream): held, not decoded.
    for p in frame(1, 2, 100, false) {
        assert!(fb.push(p, t0, RTT).frames.is_empty());
    }
    let mut out = Vec::new();
    for p in frame(3, 3, 200, true)
        .into_iter()
        .chain(frame(6, 2, 300, false))
    {
        out.extend(fb.push(p, t0, RTT).frames);
    }
    assert_eq!(timestamps(&out), vec![200, 300]);
    assert!(out[0].keyframe && !out[1].keyframe);
    assert_eq!(out[0].data, Bytes::from(vec![3u8, 4, 5]));
    assert!(!fb.needs_keyframe());
}

#[test]
fn a_hole_holds_newer_frames_until_the_repair_arrives() {
    let t0 = Instant::now();
    let mut fb = FrameBuffer::new(FrameBufferConfig::default());
    let mut out = Vec::new();
    for p in frame(1, 2, 100, true) {
        out.extend(fb.push(p, t0, RTT).frames);
    }
    let lost = frame(3, 2, 200, false);
    out.extend(fb.push(lost[0].clone(), t0, RTT).frames);
    // Packet 4 is lost; two newer frames complete meanwhile.
    for p in frame(5, 2, 300, false)
        .into_iter()
        .chain(frame(7, 1, 400, false))
    {
        out.extend(fb.push(p, ms(t0, 40), RTT).frames);
    }
    assert_eq!(
        timestamps(&out),
        vec![100],
        "newer frames wait behind the hole"
    );
    assert_eq!(fb.tick(ms(t0, 150), RTT), Tick::default(), "still waiting");
    let repaired = fb.push(lost[1].clone(), ms(t0, 150), RTT);
    assert_eq!(timestamps(&repaired.frames), vec![200, 300, 400]);
    assert!(!fb.needs_keyframe());
}

#[test]
fn reordering_is_not_loss() {
    let t0 = Instant::now();
    let mut fb = FrameBuffer::new(FrameBufferConfig::default());
    let mut packets = frame(1, 3, 100, true);
    packets.extend(frame(4, 3, 200, false));
    packets.extend(frame(7, 3, 300, false));
    packets.swap(1, 4);
    packets.swap(6, 8);
    let mut out = Vec::new();
    for p in packets {
        out.extend(fb.push(p, t0, RTT).frames);
    }
    assert_eq!(timestamps(&out), vec![100, 200, 300]);
}

#[test]
fn a_hole_past_the_wait_is_given_up_and_a_keyframe_requested_then_repeated() {
    let t0 = Instant::now();
    let cfg = FrameBufferConfig::default();
    let mut fb = FrameBuffer::new(cfg);
    for p in frame(1, 1, 100, true) {
        fb.push(p, t0, RTT);
    }
    fb.push(part(3, 300, true, true, false), t0, RTT); // 2 is lost for good
    let wait = cfg.wait(RTT);
    assert_eq!(wait, Duration::from_millis(360));
    assert_eq!(
        fb.tick(t0 + wait - Duration::from_millis(1), RTT),
        Tick::default()
    );
    let t = fb.tick(t0 + wait, RTT);
    assert_eq!(
        t,
        Tick {
            gave_up: true,
            request_keyframe: true
        }
    );
    assert!(fb.needs_keyframe());
    // Delta frames are not decodable now.
    assert!(fb
        .push(part(4, 400, true, true, false), t0 + wait, RTT)
        .frames
        .is_empty());
    assert_eq!(
        fb.tick(t0 + wait + Duration::from_millis(100), RTT),
        Tick::default()
    );
    assert!(
        fb.tick(t0 + wait + Duration::from_millis(300), RTT)
            .request_keyframe
    );
    let got = fb.push(part(5, 500, true, true, true), t0 + wait, RTT);
    assert_eq!(timestamps(&got.frames), vec![500]);
    assert_eq!(got.skipped_packets, 2);
    assert!(!fb.needs_keyframe());
    assert!(
        !fb.tick(t0 + wait + Duration::from_secs(5), RTT)
            .request_keyframe
    );
}

#[test]
fn a_complete_keyframe_ends_a_wait_at_once() {
    let t0 = Instant::now();
    let mut fb = FrameBuffer::new(FrameBufferConfig::default());
    fb.push(part(1, 100, true, true, true), t0, RTT);
    fb.push(part(3, 300, true, true, false), t0, RTT);
    let got = fb.push(part(4, 400, true, true, true), t0, RTT);
    assert_eq!(timestamps(&got.frames), vec![400]);
    assert_eq!(fb.tick(ms(t0, 10_000), RTT), Tick::default());
}

#[test]
fn a_frame_still_arriving_is_not_a_hole() {
    let t0 = Instant::now();
    let mut fb = FrameBuffer::new(FrameBufferConfig::default());
    fb.push(part(1, 100, true, true, true), t0, RTT);
    // A big keyframe trickling in for 2 s on a thin link: no give-up.
    let big = frame(2, 50, 200, true);
    for (i, p) in big.into_iter().enumerate() {
        let now = ms(t0, 40 * i as u64);
        let got = fb.push(p, now, RTT);
        assert_eq!(fb.tick(now, RTT), Tick::default());
        if i == 49 {
            assert_eq!(timestamps(&got.frames), vec![200]);
        }
    }
}

#[test]
fn late_packets_and_duplicates_are_ignored() {
    let t0 = Instant::now();
    let mut fb = FrameBuffer::new(FrameBufferConfig::default());
    fb.push(part(1, 100, true, true, true), t0, RTT);
    let again = fb.push(part(1, 100, true, true, true), t0, RTT);
    assert!(again.late && again.frames.is_empty());
}

#[test]
fn the_first_keyframe_gets_a_wait_before_it_is_requested() {
    let t0 = Instant::now();
    let cfg = FrameBufferConfig::default();
    let mut fb = FrameBuffer::new(cfg);
    fb.push(part(2, 100, true, false, true), t0, RTT); // its last packet is missing
    assert!(!fb.tick(ms(t0, 100), RTT).request_keyframe);
    assert!(fb.tick(t0 + cfg.wait(RTT), RTT).request_keyframe);
}

#[test]
fn a_stream_that_starts_without_a_keyframe_start_asks_for_one_after_the_senders_own_repeat() {
    let t0 = Instant::now();
    let cfg = FrameBufferConfig::default();
    let mut fb = FrameBuffer::new(cfg);
    fb.push(part(2, 100, false, true, false), t0, RTT); // the keyframe's head is lost
    assert!(
        !fb.tick(t0 + RTT, RTT).request_keyframe,
        "the sender's own fresh keyframe (sent when it hears us) gets its round trip"
    );
    assert!(fb.tick(t0 + RTT + cfg.start_wait, RTT).request_keyframe);
}

#[test]
fn overflow_empties_the_buffer_and_asks_for_a_keyframe() {
    let t0 = Instant::now();
    let mut fb = FrameBuffer::new(FrameBufferConfig {
        max_packets: 4,
        ..FrameBufferConfig::default()
    });
    fb.push(part(1, 100, true, true, true), t0, RTT);
    let mut overflow = false;
    for seq in 3..10 {
        overflow |= fb
            .push(part(seq, 300, seq == 3, false, false), t0, RTT)
            .overflow;
    }
    assert!(overflow && fb.needs_keyframe());
    assert!(fb.tick(t0, RTT).request_keyframe);
}

#[test]
fn the_wait_follows_the_round_trip_within_bounds() {
    let c = FrameBufferConfig::default();
    assert_eq!(c.wait(Duration::ZERO), Duration::from_millis(200));
    assert_eq!(
        c.wait(Duration::from_millis(100)),
        Duration::from_millis(360)
    );
    assert_eq!(c.wait(Duration::from_secs(2)), Duration::from_millis(2_000));
}

/// A seeded simulation of the whole receive loop — frame buffer, NACK list, the
/// sender's retransmissions and keyframes — over a link with loss and reordering in both
/// directions (RTCP is lost too). Deterministic: the seed fixes every draw.
struct Link {
    rng: StdRng,
    loss: f64,
    delay_ms: u64,
    jitter_ms: u64,
}

impl Link {
    /// When a packet sent at `t` arrives, or `None` if lost.
    fn carry(&mut self, t: u64) -> Option<u64> {
        if self.rng.random_bool(self.loss) {
            return None;
        }
        Some(t + self.delay_ms + self.rng.random_range(0..=self.jitter_ms))
    }
}

#[derive(Default)]
struct SimResult {
    frames_sent: u32,
    decoded: Vec<u32>,
    keyframe_requests: u32,
    gave_up: u32,
}

fn simulate(seed: u64, loss: f64, jitter_ms: u64, seconds: u64) -> SimResult {
    let t0 = Instant::now();
    let mut link = Link {
        rng: StdRng::seed_from_u64(seed),
        loss,
        delay_ms: 50,
        jitter_ms,
    };
    let mut fb = FrameBuffer::new(FrameBufferConfig::default());
    let mut nacks = NackList::default();
    let mut sent: BTreeMap<u64, Vp8Part> = BTreeMap::new();
    // (arrival ms, packet) to the receiver; (arrival ms, request) to the sender.
    let mut to_rx: Vec<(u64, Vp8Part)> = Vec::new();
    let mut to_tx: Vec<(u64, Result<Vec<u64>, ()>)> = Vec::new();
    let (mut seq, mut key_wanted, mut last_key) = (1u64, true, 0u64);
    let mut res = SimResult::default();
    for now in 0..seconds * 1000 {
        let at = ms(t0, now);
        if now % 33 == 0 {
            let honour = key_wanted && (now == 0 || now - last_key >= 300);
            let n = if honour { 20 } else { 4 };
            if honour {
                key_wanted = false;
                last_key = now;
            }
            for p in frame(seq, n, res.frames_sent, honour) {
                sent.insert(p.seq, p.clone());
                if let Some(t) = link.carry(now) {
                    to_rx.push((t, p));
                }
            }
            seq += n;
            res.frames_sent += 1;
        }
        // The sender answers what reached it.
        let (due, rest): (Vec<_>, Vec<_>) = to_tx.drain(..).partition(|(t, _)| *t <= now);
        to_tx = rest;
        for (_, req) in due {
            match req {
                Ok(seqs) => {
                    for s in seqs {
                        if let (Some(p), Some(t)) = (sent.get(&s).cloned(), link.carry(now)) {
                            to_rx.push((t, p));
                        }
                    }
                }
                Err(()) => key_wanted = true,
            }
        }
        // The receiver takes what arrived.
        to_rx.sort_by_key(|(t, _)| *t);
        let split = to_rx.partition_point(|(t, _)| *t <= now);
        for (_, p) in to_rx.drain(..split).collect::<Vec<_>>() {
            nacks.on_packet(p.seq, at);
            res.decoded
                .extend(fb.push(p, at, RTT).frames.iter().map(|f| f.timestamp));
        }
        if now % 20 == 0 {
            let seqs = nacks.due(at, RTT);
            if !seqs.is_empty() {
                if let Some(t) = link.carry(now) {
                    to_tx.push((t, Ok(seqs)));
                }
            }
            let tick = fb.tick(at, RTT);
            if tick.gave_up {
                res.gave_up += 1;
                if let Some(next) = fb.next_seq() {
                    nacks.forget_through(next.max(seq.saturating_sub(1)));
                }
            }
            if tick.request_keyframe {
                res.keyframe_requests += 1;
                if let Some(t) = link.carry(now) {
                    to_tx.push((t, Err(())));
                }
            }
        }
    }
    res
}

fn assert_in_order(decoded: &[u32]) {
    assert!(
        decoded.windows(2).all(|w| w[0] < w[1]),
        "frames decoded out of order"
    );
}

#[test]
fn five_percent_loss_with_reordering_renders_nearly_every_frame() {
    for seed in [1, 2, 3] {
        let r = simulate(seed, 0.05, 15, 10);
        assert_in_order(&r.decoded);
        let share = r.decoded.len() as f64 / f64::from(r.frames_sent);
        assert!(share >= 0.95, "seed {seed}: {share:.3} of frames decoded");
        assert!(
            r.keyframe_requests < 5,
            "seed {seed}: {} keyframe requests",
            r.keyframe_requests
        );
    }
}

#[test]
fn twenty_percent_loss_still_recovers_and_keeps_order() {
    let r = simulate(7, 0.20, 5, 10);
    assert_in_order(&r.decoded);
    let share = r.decoded.len() as f64 / f64::from(r.frames_sent);
    assert!(share >= 0.5, "{share:.3} of frames decoded");
}

#[test]
fn a_clean_link_needs_no_repair_and_no_keyframe() {
    let r = simulate(1, 0.0, 0, 5);
    assert!(
        r.decoded.len() as u32 >= r.frames_sent - 2,
        "all but those in flight"
    );
    assert_eq!((r.keyframe_requests, r.gave_up), (0, 0));
}
