//! A peer floods the chat over the data channel: the engine passes on at most a burst of
//! 20 lines and then 5 a second, each cut to 4,000 characters, so neither its event
//! queue nor the app's chat log grows without bound. The call stays up.

mod common;

use std::time::Duration;

use common::engine::{connected_call, server};
use peercall_engine::call::CallState;
use peercall_engine::engine::chat_guard::{BURST, MAX_CHARS};
use peercall_engine::EngineEvent;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_flood_is_cut_and_rate_limited() {
    let server = server().await;
    let url = server.url();
    let (mut alice, mut bob) = connected_call(&url).await;
    // Bob's media state arrived over the data channel: it is open both ways.
    alice
        .wait_for("the data channel", |e| {
            matches!(e, EngineEvent::RemoteMedia { .. })
        })
        .await;

    alice.engine.send_chat("y".repeat(10_000)).expect("chat");
    for n in 0..1000 {
        alice.engine.send_chat(format!("spam {n}")).expect("chat");
    }
    // Past the burst, lines get through again at the rate: alice keeps sending until
    // one arrives.
    let mut k = 0;
    loop {
        alice.engine.send_chat(format!("after {k}")).expect("chat");
        k += 1;
        let got = tokio::time::timeout(Duration::from_millis(100), bob.events.recv()).await;
        if let Ok(Some(e)) = got {
            let after = matches!(&e, EngineEvent::Chat { text } if text.starts_with("after"));
            bob.log.push(e);
            if after {
                break;
            }
        }
        assert!(k < 200, "no chat line got through after the burst");
    }
    bob.drain();
    let lines: Vec<&String> = bob
        .log
        .iter()
        .filter_map(|e| match e {
            EngineEvent::Chat { text } => Some(text),
            _ => None,
        })
        .collect();
    assert_eq!(lines[0].chars().count(), MAX_CHARS, "a long line is cut");
    let spam = lines.iter().filter(|t| t.starts_with("spam")).count();
    assert!(
        spam <= BURST as usize,
        "{spam} of 1,000 flooded lines got through"
    );
    assert!(lines.len() < 60, "{} lines in all", lines.len());
    assert!(!bob.log.iter().any(|e| matches!(
        e,
        EngineEvent::CallState {
            state: CallState::Ended(_),
            ..
        }
    )));

    alice.engine.shutdown().await;
    bob.engine.shutdown().await;
    server.shutdown().await;
}
