use super::*;
use bytes::Bytes;
use peercall_media::{TestPattern, Vp8Config, Vp8Decoder, Vp8Encoder};

/// `count` encoded frames of a moving test pattern, a keyframe first; a keyframe is
/// forced at every index in `keys`.
fn encoded(count: u64, keys: &[u64]) -> Vec<(Bytes, bool)> {
    let (w, h) = (160, 120);
    let pattern = TestPattern::new(w, h);
    let mut enc = Vp8Encoder::new(Vp8Config::new(w, h)).expect("vp8 encoder");
    let mut out = Vec::new();
    for n in 0..count {
        if keys.contains(&n) {
            enc.request_keyframe();
        }
        for f in enc
            .encode(&pattern.render(n, n * 33_333), false)
            .expect("encode")
        {
            out.push((Bytes::from(f.data), f.keyframe));
        }
    }
    out
}

/// What the decoder thread does with each queued frame (`session::receive`): a loss
/// before it is reported, then it is decoded. Returns how many pictures came out.
fn decode_all(rx: &DecodeReceiver<Bytes>, decoder: &mut Vp8Decoder) -> usize {
    let mut pictures = 0;
    while let Some(Queued { frame, after_loss }) = rx.recv() {
        if after_loss {
            decoder.report_loss();
        }
        if let Ok(Some(_)) = decoder.decode(&frame) {
            pictures += 1;
        }
    }
    pictures
}

#[test]
fn a_flood_stays_within_the_limits_and_a_keyframe_decodes_after_it() {
    let frames = encoded(14, &[12]);
    let (first_key, delta) = (&frames[0], &frames[1]);
    let (key, after_key) = (&frames[12], &frames[13]);
    assert!(first_key.1 && !delta.1 && key.1 && !after_key.1);
    let limits = DecodeLimits::default();
    let (tx, rx) = decode_queue::<Bytes>(limits);
    let mut dropped = tx
        .push(first_key.0.clone(), first_key.0.len())
        .expect("open");
    // A peer completing tiny frames far faster than they decode.
    for _ in 0..100_000 {
        dropped += tx.push(delta.0.clone(), delta.0.len()).expect("open");
        assert!(rx.len() <= limits.max_frames, "{} frames queued", rx.len());
        assert!(
            rx.bytes() <= limits.max_bytes,
            "{} bytes queued",
            rx.bytes()
        );
    }
    assert!(dropped > 99_000, "{dropped} dropped");
    for (data, _) in [key, after_key] {
        tx.push(data.clone(), data.len()).expect("open");
    }
    drop(tx);
    let mut decoder = Vp8Decoder::new(1).expect("vp8 decoder");
    // The deltas left behind the loss are withheld; the keyframe and the frame after it
    // are pictures again.
    assert_eq!(decode_all(&rx, &mut decoder), 2);
    assert!(!decoder.needs_keyframe());
}

#[test]
fn bytes_are_bounded_too_but_one_frame_always_fits() {
    let limits = DecodeLimits {
        max_frames: 1_000,
        max_bytes: 10 << 20,
    };
    let (tx, rx) = decode_queue::<Bytes>(limits);
    let big = Bytes::from(vec![0u8; 3 << 20]);
    for _ in 0..3 {
        assert_eq!(tx.push(big.clone(), big.len()), Ok(0));
    }
    assert_eq!(
        tx.push(big.clone(), big.len()),
        Ok(3),
        "12 MiB would not fit"
    );
    assert_eq!(rx.len(), 1);
    for _ in 0..100 {
        tx.push(big.clone(), big.len()).expect("open");
        assert!(
            rx.bytes() <= limits.max_bytes,
            "{} bytes queued",
            rx.bytes()
        );
    }
    while !rx.is_empty() {
        rx.recv().expect("a frame");
    }
    assert_eq!(tx.push(Bytes::from_static(b"x"), 1), Ok(0));
    let huge = Bytes::from(vec![0u8; 11 << 20]);
    assert_eq!(tx.push(huge.clone(), huge.len()), Ok(1));
    assert_eq!(
        rx.len(),
        1,
        "a frame over the limit still goes into an empty queue"
    );
}

#[test]
fn order_is_kept_and_a_loss_is_reported_once() {
    let (tx, rx) = decode_queue::<u32>(DecodeLimits {
        max_frames: 2,
        max_bytes: 100,
    });
    assert_eq!(tx.push(1, 1), Ok(0));
    assert_eq!(tx.push(2, 1), Ok(0));
    assert_eq!(tx.push(3, 1), Ok(2));
    assert_eq!(tx.push(4, 1), Ok(0));
    let got = |q: Option<Queued<u32>>| q.map(|q| (q.frame, q.after_loss));
    assert_eq!(got(rx.recv()), Some((3, true)));
    assert_eq!(got(rx.recv()), Some((4, false)));
    assert!(rx.is_empty());
}

#[test]
fn each_end_sees_the_other_go() {
    let (tx, rx) = decode_queue::<u32>(DecodeLimits::default());
    let waiting = std::thread::spawn(move || {
        let first = rx.recv().map(|q| q.frame);
        (first, rx.recv().map(|q| q.frame))
    });
    tx.push(7, 1).expect("open");
    drop(tx);
    assert_eq!(waiting.join().expect("decoder thread"), (Some(7), None));
    let (tx, rx) = decode_queue::<u32>(DecodeLimits::default());
    drop(rx);
    assert_eq!(tx.push(1, 1), Err(Closed));
}
