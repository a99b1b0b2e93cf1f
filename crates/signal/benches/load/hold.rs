//! Idle connections held by worker processes, each from its own 127.0.0.x address.

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader, Lines};
use tokio::net::{TcpSocket, TcpStream};
use tokio::process::{Child, ChildStdout, Command};
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// A bench client socket.
pub type Ws = WebSocketStream<TcpStream>;

/// A worker process holding connections.
pub struct Worker {
    _child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Worker {
    /// Waits until the worker has opened all its connections: (held, failed).
    pub async fn ready(&mut self) -> (usize, usize) {
        while let Ok(Some(line)) = self.lines.next_line().await {
            if let Some(rest) = line.strip_prefix("ready ") {
                let mut it = rest.split_whitespace().map(|v| v.parse().unwrap_or(0));
                return (it.next().unwrap_or(0), it.next().unwrap_or(0));
            }
            println!("  worker: {line}");
        }
        (0, 0)
    }
}

/// Starts worker `index` holding `count` connections in rooms of `room` peers.
pub async fn spawn_worker(url: &str, count: usize, index: usize, room: usize) -> Worker {
    let exe = std::env::current_exe().expect("own executable");
    let mut child = Command::new(exe)
        .env("PEERCALL_BENCH_WORKER", "1")
        .env("BENCH_URL", url)
        .env("BENCH_COUNT", count.to_string())
        .env("BENCH_INDEX", index.to_string())
        .env("BENCH_ROOM", room.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start worker");
    let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    Worker {
        _child: child,
        lines,
    }
}

/// The server address inside a `ws://host:port/ws` URL.
pub fn server_addr(url: &str) -> SocketAddr {
    url.trim_start_matches("ws://")
        .trim_end_matches("/ws")
        .parse()
        .expect("ws://ip:port/ws")
}

/// Opens one client connection from `src`, says hello, waits for welcome; returns the
/// socket and the assigned id.
pub async fn open(url: &str, src: IpAddr, name: &str, room: &str) -> Result<(Ws, String), String> {
    let sock = TcpSocket::new_v4().map_err(|e| e.to_string())?;
    sock.bind(SocketAddr::new(src, 0))
        .map_err(|e| format!("bind: {e}"))?;
    let stream = sock
        .connect(server_addr(url))
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let _ = stream.set_nodelay(true);
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let (mut ws, _) = tokio_tungstenite::client_async_with_config(url, stream, Some(config))
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    let hello = json!({"type":"hello","protocol":1,"name":name,"room":room}).to_string();
    ws.send(Message::text(hello))
        .await
        .map_err(|e| e.to_string())?;
    while let Some(frame) = ws.next().await {
        if let Message::Text(t) = frame.map_err(|e| e.to_string())? {
            let v: serde_json::Value = serde_json::from_str(&t).map_err(|e| e.to_string())?;
            if v["type"] == "welcome" {
                return Ok((ws, v["id"].as_str().unwrap_or_default().to_owned()));
            }
            return Err(format!("refused: {v}"));
        }
    }
    Err("closed before welcome".into())
}

/// Body of a worker process: open the connections, report, hold until stdin closes.
pub async fn worker() {
    let env = |k: &str| std::env::var(k).unwrap_or_default();
    let url = env("BENCH_URL");
    let count: usize = env("BENCH_COUNT").parse().unwrap_or(0);
    let index: u8 = env("BENCH_INDEX").parse().unwrap_or(0);
    let room: usize = env("BENCH_ROOM").parse().unwrap_or(50).max(1);
    let src = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2 + index));
    let ok = Arc::new(AtomicUsize::new(0));
    let bad = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(Semaphore::new(200));
    let mut tasks = Vec::with_capacity(count);
    for i in 0..count {
        let (url, ok, bad, gate) = (url.clone(), ok.clone(), bad.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            let permit = gate.acquire_owned().await;
            let opened = open(
                &url,
                src,
                &format!("w{index}-{i}"),
                &format!("hold-{index}-{}", i / room),
            )
            .await;
            drop(permit);
            match opened {
                Ok((mut ws, _)) => {
                    ok.fetch_add(1, Ordering::Relaxed);
                    // Keep reading: answers pings, drains presence.
                    while let Some(Ok(_)) = ws.next().await {}
                }
                Err(e) => {
                    if bad.fetch_add(1, Ordering::Relaxed) < 3 {
                        println!("connection failed: {e}");
                    }
                }
            }
        }));
    }
    // Wait until every connection attempt has finished.
    loop {
        let done = ok.load(Ordering::Relaxed) + bad.load(Ordering::Relaxed);
        if done >= count {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    println!(
        "ready {} {}",
        ok.load(Ordering::Relaxed),
        bad.load(Ordering::Relaxed)
    );
    let mut buf = [0u8; 1];
    let _ = tokio::io::stdin().read(&mut buf).await;
    drop(tasks);
}
