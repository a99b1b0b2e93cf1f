//! The data-channel control messages a peer sends (chat, media state, hangup, …): parsing
//! never panics, a message over the size limit is refused unread, what parses re-encodes
//! to text that parses to the same message, and nothing parsed is larger than its input.
//!
//! Shared by the cargo-fuzz target and the corpus replay in `cargo test`
//! (`crates/engine/tests/fuzz_corpus.rs`).

use peercall_engine::control_wire::{encode, parse, ControlParseError, MAX_CONTROL_BYTES};
use peercall_engine::session::ControlMessage;

/// Runs one input; panics on a finding.
pub fn check(data: &[u8]) {
    let msg = match parse(data) {
        Ok(msg) => msg,
        Err(ControlParseError::TooLong(len)) => {
            assert_eq!(len, data.len());
            assert!(len > MAX_CONTROL_BYTES, "refused a {len}-byte message");
            return;
        }
        Err(ControlParseError::Invalid(_)) => return,
    };
    assert!(data.len() <= MAX_CONTROL_BYTES);
    if let ControlMessage::Chat { text } = &msg {
        assert!(
            text.len() <= data.len(),
            "a chat line larger than its message"
        );
    }
    let text = encode(&msg).expect("a parsed message encodes");
    let again = parse(text.as_bytes()).expect("its encoding parses");
    assert_eq!(again, msg);
}
