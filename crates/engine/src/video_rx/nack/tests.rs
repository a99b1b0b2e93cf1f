use super::*;

const RTT: Duration = Duration::from_millis(100);

fn ms(t0: Instant, n: u64) -> Instant {
    t0 + Duration::from_millis(n)
}

#[test]
fn a_gap_is_requested_at_once_then_once_per_round_trip() {
    let t0 = Instant::now();
    let mut l = NackList::new(NackConfig {
        min_copies: 1,
        ..NackConfig::default()
    });
    l.on_packet(10, t0);
    l.on_packet(11, t0);
    assert!(l.due(t0, RTT).is_empty());
    l.on_packet(14, t0);
    assert_eq!(l.due(t0, RTT), vec![12, 13]);
    assert!(l.due(ms(t0, 50), RTT).is_empty(), "not before a round trip");
    assert_eq!(l.due(ms(t0, 100), RTT), vec![12, 13]);
}

#[test]
fn a_repair_or_reordered_packet_takes_its_hole_off_the_list() {
    let t0 = Instant::now();
    let mut l = NackList::default();
    l.on_packet(1, t0);
    assert!(l.on_packet(4, t0).new_holes);
    assert_eq!(
        l.on_packet(3, t0),
        PacketOutcome {
            filled: true,
            hole: Some((Duration::ZERO, 0)),
            ..PacketOutcome::default()
        }
    );
    assert_eq!(l.on_packet(3, t0), PacketOutcome::default(), "a duplicate");
    assert_eq!(l.due(t0, RTT), vec![2]);
    l.on_packet(2, t0);
    assert!(l.is_empty());
}

#[test]
fn retries_stop_at_the_limit() {
    let t0 = Instant::now();
    let mut l = NackList::new(NackConfig {
        max_retries: 3,
        ..NackConfig::default()
    });
    l.on_packet(1, t0);
    l.on_packet(3, t0);
    let sent: usize = (0..10).map(|i| l.due(ms(t0, i * 100), RTT).len()).sum();
    assert_eq!(sent, 3);
    assert!(l.is_empty());
}

#[test]
fn a_tiny_rtt_still_waits_the_minimum_interval() {
    let t0 = Instant::now();
    let mut l = NackList::default();
    l.on_packet(1, t0);
    l.on_packet(3, t0);
    assert_eq!(l.due(t0, Duration::ZERO), vec![2]);
    assert!(l.due(ms(t0, 5), Duration::ZERO).is_empty());
    assert_eq!(l.due(ms(t0, 20), Duration::ZERO), vec![2]);
}

#[test]
fn overflow_clears_the_list_and_asks_for_a_keyframe() {
    let t0 = Instant::now();
    let mut l = NackList::new(NackConfig {
        max_entries: 5,
        ..NackConfig::default()
    });
    l.on_packet(1, t0);
    assert!(!l.on_packet(5, t0).overflow);
    assert!(l.on_packet(20, t0).overflow);
    assert!(l.is_empty());
}

#[test]
fn a_huge_jump_is_a_restart_not_a_thousand_holes() {
    let t0 = Instant::now();
    let mut l = NackList::default();
    l.on_packet(1, t0);
    let out = l.on_packet(1_000_000, t0);
    assert!(!out.overflow);
    assert!(l.is_empty());
}

#[test]
fn a_stream_starting_mid_frame_asks_for_the_packets_before_it() {
    let t0 = Instant::now();
    let mut l = NackList::default();
    l.on_packet(100, t0);
    l.expect_before(100, 3, t0);
    assert_eq!(l.due(t0, RTT), vec![97, 98, 99]);
    assert!(l.on_packet(99, t0).filled);
    l.expect_before(101, 3, t0); // only right after the first packet
    assert_eq!(l.due(t0 + RTT, RTT), vec![97, 98]);
}

#[test]
fn forgetting_drops_holes_the_frame_buffer_gave_up() {
    let t0 = Instant::now();
    let mut l = NackList::default();
    l.on_packet(1, t0);
    l.on_packet(10, t0);
    l.forget_through(5);
    assert_eq!(l.due(t0, RTT), vec![6, 7, 8, 9]);
}

#[test]
fn on_a_reordering_path_a_hole_is_held_for_the_usual_lateness_first() {
    let t0 = Instant::now();
    let mut l = NackList::default();
    l.on_packet(0, t0);
    let mut seq = 0;
    // Ten holes, each filled 30 ms later by the reordered packet, before any request.
    for i in 0..10 {
        let at = ms(t0, i * 100);
        seq += 2;
        l.on_packet(seq, at);
        let requested = l.due(at, RTT);
        assert_eq!(
            requested.is_empty(),
            i >= 4,
            "held once reordering is a pattern"
        );
        assert!(l.on_packet(seq - 1, ms(at, 30)).filled);
    }
    // Now a new hole waits about 30 ms (the 90th percentile) before its first request.
    let at = ms(t0, 2000);
    l.on_packet(seq + 2, at);
    assert!(l.due(at, RTT).is_empty(), "held for reordering");
    assert!(l.due(ms(at, 20), RTT).is_empty());
    assert_eq!(l.due(ms(at, 30), RTT), vec![seq + 1]);
}

#[test]
fn a_hole_filled_a_round_trip_after_its_request_is_a_repair_not_reordering() {
    let t0 = Instant::now();
    let mut l = NackList::default();
    l.on_packet(0, t0);
    for i in 0..10 {
        let at = ms(t0, i * 200);
        l.on_packet(2 * i + 2, at);
        assert_eq!(l.due(at, RTT), vec![2 * i + 1]);
        assert!(l.on_packet(2 * i + 1, ms(at, 110)).filled);
    }
    let at = ms(t0, 3000);
    l.on_packet(30, at);
    assert_eq!(l.due(at, RTT).len(), 9, "requested at once: 21..=29");
}

#[test]
fn at_measured_loss_the_first_request_is_repeated() {
    let t0 = Instant::now();
    let mut l = NackList::default();
    l.on_packet(0, t0);
    // 5 % loss over 200 packets: every 20th is missing.
    let mut seq = 0;
    while seq < 200 {
        seq += if seq % 20 == 0 { 2 } else { 1 };
        l.on_packet(seq, t0);
        l.due(t0, RTT);
    }
    let loss = l.loss();
    assert!((loss - 0.05).abs() < 0.011, "loss {loss}");
    let copies = NackConfig::default().first_copies(loss);
    assert!(copies >= 2, "{copies} copies at {loss}");
    let at = ms(t0, 1000);
    l.forget_through(seq);
    l.on_packet(seq + 2, at);
    assert_eq!(l.due(at, RTT), vec![seq + 1]);
    assert!(l.due(ms(at, 10), RTT).is_empty());
    let mut last = at;
    for n in 1..u64::from(copies) {
        last = ms(at, 20 * n);
        assert_eq!(l.due(last, RTT), vec![seq + 1], "repeat {n}");
    }
    assert!(l.due(last + RTT / 2, RTT).is_empty(), "then per round trip");
    assert_eq!(l.due(last + RTT, RTT), vec![seq + 1]);
}

#[test]
fn before_any_loss_is_measured_the_first_request_still_goes_twice() {
    // The call's first hole, and one after 300 clean packets: the meter reads 0, yet
    // a single request lost (or its repair) would cost a round trip, a freeze.
    let t0 = Instant::now();
    for clean in [0, 300] {
        let mut l = NackList::default();
        for seq in 0..=clean {
            l.on_packet(seq, t0);
        }
        l.on_packet(clean + 2, t0);
        assert_eq!(l.due(t0, RTT), vec![clean + 1]);
        assert!(l.due(ms(t0, 10), RTT).is_empty());
        assert_eq!(l.due(ms(t0, 20), RTT), vec![clean + 1], "the second copy");
        assert!(
            l.due(ms(t0, 40), RTT).is_empty(),
            "then once per round trip"
        );
        assert!(l.due(ms(t0, 119), RTT).is_empty());
        assert_eq!(l.due(ms(t0, 120), RTT), vec![clean + 1]);
    }
}

#[test]
fn packets_guessed_before_the_start_are_asked_for_twice_and_are_not_loss() {
    let t0 = Instant::now();
    let mut l = NackList::default();
    l.on_packet(100, t0);
    l.expect_before(100, 30, t0);
    let asked: usize = (0..10).map(|i| l.due(ms(t0, i * 100), RTT).len()).sum();
    assert_eq!(asked, 60);
    assert!(l.is_empty());
    for seq in 101..400 {
        l.on_packet(seq, t0);
    }
    assert!(l.loss() < f64::EPSILON, "loss {}", l.loss());
}

#[test]
fn more_copies_of_the_first_request_as_loss_grows() {
    let c = NackConfig::default();
    let copies: Vec<u32> = [
        0.0, 0.005, 0.0095, 0.012, 0.02, 0.035, 0.04, 0.10, 0.20, 0.5,
    ]
    .iter()
    .map(|&p| c.first_copies(p))
    .collect();
    assert_eq!(copies, [2, 2, 2, 3, 3, 3, 4, 4, 4, 4]);
}

#[test]
fn a_repair_after_repeated_requests_is_not_taken_for_reordering() {
    let t0 = Instant::now();
    let mut l = NackList::default();
    l.on_packet(0, t0);
    // 10 % loss: four requests per hole, 20 ms apart; each repair comes a round trip after
    // the first, 40 ms after the last.
    let mut seq = 0;
    for i in 0..30 {
        let at = ms(t0, i * 300);
        for _ in 0..9 {
            seq += 1;
            l.on_packet(seq, at);
        }
        seq += 2;
        l.on_packet(seq, at);
        for n in 0..4 {
            l.due(ms(at, 20 * n), RTT);
        }
        assert!(l.on_packet(seq - 1, ms(at, 100)).filled);
    }
    let at = ms(t0, 30 * 300);
    l.on_packet(seq + 2, at);
    assert_eq!(
        l.due(at, RTT),
        vec![seq + 1],
        "no reordering hold learnt from repairs"
    );
}
