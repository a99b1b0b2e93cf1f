//! Drives the whole per-connection handler (hello phase, limits, decoding, registry,
//! relay, close) without a network: each connection's inbound frames come from a
//! script, and what the server writes is recorded. For fuzzing; not a public API.

use super::config::{Config, Limits};
use super::connection;
use super::state::Shared;
use super::wire::WsIo;
use axum::extract::ws::Message;
use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Mutex};

/// One inbound frame of a script.
#[derive(Debug, Clone)]
pub enum Frame {
    /// A text frame; `@0`, `@1`, … are replaced by the ids connections 0, 1, … were given.
    Text(String),
    /// A binary frame.
    Binary(Vec<u8>),
    /// A ping.
    Ping,
    /// A close frame.
    Close,
}

type Ids = Arc<Mutex<Vec<Option<String>>>>;

struct Scripted {
    index: usize,
    inbound: VecDeque<Frame>,
    out: Vec<String>,
    sink: Arc<Mutex<Vec<Vec<String>>>>,
    ids: Ids,
}

impl Drop for Scripted {
    fn drop(&mut self) {
        let mut sink = self.sink.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(slot) = sink.get_mut(self.index) {
            *slot = std::mem::take(&mut self.out);
        }
    }
}

impl WsIo for Scripted {
    fn recv(&mut self) -> impl Future<Output = Option<Result<Message, axum::Error>>> + Send {
        let frame = self.inbound.pop_front().map(|f| {
            Ok(match f {
                Frame::Text(t) => Message::Text(substitute(&t, &self.ids).into()),
                Frame::Binary(b) => Message::Binary(b.into()),
                Frame::Ping => Message::Ping(Default::default()),
                Frame::Close => Message::Close(None),
            })
        });
        async move {
            // Let the other scripted connections run in between.
            tokio::task::yield_now().await;
            frame
        }
    }

    fn send(&mut self, msg: Message) -> impl Future<Output = Result<(), axum::Error>> + Send {
        if let Message::Text(t) = &msg {
            if self.out.is_empty() {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(t.as_str()) {
                    if let (Some("welcome"), Some(id)) = (v["type"].as_str(), v["id"].as_str()) {
                        let mut ids = self.ids.lock().unwrap_or_else(|p| p.into_inner());
                        if let Some(slot) = ids.get_mut(self.index) {
                            *slot = Some(id.to_owned());
                        }
                    }
                }
            }
            self.out.push(t.to_string());
        }
        async { Ok(()) }
    }

    fn feed(&mut self, msg: Message) -> impl Future<Output = Result<(), axum::Error>> + Send {
        self.send(msg)
    }

    async fn flush(&mut self) -> Result<(), axum::Error> {
        Ok(())
    }
}

fn substitute(text: &str, ids: &Ids) -> String {
    let ids = ids.lock().unwrap_or_else(|p| p.into_inner());
    let mut out = text.to_owned();
    for (i, id) in ids.iter().enumerate() {
        if let Some(id) = id {
            out = out.replace(&format!("@{i}"), id);
        }
    }
    out
}

/// Small limits so short scripts reach them.
pub fn fuzz_config() -> Config {
    Config {
        limits: Limits {
            max_message_bytes: 512,
            ws_max_message_bytes: 1024,
            room_size: 2,
            rate_per_sec: 50.0,
            rate_burst: 8.0,
            max_strikes: 3,
            resume_queue: 4,
            outbound_bytes: 2048,
            ..Limits::default()
        },
        ..Config::loopback()
    }
}

/// Runs one server handler per script, concurrently on one thread, and returns what the
/// server wrote to each connection. A panic in a handler is propagated.
pub fn run(config: Config, scripts: Vec<Vec<Frame>>) -> Vec<Vec<String>> {
    let n = scripts.len();
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
    else {
        return vec![Vec::new(); n];
    };
    let sink = Arc::new(Mutex::new(vec![Vec::new(); n]));
    let ids: Ids = Arc::new(Mutex::new(vec![None; n]));
    rt.block_on(async {
        let shared = Arc::new(Shared::new(config));
        let mut tasks = Vec::new();
        for (index, script) in scripts.into_iter().enumerate() {
            let socket = Scripted {
                index,
                inbound: script.into(),
                out: Vec::new(),
                sink: sink.clone(),
                ids: ids.clone(),
            };
            tasks.push(tokio::spawn(connection::serve(socket, shared.clone())));
        }
        for t in tasks {
            if let Err(e) = t.await {
                if e.is_panic() {
                    std::panic::resume_unwind(e.into_panic());
                }
            }
        }
        let far = std::time::Instant::now() + std::time::Duration::from_secs(3600);
        shared
            .registry()
            .expire(far, shared.config.timing.resume_window);
        assert_eq!(shared.registry().peer_count(), 0, "every peer expires");
    });
    let out = sink.lock().unwrap_or_else(|p| p.into_inner()).clone();
    out
}
