//! Load benchmark of the signaling server (not a test): many concurrent WebSocket
//! clients on loopback against the real `peercall-signal` binary in its own process.
//!
//! 1. Starts the server, records its RSS.
//! 2. Starts worker processes (this same executable, `PEERCALL_BENCH_WORKER=1`), each
//!    holding a share of the idle connections from its own 127.0.0.x source address
//!    (one address has only ~28k ephemeral ports; one process only RLIMIT_NOFILE fds).
//! 3. Records the server's RSS with every connection held: RSS per connection.
//! 4. While they are held, relays signals between sender/receiver pairs at a fixed
//!    total rate and reports relay latency percentiles.
//!
//! `cargo bench -p peercall-signal --bench load -- --hold 18800 --pairs 500 --rate 20000 --seconds 10`

mod hold;
mod latency;
mod proc;

use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const SERVER: &str = env!("CARGO_BIN_EXE_peercall-signal");

/// Command-line options (unknown arguments, such as cargo's `--bench`, are ignored).
#[derive(Debug, Clone)]
struct Options {
    hold: usize,
    workers: usize,
    pairs: usize,
    rate: f64,
    seconds: f64,
    room: usize,
}

fn options() -> Options {
    let mut o = Options {
        hold: 18_800,
        workers: 2,
        pairs: 500,
        rate: 20_000.0,
        seconds: 10.0,
        room: 50,
    };
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    if let Some(v) = value("--hold").and_then(|v| v.parse().ok()) {
        o.hold = v;
    }
    if let Some(v) = value("--workers").and_then(|v| v.parse().ok()) {
        o.workers = v;
    }
    if let Some(v) = value("--pairs").and_then(|v| v.parse().ok()) {
        o.pairs = v;
    }
    if let Some(v) = value("--rate").and_then(|v| v.parse().ok()) {
        o.rate = v;
    }
    if let Some(v) = value("--seconds").and_then(|v| v.parse().ok()) {
        o.seconds = v;
    }
    if let Some(v) = value("--room").and_then(|v| v.parse().ok()) {
        o.room = v;
    }
    o
}

#[tokio::main]
async fn main() {
    let nofile = proc::raise_nofile();
    if std::env::var_os("PEERCALL_BENCH_WORKER").is_some() {
        hold::worker().await;
        return;
    }
    let o = options();
    println!(
        "signal load bench: {o:?}; RLIMIT_NOFILE {nofile}; {} CPUs",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let mut server = Command::new(SERVER)
        .args(["--host", "127.0.0.1", "--port", "0", "--room-size", "1000"])
        // Tens of thousands of connections from a few loopback addresses: no caps.
        .args(["--max-connections", "0", "--max-connections-per-ip", "0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start peercall-signal");
    let pid = server.id().expect("server pid");
    let mut lines = BufReader::new(server.stdout.take().expect("stdout")).lines();
    let url = loop {
        let line = lines
            .next_line()
            .await
            .expect("server stdout")
            .expect("server printed its URL");
        if let Some(u) = line.trim().strip_prefix("ws://") {
            break format!("ws://{u}");
        }
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss0 = proc::rss_kib(pid);
    println!(
        "server {url} pid {pid}: idle RSS {:.1} MiB",
        rss0 as f64 / 1024.0
    );

    // Idle connections, spread over worker processes and source addresses.
    let started = Instant::now();
    let per = o.hold.div_ceil(o.workers.max(1));
    let mut workers = Vec::new();
    for w in 0..o.workers {
        let count = per.min(o.hold.saturating_sub(w * per));
        workers.push(hold::spawn_worker(&url, count, w, o.room).await);
    }
    let mut held = 0;
    let mut failed = 0;
    for w in &mut workers {
        let (ok, bad) = w.ready().await;
        held += ok;
        failed += bad;
    }
    let connect_secs = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss1 = proc::rss_kib(pid);
    let per_conn = (rss1.saturating_sub(rss0)) as f64 * 1024.0 / held.max(1) as f64;
    println!(
        "held {held} idle connections ({failed} failed) in {connect_secs:.1} s; server RSS {:.1} MiB => {:.1} KiB per connection; 50,000 would need ~{:.0} MiB",
        rss1 as f64 / 1024.0,
        per_conn / 1024.0,
        (rss0 as f64 * 1024.0 + per_conn * 50_000.0) / (1024.0 * 1024.0),
    );

    let report = latency::run(&url, o.pairs, o.rate, Duration::from_secs_f64(o.seconds)).await;
    println!("{report}");
    let rss2 = proc::rss_kib(pid);
    println!(
        "server RSS after the relay phase {:.1} MiB; server CPU time {:.1} s",
        rss2 as f64 / 1024.0,
        proc::cpu_secs(pid)
    );

    drop(workers);
    proc::terminate(pid);
    let status = tokio::time::timeout(Duration::from_secs(30), server.wait()).await;
    println!("server exit after SIGTERM: {status:?}");
}
