//! Decoding client messages: any text decodes or fails with a code, never panics; what
//! decodes re-encodes to something that decodes to the same message.
//!
//! Shared by the cargo-fuzz target and the corpus replay in `cargo test`
//! (`crates/signal/tests/fuzz_corpus.rs`).

use peercall_protocol::{decode_client_message, ErrorMessage};

/// Runs one input; panics on a finding.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match decode_client_message(text) {
        Ok(msg) => {
            let again = decode_client_message(&msg.to_json()).expect("re-encoded message decodes");
            assert_eq!(again, msg);
        }
        Err(e) => {
            // Every failure maps to an error reply that serialises.
            let reply = ErrorMessage::from(&e);
            assert!(!reply.message.is_empty());
        }
    }
}
