//! The frame bridge's committed fuzzing corpus (`fuzz/corpus/bridge_frame/`) replayed
//! through its check (`fuzz/checks/bridge_frame.rs`, the code cargo-fuzz runs).

#[path = "../../../fuzz/checks/bridge_frame.rs"]
mod bridge_frame;
#[path = "../../../fuzz/checks/replay.rs"]
mod replay;

#[test]
fn bridge_frame_corpus() {
    replay::replay(
        env!("CARGO_MANIFEST_DIR"),
        "bridge_frame",
        bridge_frame::check,
    );
}
