//! `peercall-bench`: runs the `peercall-signal` binary and two `peercall-agent`
//! processes on loopback for a call of N seconds at a given resolution, and prints the
//! figures of both directions as a Markdown table (see `docs/bench-engine.md`).
//!
//! ```text
//! cargo build --release -p peercall-agent -p peercall-signal
//! target/release/peercall-bench --resolution 1280x720 --fps 30 --seconds 30
//! ```

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

struct Opts {
    resolution: String,
    fps: String,
    seconds: String,
    runs: u32,
}

fn parse() -> Result<Opts, String> {
    let mut o = Opts {
        resolution: "640x480".into(),
        fps: "30".into(),
        seconds: "30".into(),
        runs: 1,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--resolution" => o.resolution = value()?,
            "--fps" => o.fps = value()?,
            "--seconds" => o.seconds = value()?,
            "--runs" => o.runs = value()?.parse().map_err(|_| "bad --runs".to_owned())?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(o)
}

fn sibling(name: &str) -> Result<PathBuf, String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let path = me.with_file_name(name);
    if path.exists() {
        Ok(path)
    } else {
        Err(format!("{} not found: build it first", path.display()))
    }
}

fn server() -> Result<(Child, String), String> {
    let mut child = Command::new(sibling("peercall-signal")?)
        .args(["--host", "127.0.0.1", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| e.to_string())?;
        if let Some(u) = line.split_whitespace().find(|w| w.starts_with("ws://")) {
            return Ok((child, u.to_owned()));
        }
    }
    Err("the server printed no URL".into())
}

fn agent(url: &str, name: &str, o: &Opts, extra: &[&str]) -> Result<Child, String> {
    Command::new(sibling("peercall-agent")?)
        .args([
            "--server",
            url,
            "--name",
            name,
            "--bind",
            "127.0.0.1:0",
            "--report",
            "json",
        ])
        .args(["--resolution", &o.resolution, "--fps", &o.fps])
        .args(extra)
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())
}

fn report(child: Child) -> Result<Value, String> {
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.lines().last().unwrap_or("{}")).map_err(|e| e.to_string())
}

fn f(v: &Value) -> String {
    v.as_f64().map_or("–".into(), |x| format!("{x:.1}"))
}

fn run(o: &Opts) -> Result<(), String> {
    let (mut srv, url) = server()?;
    let bob = agent(&url, "bob", o, &["--auto-answer"])?;
    let alice = agent(
        &url,
        "alice",
        o,
        &["--call", "bob", "--duration", &o.seconds],
    )?;
    let a = report(alice)?;
    let b = report(bob)?;
    let _ = srv.kill();
    let _ = srv.wait();
    for (dir, rx, tx) in [("bob→alice", &a, &b), ("alice→bob", &b, &a)] {
        println!(
            "| {} @{} | {} | {} ms | {} ms | {} / {} ms | {} of {} ({} lost) | {} % | {} MB |",
            o.resolution,
            o.fps,
            dir,
            f(&a["setupMs"]["offerToConnected"]),
            f(&rx["setupMs"]["offerToFirstFrame"]),
            f(&rx["video"]["latencyMs"]["p50"]),
            f(&rx["video"]["latencyMs"]["p95"]),
            rx["video"]["framesReceived"],
            tx["video"]["framesSent"],
            rx["video"]["framesLost"],
            f(&rx["cpuPercent"]),
            f(&rx["rssMb"]),
        );
    }
    Ok(())
}

fn main() {
    let o = match parse() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("peercall-bench: {e}");
            std::process::exit(2);
        }
    };
    println!("| size | direction | offer→connected | offer→first frame | glass-to-glass p50 / p95 | frames received of sent | CPU (receiver) | RSS (receiver) |");
    println!("|---|---|---|---|---|---|---|---|");
    for _ in 0..o.runs {
        if let Err(e) = run(&o) {
            eprintln!("peercall-bench: {e}");
            std::process::exit(1);
        }
    }
}
