//! Replays committed fuzzing corpora through their checks in the ordinary `cargo test`
//! (stable Rust, no cargo-fuzz). Included by each crate's `tests/fuzz_corpus.rs`.

use std::path::{Path, PathBuf};

/// Every committed corpus (`fuzz/corpus/<target>/`) and the test file that replays it;
/// `signal::fuzz_corpus::every_corpus_is_replayed` keeps this list and the directory
/// in step.
#[allow(dead_code)]
pub const CORPORA: &[(&str, &str)] = &[
    ("decode_client", "crates/signal/tests/fuzz_corpus.rs"),
    ("decode_server", "crates/signal/tests/fuzz_corpus.rs"),
    ("registry_ops", "crates/signal/tests/fuzz_corpus.rs"),
    ("handler", "crates/signal/tests/fuzz_corpus.rs"),
    ("control_message", "crates/engine/tests/fuzz_corpus.rs"),
    ("vp8_frames", "crates/engine/tests/fuzz_corpus.rs"),
    ("bridge_frame", "crates/bridge/tests/fuzz_corpus.rs"),
];

/// The repository's root, from a crate two levels below it.
pub fn repo_root(manifest_dir: &str) -> PathBuf {
    Path::new(manifest_dir).join("../..")
}

/// Runs every input of `fuzz/corpus/<target>` through `check`; returns how many.
pub fn replay(manifest_dir: &str, target: &str, check: fn(&[u8])) -> usize {
    let dir = repo_root(manifest_dir).join("fuzz/corpus").join(target);
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
