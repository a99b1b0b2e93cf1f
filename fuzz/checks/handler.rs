//! The whole per-connection handler: up to three scripted connections whose frames come
//! from the input, run concurrently against one server state. Checks that nothing
//! panics, that every reply is a valid server message, that a welcome comes first,
//! that a relayed `from` is always a server-assigned id, and that every peer is gone
//! once its connection ended and the resume window passed (asserted inside `run`).
//!
//! Shared by the cargo-fuzz target and the corpus replay in `cargo test`
//! (`crates/signal/tests/fuzz_corpus.rs`).

use peercall_protocol::ServerMessage;
use peercall_signal::server::scripted::{fuzz_config, run, Frame};

/// Runs one input; panics on a finding.
pub fn check(data: &[u8]) {
    // Frames are separated by 0xff; each frame's first byte picks the connection (bits
    // 0-1) and the kind (bits 2-3); the rest is the payload.
    let mut scripts: Vec<Vec<Frame>> = vec![Vec::new(); 3];
    for chunk in data.split(|b| *b == 0xff).take(48) {
        let Some((&op, payload)) = chunk.split_first() else {
            continue;
        };
        let conn = usize::from(op & 0x03) % 3;
        let frame = match (op >> 2) & 0x03 {
            0 | 1 => match std::str::from_utf8(payload) {
                Ok(t) => Frame::Text(t.to_owned()),
                Err(_) => continue,
            },
            2 => Frame::Binary(payload.to_vec()),
            _ => {
                if payload.is_empty() {
                    Frame::Close
                } else {
                    Frame::Ping
                }
            }
        };
        scripts[conn].push(frame);
    }
    let out = run(fuzz_config(), scripts);
    let mut ids = Vec::new();
    for conn in &out {
        for (i, text) in conn.iter().enumerate() {
            let msg = ServerMessage::from_json(text).expect("server output is a valid message");
            if let ServerMessage::Welcome(w) = &msg {
                assert_eq!(i, 0, "welcome comes first");
                ids.push(w.id.clone());
            }
        }
    }
    for conn in &out {
        for text in conn {
            if let Ok(ServerMessage::Signal { from, .. }) = ServerMessage::from_json(text) {
                assert!(ids.contains(&from), "relayed from a server-assigned id");
            }
        }
    }
}
