use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rtc::interceptor::{
    AttributedPacket, FlexFec03Decoder, Interceptor, Packet, StreamInfo, TaggedPacket,
};
use rtc::sansio::Protocol;
use rtc::shared::TransportContext;

use super::block::{Block, Seen, Verdict, MAX_BLOCK, MAX_FRAMES};
use super::policy::{residual, FecMode, FecPolicy};
use super::{FecLink, FecSender, FLEXFEC_PT};
use crate::stats::Counters;

const MEDIA: u32 = 0x1111;
const REPAIR: u32 = 0x2222;

#[test]
fn residual_loss_follows_the_group_model() {
    // (media, repairs, loss, expected residual)
    let cases = [
        (10, 0, 0.05, 0.05),
        (0, 3, 0.05, 0.0),
        // One repair per packet: lost only with its one partner (repair) lost too.
        (4, 4, 0.1, 0.1 * 0.1),
        // Groups of 2: p · (1 − (1 − p)²).
        (4, 2, 0.1, 0.1 * (1.0 - 0.81)),
        // 5 packets, 2 repairs: groups of 3 and 2.
        (
            5,
            2,
            0.05,
            (3.0 * 0.05 * (1.0 - 0.95f64.powi(3)) + 2.0 * 0.05 * (1.0 - 0.95f64.powi(2))) / 5.0,
        ),
    ];
    for (media, repairs, p, want) in cases {
        let got = residual(media, repairs, p);
        assert!(
            (got - want).abs() < 1e-12,
            "{media}/{repairs} at {p}: {got} vs {want}"
        );
    }
}

#[test]
fn the_policy_buys_what_the_loss_needs_and_nothing_where_nack_is_enough() {
    let policy = FecPolicy::default();
    let ms = Duration::from_millis;
    // (loss, rtt, active)
    let gates = [
        (0.0, Some(ms(100)), false),
        (0.005, Some(ms(100)), false),
        (0.02, Some(ms(100)), true),
        (0.05, Some(ms(5)), false),
        (0.05, None, true),
    ];
    for (loss, rtt, want) in gates {
        assert_eq!(policy.active(loss, rtt), want, "{loss} {rtt:?}");
    }
    // (media packets, loss, keyframe, wanted repairs)
    let amounts = [
        (20, 0.0, false, 0),
        (20, 0.005, false, 0),
        // 2 %: groups of up to ~34 already leave < 1 %.
        (20, 0.02, false, 1),
        // 5 %: groups of 4 (25 %).
        (20, 0.05, false, 5),
        // Keyframes aim 4× lower: groups of 1 at 5 %.
        (20, 0.05, true, 20),
        // 10 %: only a repair per packet gets under 1 %.
        (20, 0.10, false, 20),
    ];
    for (media, loss, key, want) in amounts {
        assert_eq!(
            policy.wanted(media, loss, key),
            want,
            "{media} at {loss} key {key}"
        );
    }
    assert_eq!(policy.cap(20), 8);
    assert_eq!(policy.cap(2), 0);
    assert_eq!(policy.min_block(), 3);
    // (loss, keyframe, packets one repair packet may cover)
    let groups = [
        (0.02, false, 34),
        (0.05, false, 4),
        (0.10, false, 1),
        (0.05, true, 1),
        (0.0, false, 46),
    ];
    for (loss, key, want) in groups {
        assert_eq!(policy.group(loss, key), want, "{loss} key {key}");
    }
}

fn seen(seq: u16, marker: bool) -> Seen {
    Seen {
        seq,
        marker,
        keyframe: false,
    }
}

#[test]
fn a_block_ends_with_its_frame_and_small_frames_pool() {
    let policy = FecPolicy::default();
    let mut block = Block::default();
    // A 10-packet frame at 5 %: protected at its marker with 10 / 4 → 3 repairs.
    for seq in 0..9 {
        assert_eq!(block.push(seen(seq, false), &policy, 0.05), Verdict::Wait);
    }
    assert_eq!(
        block.push(seen(9, true), &policy, 0.05),
        Verdict::Protect(3)
    );
    assert!(block.is_empty());
    // One-packet frames cannot carry a repair within 40 %: they pool until the third.
    assert_eq!(block.push(seen(10, true), &policy, 0.05), Verdict::Wait);
    assert_eq!(block.push(seen(11, true), &policy, 0.05), Verdict::Wait);
    assert_eq!(
        block.push(seen(12, true), &policy, 0.05),
        Verdict::Protect(1)
    );
    // At 10 % the cap (40 %) binds.
    for seq in 13..22 {
        block.push(seen(seq, false), &policy, 0.10);
    }
    assert_eq!(
        block.push(seen(22, true), &policy, 0.10),
        Verdict::Protect(4)
    );
    // No loss: the frame goes unprotected at once.
    assert_eq!(
        block.push(seen(23, true), &policy, 0.0),
        Verdict::Protect(0)
    );
    // A frame bigger than the masks describe is cut into blocks.
    let mut verdicts = Vec::new();
    for i in 0..(MAX_BLOCK as u16 + 4) {
        verdicts.push(block.push(seen(100 + i, false), &policy, 0.05));
    }
    assert_eq!(verdicts[MAX_BLOCK - 1], Verdict::Protect(11));
    assert!(verdicts[MAX_BLOCK..].iter().all(|v| *v == Verdict::Wait));
    assert!(block.continues(100 + MAX_BLOCK as u16 + 4));
    assert!(!block.continues(7));
    assert_eq!(MAX_FRAMES, 3);
}

fn vp8_packet(seq: u16, timestamp: u32, start: bool, marker: bool, len: usize) -> rtc::rtp::Packet {
    // VP8 payload descriptor: S bit on a frame's first packet; then a byte of "frame".
    // The frame's first byte is odd: a delta frame (RFC 6386 §9.1).
    let mut payload = vec![if start { 0x10 } else { 0x00 }, 0x01];
    payload.extend((0..len).map(|i| (i as u8) ^ (seq as u8)));
    rtc::rtp::Packet {
        header: rtc::rtp::header::Header {
            version: 2,
            payload_type: 96,
            sequence_number: seq,
            timestamp,
            ssrc: MEDIA,
            marker,
            ..Default::default()
        },
        payload: payload.into(),
    }
}

fn tagged(now: Instant, packet: rtc::rtp::Packet) -> TaggedPacket {
    TaggedPacket {
        now,
        transport: TransportContext::default(),
        message: AttributedPacket::new(Packet::Rtp(packet)),
    }
}

/// [`send_through`] with the default policy on a path that jitters (σ 20 ms).
fn send_through_loss(loss: f64, seed: u64) -> (usize, usize, usize, usize) {
    send_through(loss, seed, FecPolicy::default(), Some(20.0))
}

/// 300 frames of 1–12 packets through the sender at `loss` and `jitter_ms` (σ of the
/// one-way delays, as published); then seeded loss on the wire and `rtc`'s FlexFEC
/// decoder on what arrived. Returns (media sent, repair sent, media lost on the wire,
/// media rebuilt).
fn send_through(
    loss: f64,
    seed: u64,
    policy: FecPolicy,
    jitter_ms: Option<f64>,
) -> (usize, usize, usize, usize) {
    let link = Arc::new(FecLink::default());
    link.publish_path(Some(loss), Some(Duration::from_millis(100)));
    link.publish_jitter(jitter_ms);
    let counters = Arc::new(Counters::default());
    let mut sender = FecSender::new(policy, link.clone(), counters.clone());
    sender.bind_local_stream(&StreamInfo {
        ssrc: MEDIA,
        ssrc_fec: Some(REPAIR),
        payload_type: 96,
        payload_type_fec: Some(FLEXFEC_PT),
        ..Default::default()
    });
    let mut rng = StdRng::seed_from_u64(seed);
    let start = Instant::now();
    let mut seq = 0u16;
    let mut out = Vec::new();
    for frame in 0..300u32 {
        let now = start + Duration::from_millis(u64::from(frame) * 33);
        let packets = rng.random_range(1..=12);
        for i in 0..packets {
            let len = rng.random_range(200..1100);
            let p = vp8_packet(seq, frame * 3000, i == 0, i + 1 == packets, len);
            seq = seq.wrapping_add(1);
            sender.handle_write(tagged(now, p)).expect("write");
            while let Some(m) = sender.poll_write() {
                if let Packet::Rtp(p) = m.message.packet {
                    out.push(p);
                }
            }
        }
    }
    let media: Vec<_> = out.iter().filter(|p| p.header.ssrc == MEDIA).collect();
    let repair = out.len() - media.len();
    assert_eq!(
        counters
            .video_fec_packets_sent
            .load(std::sync::atomic::Ordering::Relaxed),
        repair as u64
    );
    let mut decoder = FlexFec03Decoder::new(REPAIR, MEDIA);
    let mut lost = std::collections::BTreeSet::new();
    let mut rebuilt = std::collections::BTreeSet::new();
    for p in &out {
        if rng.random_bool(loss) {
            if p.header.ssrc == MEDIA {
                lost.insert(p.header.sequence_number);
            }
            continue;
        }
        for r in decoder.decode(p.clone()) {
            let original = media
                .iter()
                .find(|m| m.header.sequence_number == r.header.sequence_number)
                .expect("a rebuilt packet was sent");
            assert_eq!(r.payload, original.payload, "rebuilt bytes");
            assert_eq!(r.header.marker, original.header.marker);
            assert_eq!(r.header.timestamp, original.header.timestamp);
            rebuilt.insert(r.header.sequence_number);
        }
    }
    assert!(rebuilt.is_subset(&lost), "only lost packets are rebuilt");
    eprintln!(
        "{:.0} % loss: {} media, {repair} repair ({:.1} %), {} lost, {} rebuilt",
        loss * 100.0,
        media.len(),
        100.0 * repair as f64 / media.len() as f64,
        lost.len(),
        rebuilt.len()
    );
    (media.len(), repair, lost.len(), rebuilt.len())
}

#[test]
fn repair_packets_rebuild_most_losses_at_a_cost_that_follows_the_loss() {
    let (media, repair, lost, rebuilt) = send_through_loss(0.05, 7);
    let overhead = repair as f64 / media as f64;
    assert!(
        (0.15..=0.40).contains(&overhead),
        "5 %: overhead {overhead}"
    );
    assert!(lost > 30, "the seeded loss hit {lost} packets");
    let residual = (lost - rebuilt) as f64 / media as f64;
    assert!(
        residual < 0.025,
        "5 %: {rebuilt} of {lost} rebuilt, residual {residual}"
    );

    let (media, repair, _, _) = send_through_loss(0.0, 7);
    assert_eq!(repair, 0, "no loss, no repair ({media} media)");

    let (media, repair, lost, rebuilt) = send_through_loss(0.02, 11);
    assert!(
        (repair as f64) < 0.15 * media as f64,
        "2 %: {repair} repairs for {media}"
    );
    assert!(rebuilt * 2 >= lost, "2 %: {rebuilt} of {lost}");
}

#[test]
fn by_default_repairs_go_only_where_the_path_jitters() {
    let jitter = FecPolicy::for_mode(FecMode::Jitter);
    // (jitter σ ms, repairs sent by default)
    let table = [
        (None, false),
        (Some(0.5), false),
        (Some(4.0), false),
        (Some(5.0), true),
        (Some(20.0), true),
    ];
    for (jitter_ms, sends) in table {
        let (media, repair, _, _) = send_through(0.05, 7, jitter, jitter_ms);
        assert_eq!(repair > 0, sends, "{jitter_ms:?}: {repair} for {media}");
    }
    // `Loss` does not ask; `Off` sends none even where it pays.
    let (_, repair, _, _) = send_through(0.05, 7, FecPolicy::for_mode(FecMode::Loss), None);
    assert!(repair > 0);
    let off = FecPolicy::for_mode(FecMode::Off);
    assert_eq!(send_through(0.05, 7, off, Some(20.0)).1, 0);
}

#[test]
fn the_jitter_reading_has_hysteresis() {
    let p = FecPolicy::default();
    let ms = |v: u64| Some(Duration::from_millis(v));
    // (jitter, was, is)
    let table = [
        (None, true, false),
        (ms(4), false, false),
        (ms(4), true, true),
        (ms(3), true, false),
        (ms(5), false, true),
    ];
    for (jitter, was, is) in table {
        assert_eq!(p.jittery(jitter, was), is, "{jitter:?} {was}");
    }
    assert!(FecPolicy::for_mode(FecMode::Loss).jittery(None, false));
}

#[test]
fn the_overhead_is_published_so_the_encoder_leaves_room() {
    let link = Arc::new(FecLink::default());
    assert_eq!(link.media_share(), 1.0);
    link.publish_overhead(0.25);
    assert!((link.media_share() - 0.8).abs() < 1e-6);
    link.publish_path(Some(0.05), None);
    assert!((link.loss() - 0.05).abs() < 1e-6);
    assert_eq!(link.rtt(), None);
    link.publish_path(None, Some(Duration::from_millis(80)));
    assert_eq!(link.rtt(), Some(Duration::from_millis(80)));
    assert_eq!(link.jitter(), None);
    link.publish_jitter(Some(0.0));
    assert_eq!(link.jitter(), Some(Duration::ZERO));
    link.publish_jitter(Some(7.5));
    assert_eq!(link.jitter(), Some(Duration::from_micros(7_500)));
}
