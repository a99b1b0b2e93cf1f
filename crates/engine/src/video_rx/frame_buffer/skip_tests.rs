//! Skipping a late frame the next one does not need (`FrameBuffer::skippable` / `skip`).

use super::*;
use peercall_media::Segmentation;

const RTT: Duration = Duration::from_millis(100);

/// What the frames' headers say.
#[derive(Clone, Copy)]
enum Kind {
    Key,
    Reference,
    Discardable,
}

fn header(kind: Kind) -> Vp8Header {
    Vp8Header {
        keyframe: matches!(kind, Kind::Key),
        updates_references: !matches!(kind, Kind::Discardable),
        segmentation: Segmentation::Rewritten,
    }
}

/// The `n` packets of frame number `pic` (timestamp `pic * 3000`), from `first`.
fn frame(first: u64, n: u64, pic: u16, kind: Kind, ids: bool) -> Vec<Vp8Part> {
    (0..n)
        .map(|i| Vp8Part {
            seq: first + i,
            timestamp: u32::from(pic) * 3000,
            marker: i == n - 1,
            start: i == 0,
            keyframe: i == 0 && matches!(kind, Kind::Key),
            picture_id: ids.then_some(pic),
            header: (i == 0).then(|| header(kind)),
            payload: Bytes::from(vec![(first + i) as u8]),
        })
        .collect()
}

/// A keyframe (packets 1–2), then frame 1 of `kind` (3–5) missing packet 4, then frame 2
/// (6–7), pushed in order; returns the buffer and what came out.
fn waiting_on(kind: Kind, ids: bool, drop_marker: bool) -> (FrameBuffer, Vec<Frame>, Vec<Vp8Part>) {
    let t0 = Instant::now();
    let mut fb = FrameBuffer::new(FrameBufferConfig::default());
    let mut out = Vec::new();
    let waiting = frame(3, 3, 1, kind, ids);
    let missing = if drop_marker { 5 } else { 4 };
    let packets = frame(1, 2, 0, Kind::Key, ids)
        .into_iter()
        .chain(waiting.iter().filter(|p| p.seq != missing).cloned())
        .chain(frame(6, 2, 2, Kind::Reference, ids));
    for p in packets {
        out.extend(fb.push(p, t0, RTT).frames);
    }
    let lost = waiting.into_iter().filter(|p| p.seq == missing).collect();
    (fb, out, lost)
}

fn timestamps(frames: &[Frame]) -> Vec<u32> {
    frames.iter().map(|f| f.timestamp).collect()
}

#[test]
fn a_discardable_frame_with_a_hole_may_be_skipped_for_the_whole_frame_after_it() {
    let (mut fb, out, lost) = waiting_on(Kind::Discardable, true, false);
    assert_eq!(timestamps(&out), vec![0], "frame 2 waits behind the hole");
    assert_eq!(fb.skippable(), Some(3000));
    let skipped = fb.skip(Instant::now());
    assert_eq!(timestamps(&skipped.frames), vec![6000]);
    assert!(skipped.frames[0].waited);
    assert_eq!(skipped.skipped_packets, 2);
    assert_eq!(fb.next_seq(), Some(8));
    // The repair that comes after all is late, and nothing more comes out.
    let late = fb.push(lost[0].clone(), Instant::now(), RTT);
    assert!(late.late && late.frames.is_empty());
    assert_eq!(fb.skippable(), None);
}

#[test]
fn without_picture_ids_the_waiting_frame_must_end_right_before_the_next() {
    let (fb, ..) = waiting_on(Kind::Discardable, false, false);
    assert_eq!(fb.skippable(), Some(3000), "its marker packet is here");
    // Its last packet lost too: a whole frame could be missing in between.
    let (mut fb, ..) = waiting_on(Kind::Discardable, false, true);
    assert_eq!(fb.skippable(), None);
    assert!(fb.skip(Instant::now()).frames.is_empty());
    // With picture IDs that is known.
    let (fb, ..) = waiting_on(Kind::Discardable, true, true);
    assert_eq!(fb.skippable(), Some(3000));
}

#[test]
fn a_reference_frame_is_waited_for() {
    let (mut fb, _, lost) = waiting_on(Kind::Reference, true, false);
    assert_eq!(fb.skippable(), None);
    assert!(fb.skip(Instant::now()).frames.is_empty());
    let repaired = fb.push(lost[0].clone(), Instant::now(), RTT);
    assert_eq!(timestamps(&repaired.frames), vec![3000, 6000]);
}

#[test]
fn not_skipped_when_the_next_frame_is_incomplete_unknown_or_not_the_next() {
    let t0 = Instant::now();
    let push_all = |packets: Vec<Vp8Part>| {
        let mut fb = FrameBuffer::new(FrameBufferConfig::default());
        for p in packets {
            let _ = fb.push(p, t0, RTT);
        }
        fb
    };
    let key = frame(1, 2, 0, Kind::Key, true);
    let waiting: Vec<Vp8Part> = frame(3, 3, 1, Kind::Discardable, true)
        .into_iter()
        .filter(|p| p.seq != 4)
        .collect();
    // The next frame still missing a packet.
    let next_incomplete: Vec<Vp8Part> = frame(6, 3, 2, Kind::Reference, true)
        .into_iter()
        .filter(|p| p.seq != 7)
        .collect();
    let fb = push_all([key.clone(), waiting.clone(), next_incomplete].concat());
    assert_eq!(fb.skippable(), None);
    // Frame 2 lost whole: frame 3 follows, but frame 2 may be a reference.
    let fb = push_all(
        [
            key.clone(),
            waiting.clone(),
            frame(8, 2, 3, Kind::Reference, true),
        ]
        .concat(),
    );
    assert_eq!(fb.skippable(), None);
    // The waiting frame's first packet (its header) lost.
    let headless: Vec<Vp8Part> = frame(3, 3, 1, Kind::Discardable, true)
        .into_iter()
        .filter(|p| p.seq != 3)
        .collect();
    let fb = push_all([key.clone(), headless, frame(6, 2, 2, Kind::Reference, true)].concat());
    assert_eq!(fb.skippable(), None);
    // The next frame's header unreadable.
    let mut unknown = frame(6, 2, 2, Kind::Reference, true);
    unknown[0].header = None;
    let fb = push_all([key, waiting, unknown].concat());
    assert_eq!(fb.skippable(), None);
}

#[test]
fn nothing_is_skipped_while_a_keyframe_is_needed() {
    let t0 = Instant::now();
    let mut fb = FrameBuffer::new(FrameBufferConfig::default());
    // No keyframe yet: a discardable frame with a hole, a whole frame after it.
    for p in frame(3, 3, 1, Kind::Discardable, true)
        .into_iter()
        .filter(|p| p.seq != 4)
        .chain(frame(6, 2, 2, Kind::Reference, true))
    {
        let _ = fb.push(p, t0, RTT);
    }
    assert!(fb.needs_keyframe());
    assert_eq!(fb.skippable(), None);
}
