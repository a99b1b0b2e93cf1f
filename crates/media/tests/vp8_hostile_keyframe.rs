//! A peer's keyframe that declares a huge picture (VP8 allows up to 16383 x 16383, about
//! 400 MB per frame for libvpx to allocate) is refused before it reaches the decoder, with
//! a clear error; the decoder keeps waiting for a keyframe and a real one still decodes.

use peercall_media::{CodecError, TestPattern, Vp8Config, Vp8Decoder, Vp8Encoder};

/// A real 64x48 keyframe whose header is rewritten to declare `w` x `h`.
fn keyframe_declaring(real: &[u8], w: u16, h: u16) -> Vec<u8> {
    let mut data = real.to_vec();
    data[6..8].copy_from_slice(&w.to_le_bytes());
    data[8..10].copy_from_slice(&h.to_le_bytes());
    data
}

#[test]
fn a_keyframe_declaring_a_huge_picture_is_refused_and_a_real_one_still_decodes() {
    let pattern = TestPattern::new(64, 48);
    let mut enc = Vp8Encoder::new(Vp8Config::new(64, 48)).expect("vp8 encoder");
    let key = enc
        .encode(&pattern.render(0, 0), true)
        .expect("encode")
        .remove(0);
    assert!(key.keyframe);
    assert_eq!(
        &key.data[3..6],
        &[0x9d, 0x01, 0x2a],
        "a VP8 keyframe start code"
    );
    let mut dec = Vp8Decoder::new(1).expect("vp8 decoder");
    // (declared width, height, refused)
    let cases = [
        (16_383, 16_383, true),
        (4_097, 16, true),
        (3_840, 2_161, true),
        (3_840, 2_160, false),
        (64, 48, false),
    ];
    for (w, h, refused) in cases {
        let result = dec.decode(&keyframe_declaring(&key.data, w, h));
        match (refused, result) {
            (true, Err(CodecError::InvalidInput(msg))) => {
                assert!(msg.contains(&format!("{w}x{h}")), "{msg}");
                assert!(
                    dec.needs_keyframe(),
                    "{w}x{h}: still waiting for a keyframe"
                );
            }
            (true, other) => panic!("{w}x{h} was not refused: {other:?}"),
            // Under the limit the header reaches libvpx, which may still reject a lie.
            (false, _) => {}
        }
    }
    let out = dec
        .decode(&key.data)
        .expect("a real keyframe decodes")
        .expect("a picture");
    assert_eq!((out.width, out.height), (64, 48));
}
