//! Every committed fuzzing corpus (`fuzz/corpus/<target>/`) replayed through its target's
//! check (`fuzz/checks/<target>.rs`, the same code cargo-fuzz runs), so `cargo test` keeps
//! the inputs the fuzzers found interesting passing without nightly or cargo-fuzz.

#[path = "../../../fuzz/checks/decode_client.rs"]
mod decode_client;
#[path = "../../../fuzz/checks/decode_server.rs"]
mod decode_server;
#[path = "../../../fuzz/checks/handler.rs"]
mod handler;
#[path = "../../../fuzz/checks/registry_ops.rs"]
mod registry_ops;

use std::path::PathBuf;

/// Runs every input of `fuzz/corpus/<target>` through `check`; returns how many.
fn replay(target: &str, check: fn(&[u8])) -> usize {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_file())
        .collect();
    inputs.sort();
    for path in &inputs {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(
            outcome.is_ok(),
            "{target}: {} fails its check",
            path.display()
        );
    }
    assert!(!inputs.is_empty(), "{target}: empty corpus");
    inputs.len()
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
