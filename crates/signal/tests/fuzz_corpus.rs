//! The signaling corpora (`fuzz/corpus/<target>/`) replayed through their targets' checks
//! (`fuzz/checks/<target>.rs`, the same code cargo-fuzz runs), so `cargo test` keeps the
//! inputs the fuzzers found interesting passing without nightly or cargo-fuzz. The engine's
//! and the bridge's corpora are replayed by their own crates' `tests/fuzz_corpus.rs`;
//! [`every_corpus_is_replayed`] checks that no committed corpus is left out.

#[path = "../../../fuzz/checks/decode_client.rs"]
mod decode_client;
#[path = "../../../fuzz/checks/decode_server.rs"]
mod decode_server;
#[path = "../../../fuzz/checks/handler.rs"]
mod handler;
#[path = "../../../fuzz/checks/registry_ops.rs"]
mod registry_ops;
#[path = "../../../fuzz/checks/replay.rs"]
mod replay;

use std::collections::BTreeSet;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    replay::replay(env!("CARGO_MANIFEST_DIR"), target, check)
}

/// Every directory under `fuzz/corpus/` is listed in `replay::CORPORA`, and the test file
/// listed for it replays it.
#[test]
fn every_corpus_is_replayed() {
    let root = replay::repo_root(env!("CARGO_MANIFEST_DIR"));
    let dirs: BTreeSet<String> = std::fs::read_dir(root.join("fuzz/corpus"))
        .expect("fuzz/corpus")
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    let listed: BTreeSet<String> = replay::CORPORA
        .iter()
        .map(|(target, _)| (*target).to_owned())
        .collect();
    assert_eq!(dirs, listed, "fuzz/corpus and replay::CORPORA differ");
    for (target, file) in replay::CORPORA {
        let text = std::fs::read_to_string(root.join(file)).expect(file);
        assert!(
            text.contains(&format!("\"{target}\"")),
            "{file} does not replay {target}"
        );
    }
}

#[test]
fn decode_client_corpus() {
    replay("decode_client", decode_client::check);
}

#[test]
fn decode_server_corpus() {
    replay("decode_server", decode_server::check);
}

#[test]
fn registry_ops_corpus() {
    replay("registry_ops", registry_ops::check);
}

#[test]
fn handler_corpus() {
    replay("handler", handler::check);
}
