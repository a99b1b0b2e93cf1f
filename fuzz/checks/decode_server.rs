//! The client's side of the wire: whatever a server (or something posing as one) sends,
//! the client's parsing never panics — the sequence number read by prefix, the message
//! itself, and a relayed `data` as a typed signal. What parses re-encodes to something
//! that parses (to the same message, except `Unknown`, which keeps nothing, and opaque
//! relayed JSON, whose floats serde_json does not round-trip exactly).
//!
//! Shared by the cargo-fuzz target and the corpus replay in `cargo test`
//! (`crates/signal/tests/fuzz_corpus.rs`).

use peercall_protocol::{ServerMessage, SignalData};
use peercall_signal::seq::seq_of;

/// Runs one input; panics on a finding.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = seq_of(text);
    let Ok(msg) = ServerMessage::from_json(text) else {
        return;
    };
    if let ServerMessage::Signal { data, .. } = &msg {
        if let Ok(signal) = serde_json::from_value::<SignalData>(data.clone()) {
            let again = serde_json::to_value(&signal).expect("a parsed signal serialises");
            let back: SignalData = serde_json::from_value(again).expect("and parses again");
            assert_eq!(back, signal);
        }
    }
    let again = ServerMessage::from_json(&msg.to_json()).expect("re-encoded message parses");
    // Relayed `data` is opaque JSON whose floats need not survive a round trip exactly
    // (serde_json's default float parsing); everything else must.
    if !matches!(msg, ServerMessage::Unknown | ServerMessage::Signal { .. }) {
        assert_eq!(again, msg);
    }
}
