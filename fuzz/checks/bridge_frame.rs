//! The frame bridge's wire: a frame message's header (whose width and height come from
//! a remote peer's keyframe), the shrinking of its planes for a small view, and the page's
//! `ready <w>x<h>` text.
//!
//! Input: two bytes of the box a page asks for, then the message. Checks: no panic and
//! no arithmetic overflow, whatever sizes the planes are claimed to have; a header that decodes describes exactly the bytes that follow
//! it and re-encodes to the same header; the shrunk planes have the size their header
//! says and are never larger than the original; `ready` text that parses prints back to
//! the same request.
//!
//! Shared by the cargo-fuzz target and the corpus replay in `cargo test`
//! (`crates/bridge/tests/fuzz_corpus.rs`).

use peercall_bridge::{
    decode_header, encode_frame, parse_ready, shrink_factor, shrink_i420, FrameHeader, HEADER_LEN,
    READY,
};

/// Runs one input; panics on a finding.
pub fn check(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        ready_text(text);
    }
    let Some((&[want_w, want_h], msg)) = data.split_first_chunk::<2>() else {
        return;
    };
    any_planes(msg, u32::from(want_w));
    let Some(header) = decode_header(msg) else {
        return;
    };
    let planes = &msg[HEADER_LEN..];
    assert_eq!(planes.len(), header.payload_len());
    let again = encode_frame(&header, planes).expect("a decoded frame re-encodes");
    assert_eq!(decode_header(&again), Some(header));
    assert_eq!(&again[HEADER_LEN..], planes);
    shrunk(&header, planes, (u32::from(want_w), u32::from(want_h)));
}

fn shrunk(header: &FrameHeader, planes: &[u8], want: (u32, u32)) {
    let factor = shrink_factor(header.width, header.height, Some(want));
    assert!(
        factor >= 1 && header.width.is_multiple_of(factor) && header.height.is_multiple_of(factor)
    );
    let small = shrink_i420(planes, header.width, header.height, factor)
        .expect("a valid frame shrinks by its own factor");
    let small_header = FrameHeader {
        width: header.width / factor,
        height: header.height / factor,
        ..*header
    };
    assert_eq!(small.len(), small_header.payload_len());
    assert!(small.len() <= planes.len());
}

/// Planes of any size claimed to be any width and height: refused unless they match.
fn any_planes(msg: &[u8], factor: u32) {
    let Some((&[w0, w1, w2, w3, h0, h1, h2, h3], planes)) = msg.split_first_chunk::<8>() else {
        return;
    };
    let (width, height) = (
        u32::from_le_bytes([w0, w1, w2, w3]),
        u32::from_le_bytes([h0, h1, h2, h3]),
    );
    if let Some(small) = shrink_i420(planes, width, height, factor) {
        assert!(small.len() <= planes.len());
    }
}

fn ready_text(text: &str) {
    match parse_ready(text) {
        Some(None) => assert_eq!(text, READY),
        Some(Some((w, h))) => {
            let again = format!("{READY} {w}x{h}");
            assert_eq!(parse_ready(&again), Some(Some((w, h))));
        }
        None => {}
    }
}
