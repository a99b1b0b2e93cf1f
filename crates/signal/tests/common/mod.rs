//! Shared test harness: a server on loopback with fast timings, a raw WebSocket client
//! for poking at the wire, helpers around the real client, and a TCP proxy that can cut
//! connections without a close frame.
#![allow(dead_code)]

pub mod process;

use futures_util::{SinkExt, StreamExt};
use peercall_signal::client::{ClientConfig, ClientEvent, ReconnectPolicy, SignalClient};
use peercall_signal::server::{Config, Server, ServerHandle};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Generous bound for anything that should happen "soon" on a loaded CI machine.
pub const PATIENCE: Duration = Duration::from_secs(15);

/// Spec defaults, but on loopback port 0 and with short timers so tests run fast.
pub fn fast_config() -> Config {
    let mut c = Config::loopback();
    c.timing.hello_timeout = Duration::from_millis(500);
    // Raw test clients only answer pings while they read, and many sit idle for a
    // while: liveness tests set their own short interval.
    c.timing.ping_interval = Duration::from_secs(5);
    c.timing.resume_window = Duration::from_secs(5);
    c.timing.shutdown_grace = Duration::from_secs(5);
    c
}

pub async fn start(config: Config) -> ServerHandle {
    Server::bind(config)
        .await
        .expect("server binds on loopback")
}

pub async fn start_fast() -> ServerHandle {
    start(fast_config()).await
}

/// A raw WebSocket: what any client (or attacker) can put on the wire.
pub struct Raw {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// What the raw client read.
#[derive(Debug)]
pub enum Got {
    Json(Value),
    Closed(Option<u16>),
}

impl Raw {
    pub async fn connect(url: &str) -> Raw {
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("websocket connects");
        Raw { ws }
    }

    pub async fn send_json(&mut self, v: Value) {
        self.send_text(&v.to_string()).await;
    }

    pub async fn send_text(&mut self, t: &str) {
        self.ws
            .send(Message::text(t.to_owned()))
            .await
            .expect("send");
    }

    /// Sends without panicking (the server may already have closed).
    pub async fn try_send_text(&mut self, t: &str) -> bool {
        self.ws.send(Message::text(t.to_owned())).await.is_ok()
    }

    pub async fn send_binary(&mut self, b: &[u8]) {
        self.ws
            .send(Message::binary(b.to_vec()))
            .await
            .expect("send binary");
    }

    /// The next JSON message or close, skipping pings and pongs.
    pub async fn next(&mut self) -> Got {
        let read = async {
            loop {
                match self.ws.next().await {
                    Some(Ok(Message::Text(t))) => {
                        return Got::Json(serde_json::from_str(&t).expect("server sends JSON"))
                    }
                    Some(Ok(Message::Close(f))) => {
                        return Got::Closed(f.map(|f| u16::from(f.code)))
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(_)) | None => return Got::Closed(None),
                }
            }
        };
        tokio::time::timeout(PATIENCE, read)
            .await
            .expect("server answered in time")
    }

    pub async fn recv(&mut self) -> Value {
        match self.next().await {
            Got::Json(v) => v,
            Got::Closed(c) => panic!("expected a message, connection closed ({c:?})"),
        }
    }

    /// Reads until a message of `kind` arrives, returning it.
    pub async fn recv_type(&mut self, kind: &str) -> Value {
        loop {
            let v = self.recv().await;
            if v["type"] == kind {
                return v;
            }
        }
    }

    /// Expects an `error` with `code` as the next message.
    pub async fn expect_error(&mut self, code: &str) -> Value {
        let v = self.recv().await;
        assert_eq!(v["type"], "error", "expected error {code}, got {v}");
        assert_eq!(v["code"], code, "got {v}");
        assert!(
            v["message"].as_str().is_some_and(|m| !m.is_empty()),
            "error has a message: {v}"
        );
        v
    }

    /// Reads until the server closes; returns the close code.
    pub async fn expect_close(&mut self) -> Option<u16> {
        loop {
            if let Got::Closed(code) = self.next().await {
                return code;
            }
        }
    }

    /// Says hello and returns the welcome.
    pub async fn hello(&mut self, name: &str, room: &str) -> Value {
        self.send_json(json!({"type":"hello","protocol":1,"name":name,"room":room}))
            .await;
        let w = self.recv().await;
        assert_eq!(w["type"], "welcome", "got {w}");
        w
    }

    /// A connected, welcomed raw client: (client, its id).
    pub async fn join(url: &str, name: &str, room: &str) -> (Raw, String) {
        let mut r = Raw::connect(url).await;
        let w = r.hello(name, room).await;
        let id = w["id"].as_str().expect("id").to_owned();
        (r, id)
    }

    /// Checks the connection still works: an `update` of nothing is silent, so send a
    /// signal to an unknown peer and expect `unknown-peer`.
    pub async fn assert_alive(&mut self) {
        self.send_json(json!({"type":"signal","to":"nobody","data":{}}))
            .await;
        self.expect_error("unknown-peer").await;
    }

    /// Like [`Raw::assert_alive`], but skips whatever else arrives first (presence,
    /// relayed messages, errors about earlier sends).
    pub async fn assert_alive_past_backlog(&mut self) {
        self.send_json(json!({"type":"signal","to":"nobody","data":{}}))
            .await;
        while self.recv().await["to"] != "nobody" {}
    }

    /// Sends a close frame and waits for the server's.
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
        let _ =
            tokio::time::timeout(PATIENCE, async { while self.ws.next().await.is_some() {} }).await;
    }
}

pub fn close_code(c: CloseCode) -> u16 {
    u16::from(c)
}

/// A real client with short timers.
pub fn client_config(url: &str, name: &str) -> ClientConfig {
    let mut c = ClientConfig::new(url, name);
    c.ping_interval = Duration::from_millis(500);
    c.connect_timeout = Duration::from_secs(5);
    c.reconnect = ReconnectPolicy {
        initial_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(400),
        ..ReconnectPolicy::default()
    };
    c
}

pub async fn client(
    url: &str,
    name: &str,
    room: &str,
) -> (SignalClient, mpsc::Receiver<ClientEvent>) {
    let mut c = client_config(url, name);
    c.room = Some(room.to_owned());
    let (client, mut events) = SignalClient::connect(c).await.expect("client connects");
    let first = next_event(&mut events).await;
    assert!(
        matches!(first, ClientEvent::Welcome { .. }),
        "first event is Welcome: {first:?}"
    );
    (client, events)
}

pub async fn next_event(rx: &mut mpsc::Receiver<ClientEvent>) -> ClientEvent {
    tokio::time::timeout(PATIENCE, rx.recv())
        .await
        .expect("event in time")
        .expect("event stream open")
}

/// Skips events until `pred` matches one, returning it.
pub async fn wait_event(
    rx: &mut mpsc::Receiver<ClientEvent>,
    mut pred: impl FnMut(&ClientEvent) -> bool,
) -> ClientEvent {
    loop {
        let e = next_event(rx).await;
        if pred(&e) {
            return e;
        }
    }
}

/// The client's first reconnect attempt, then a resume that kept its id `id`.
pub async fn expect_resumed(
    rx: &mut mpsc::Receiver<ClientEvent>,
    client: &SignalClient,
    id: &peercall_signal::protocol::PeerId,
) {
    let e = next_event(rx).await;
    assert!(
        matches!(e, ClientEvent::Reconnecting { attempt: 1, .. }),
        "{e:?}"
    );
    wait_event(rx, |e| matches!(e, ClientEvent::Reconnected)).await;
    assert_eq!(&client.id(), id, "same id after resume");
}

/// Asserts nothing arrives for `quiet` (used only to check absence, never presence).
pub async fn assert_no_event(rx: &mut mpsc::Receiver<ClientEvent>, quiet: Duration) {
    if let Ok(Some(e)) = tokio::time::timeout(quiet, rx.recv()).await {
        panic!("unexpected event {e:?}");
    }
}

/// Plain HTTP GET over a raw socket: (status, body).
pub async fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).await.expect("tcp connect");
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    tokio::time::timeout(PATIENCE, s.read_to_end(&mut buf))
        .await
        .expect("read in time")
        .expect("read");
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// A loopback TCP proxy in front of the server; [`Proxy::cut`] drops every proxied
/// connection at once without a WebSocket close frame, like a network failure.
pub struct Proxy {
    pub addr: SocketAddr,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy binds");
        let addr = listener.local_addr().expect("addr");
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let l2 = links.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                l2.lock().unwrap_or_else(|p| p.into_inner()).push(link);
            }
        });
        Proxy {
            addr,
            links,
            accept,
        }
    }

    pub fn url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// Aborts every live proxied connection (both sockets close, no close frame).
    pub fn cut(&self) {
        for link in self
            .links
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            link.abort();
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
        self.accept.abort();
    }
}

/// Reads one metric's value from `/metrics`.
pub async fn metric(addr: SocketAddr, name: &str) -> Option<f64> {
    let (_, body) = http_get(addr, "/metrics").await;
    body.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
}

/// Polls `/metrics` until `name` equals `want`.
pub async fn wait_metric(addr: SocketAddr, name: &str, want: f64) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if metric(addr, name).await == Some(want) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{name} never reached {want}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
