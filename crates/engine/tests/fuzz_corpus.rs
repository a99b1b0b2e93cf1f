//! The engine's committed fuzzing corpora (`fuzz/corpus/<target>/`) replayed through their
//! checks (`fuzz/checks/<target>.rs`, the code cargo-fuzz runs): what a remote peer sends
//! on the data channel, and its VP8 packets through the receive side's frame assembly.

#[path = "../../../fuzz/checks/control_message.rs"]
mod control_message;
#[path = "../../../fuzz/checks/replay.rs"]
mod replay;
#[path = "../../../fuzz/checks/vp8_frames.rs"]
mod vp8_frames;

use replay::replay;

#[test]
fn control_message_corpus() {
    replay(
        env!("CARGO_MANIFEST_DIR"),
        "control_message",
        control_message::check,
    );
}

#[test]
fn vp8_frames_corpus() {
    replay(env!("CARGO_MANIFEST_DIR"), "vp8_frames", vp8_frames::check);
}
