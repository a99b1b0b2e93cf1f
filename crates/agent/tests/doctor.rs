//! `peercall-agent --doctor` against real components on loopback: the real
//! `peercall-signal` binary minting TURN credentials for a real coturn (Debian's
//! `turnserver`) started here. A working setup → server, STUN and TURN lines ok; a dead
//! server URL → its line fails, the network lines are skipped, the exit is non-zero; a
//! TURN secret coturn does not share → the TURN line fails and says so; a `wss://` server
//! whose certificate nobody vouches for → "the server's certificate is not valid". In the NAT lab
//! (`common/natlab.rs`) with two STUN servers, the side behind a symmetric NAT is told
//! "changes ports per destination" and the side behind a cone NAT "keeps one public
//! port". Without coturn (or root for the lab) these tests are skipped (and fail under
//! `CI=true`).

mod common;

use std::io::{BufRead, BufReader, Read};
use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// coturn on 127.0.0.1, answering STUN and allocating with `use-auth-secret`.
struct Coturn {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Drop for Coturn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether `turnserver` is installed; without it, skipped (a failure under `CI=true`).
fn coturn_available() -> bool {
    let found = Command::new("turnserver")
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "`turnserver` (coturn) is missing: scripts/packages.sh installs it"
        );
        eprintln!("skipped: `turnserver` (coturn) is not installed");
    }
    found
}

/// A port free on loopback for both UDP and TCP right now.
fn free_port() -> u16 {
    loop {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("bind udp");
        let port = udp.local_addr().expect("addr").port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() && port < 49_000 {
            return port;
        }
    }
}

impl Coturn {
    fn start(secret: &str) -> Self {
        let port = free_port();
        let dir =
            std::env::temp_dir().join(format!("peercall-doctor-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("coturn dir");
        let conf = [
            "listening-ip=127.0.0.1".to_owned(),
            "relay-ip=127.0.0.1".to_owned(),
            format!("listening-port={port}"),
            "min-port=49152".to_owned(),
            "max-port=65535".to_owned(),
            "realm=peercall.test".to_owned(),
            "use-auth-secret".to_owned(),
            format!("static-auth-secret={secret}"),
        ];
        let conf_path = common::coturn::write_config(&dir, "turnserver.conf", &conf);
        let log = std::fs::File::create(dir.join("turn.log")).expect("turn.log");
        let child = Command::new("turnserver")
            .arg("-c")
            .arg(&conf_path)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("spawn turnserver");
        let coturn = Coturn { child, port, dir };
        assert!(
            stun_answers(port, Duration::from_secs(20)),
            "coturn did not answer STUN: {}",
            std::fs::read_to_string(coturn.dir.join("turn.log")).unwrap_or_default()
        );
        coturn
    }
}

/// Sends STUN binding requests to 127.0.0.1:`port` until one is answered.
fn stun_answers(port: u16, limit: Duration) -> bool {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    socket
        .set_read_timeout(Some(Duration::from_millis(50)))
        .expect("timeout");
    // A binding request: type 0x0001, length 0, the magic cookie, a transaction id.
    let mut request = vec![0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42];
    request.extend_from_slice(b"doctor-check");
    let start = Instant::now();
    let mut buf = [0u8; 512];
    while start.elapsed() < limit {
        let _ = socket.send_to(&request, ("127.0.0.1", port));
        if socket.recv_from(&mut buf).is_ok_and(|(n, _)| n >= 20) {
            return true;
        }
    }
    false
}

/// `peercall-signal` on loopback handing out coturn, minting with `secret`.
struct Signal {
    child: Child,
    url: String,
}

impl Drop for Signal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_signal(turn_port: u16, secret: &str) -> Signal {
    let stun = format!("stun:127.0.0.1:{turn_port}");
    let turn = format!("turn:127.0.0.1:{turn_port}?transport=udp");
    let args = ["--stun", &stun, "--turn-url", &turn, "--turn-without-token"];
    spawn_signal(&args, &[("PEERCALL_TURN_SECRET", secret)])
}

/// `peercall-signal` on loopback with `args`; returns once it printed its URL.
fn spawn_signal(args: &[&str], env: &[(&str, &str)]) -> Signal {
    let mut child = Command::new(common::signal_bin())
        .args(["--host", "127.0.0.1", "--port", "0"])
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn peercall-signal");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    let url = loop {
        line.clear();
        let n = stdout.read_line(&mut line).expect("read server stdout");
        assert!(n > 0, "peercall-signal exited before listening");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("ws://") || w.starts_with("wss://"));
        if let Some(u) = url {
            break u.to_owned();
        }
    };
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = stdout.read_to_end(&mut sink);
    });
    Signal { child, url }
}

/// Runs `peercall-agent --doctor` on `server` with the `video` source and `extra` flags.
fn doctor(server: &str, video: &str, extra: &[&str]) -> Output {
    Command::new(common::agent_bin())
        .args([
            "--doctor", "--server", server, "--video", video, "--audio", "tone",
        ])
        .args(extra)
        .stdin(Stdio::null())
        .output()
        .expect("run peercall-agent --doctor")
}

/// The JSON lines of a `--report json` run, by check name: (status, detail, advice).
fn lines(out: &Output) -> Vec<(String, String, String, String)> {
    let text = String::from_utf8_lossy(&out.stdout);
    let all: Vec<Value> = serde_json::from_str(text.trim()).unwrap_or_else(|e| {
        panic!(
            "not a JSON list ({e}): {text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    all.iter()
        .map(|l| {
            let s = |k: &str| l[k].as_str().unwrap_or_default().to_owned();
            (s("check"), s("status"), s("detail"), s("advice"))
        })
        .collect()
}

fn line<'a>(
    all: &'a [(String, String, String, String)],
    check: &str,
) -> &'a (String, String, String, String) {
    all.iter()
        .find(|l| l.0 == check)
        .unwrap_or_else(|| panic!("no {check} line in {all:?}"))
}

#[test]
fn a_working_server_stun_and_turn_are_green() {
    if !coturn_available() {
        return;
    }
    let coturn = Coturn::start("doctor-secret");
    let signal = start_signal(coturn.port, "doctor-secret");
    let out = doctor(&signal.url, "test-pattern", &["--report", "json"]);
    let all = lines(&out);
    for check in ["server", "stun", "nat", "turn", "camera", "microphone"] {
        assert_eq!(line(&all, check).1, "ok", "{check}: {all:?}");
    }
    assert!(
        line(&all, "turn")
            .2
            .contains("granted a relay at 127.0.0.1:"),
        "{all:?}"
    );
    assert!(
        line(&all, "stun")
            .2
            .contains("seen from outside as 127.0.0.1:"),
        "{all:?}"
    );
    assert_eq!(line(&all, "speaker").1, "skipped", "{all:?}");
    assert!(out.status.success(), "{all:?}");

    let text = doctor(&signal.url, "test-pattern", &[]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("[ ok ] Server: connected to"), "{text}");
    assert!(text.contains("[ ok ] TURN relay: 127.0.0.1:"), "{text}");
}

#[test]
fn a_dead_server_fails_and_the_network_lines_are_skipped() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a port")
        .port();
    let url = format!("ws://127.0.0.1:{port}/ws");
    let out = doctor(&url, "no-such-camera", &["--report", "json"]);
    let all = lines(&out);
    let server = line(&all, "server");
    assert_eq!(server.1, "fail", "{all:?}");
    assert!(server.2.contains("nothing answers at"), "{all:?}");
    assert!(!server.3.is_empty(), "advice: {all:?}");
    for check in ["stun", "nat", "turn"] {
        let l = line(&all, check);
        assert_eq!(l.1, "skipped", "{check}: {all:?}");
        assert!(l.2.contains("did not answer"), "{check}: {all:?}");
    }
    // No camera of that id: a red line with advice, not a crash.
    let camera = line(&all, "camera");
    assert_eq!(camera.1, "fail", "{all:?}");
    assert!(camera.2.contains("the camera cannot be opened"), "{all:?}");
    assert_eq!(line(&all, "microphone").1, "ok", "{all:?}");
    assert!(!out.status.success(), "{all:?}");
}

#[test]
fn a_turn_secret_coturn_does_not_share_is_explained() {
    if !coturn_available() {
        return;
    }
    let coturn = Coturn::start("coturn-secret");
    let signal = start_signal(coturn.port, "another-secret");
    let out = doctor(&signal.url, "test-pattern", &["--report", "json"]);
    let all = lines(&out);
    assert_eq!(line(&all, "server").1, "ok", "{all:?}");
    assert_eq!(line(&all, "stun").1, "ok", "{all:?}");
    let turn = line(&all, "turn");
    assert_eq!(turn.1, "fail", "{all:?}");
    assert!(turn.2.contains("refused the credentials (401"), "{all:?}");
    assert!(turn.3.contains("PEERCALL_TURN_SECRET"), "{all:?}");
    assert!(!out.status.success(), "{all:?}");
}

#[test]
fn a_certificate_nobody_vouches_for_is_named() {
    let dir = std::env::temp_dir().join(format!("peercall-doctor-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    // A certificate nobody vouches for, made here (no `openssl` needed on the machine).
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])
        .expect("self-signed certificate");
    std::fs::write(&cert, made.cert.pem()).expect("cert.pem");
    std::fs::write(&key, made.key_pair.serialize_pem()).expect("key.pem");
    let (cert, key) = (cert.to_string_lossy(), key.to_string_lossy());
    let signal = spawn_signal(&["--cert", &cert, "--key", &key], &[]);
    assert!(signal.url.starts_with("wss://"), "{}", signal.url);
    let out = doctor(&signal.url, "test-pattern", &["--report", "json"]);
    let _ = std::fs::remove_dir_all(&dir);
    let all = lines(&out);
    let server = line(&all, "server");
    assert_eq!(server.1, "fail", "{all:?}");
    assert!(
        server
            .2
            .starts_with("the server's certificate is not valid: "),
        "{all:?}"
    );
    assert!(server.3.contains("self-signed"), "{all:?}");
    assert_eq!(line(&all, "turn").1, "skipped", "{all:?}");
    assert!(!out.status.success(), "{all:?}");
}

/// A STUN-only coturn at 203.0.113.10:`port` in the lab's server namespace (a second
/// destination for the NAT line to compare).
struct LabStun(Child, PathBuf);

impl Drop for LabStun {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = std::fs::remove_dir_all(&self.1);
    }
}

fn lab_stun(srv: &common::netns::Netns, port: u16) -> LabStun {
    let dir = std::env::temp_dir().join(format!("peercall-doctor-lab-{}", srv.name));
    std::fs::create_dir_all(&dir).expect("dir");
    let conf = [
        format!("listening-ip={}", common::natlab::SERVER_IP),
        format!("listening-port={port}"),
        "min-port=49400".to_owned(),
        "max-port=49410".to_owned(),
        "realm=peercall.lab".to_owned(),
        "no-auth".to_owned(),
    ];
    let path = common::coturn::write_config(&dir, "stun.conf", &conf);
    let child = srv
        .command("turnserver")
        .arg("-c")
        .arg(&path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn turnserver");
    let guard = LabStun(child, dir);
    assert!(
        common::natlab::udp_port_bound(srv, &port.to_string(), Duration::from_secs(20)),
        "the second STUN server never bound"
    );
    guard
}

#[test]
fn a_symmetric_nat_is_told_apart_from_a_cone() {
    use common::natlab::{Nat, NatLab, PROGRAMS, SERVER_IP};
    if !common::netns::prerequisites("a_symmetric_nat_is_told_apart_from_a_cone", PROGRAMS) {
        return;
    }
    // Side A behind a symmetric NAT, side B behind a cone; a signaling server at .11
    // hands out two STUN servers (.10:3478, the lab's coturn, and .10:3578).
    let lab = NatLab::up(Nat::Symmetric, Nat::Cone);
    let _second = lab_stun(&lab.srv, 3578);
    lab.srv
        .sh(&["ip", "addr", "add", "203.0.113.11/24", "dev", "eth0"]);
    let one = format!("stun:{SERVER_IP}:3478");
    let two = format!("stun:{SERVER_IP}:3578");
    let mut signal = common::natlab::signal_in(
        &lab.srv,
        "203.0.113.11",
        &["--stun", &one, "--stun", &two],
        &[],
    );
    let url = "ws://203.0.113.11:7788/ws";
    let run = |host: &common::netns::Netns| {
        host.command(common::agent_bin())
            .args(["--doctor", "--report", "json", "--server", url])
            .args(["--video", "test-pattern", "--audio", "tone"])
            .stdin(Stdio::null())
            .output()
            .expect("run the doctor in the lab")
    };
    let (a, b) = (run(&lab.a), run(&lab.b));
    let _ = signal.kill();
    let _ = signal.wait();
    let (a, b) = (lines(&a), lines(&b));
    for all in [&a, &b] {
        assert_eq!(line(all, "server").1, "ok", "{all:?}");
        assert_eq!(line(all, "stun").1, "ok", "{all:?}");
        assert!(line(all, "stun").2.contains("203.0.113.10"), "{all:?}");
        assert_eq!(line(all, "turn").1, "warn", "{all:?}");
    }
    let nat_a = line(&a, "nat");
    assert_eq!(nat_a.1, "warn", "{a:?}");
    assert!(nat_a.2.contains("changes ports per destination"), "{a:?}");
    let nat_b = line(&b, "nat");
    assert_eq!(nat_b.1, "ok", "{b:?}");
    assert!(nat_b.2.contains("keeps one public port"), "{b:?}");
}
