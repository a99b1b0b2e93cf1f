//! A NAT lab built from network namespaces (the recipe of `nat-lab.md`): a "public"
//! bridge 203.0.113.0/24 holding the real `peercall-signal` server and a real coturn
//! (`use-auth-secret` = the server's TURN secret) at .10, and two private LANs
//! 10.0.1.0/24 (side A) and 10.0.2.0/24 (side B), each behind its own NAT namespace
//! (.101, .102) doing iptables MASQUERADE, endpoint-independent or symmetric
//! (`--random-fully`). No veth end is in the root namespace: lab packets cannot leave.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use super::netns::{ip, Netns};
use super::signal_bin;

/// How a NAT maps a LAN host's UDP source port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nat {
    /// MASQUERADE: one public port per socket, whatever the destination (EIM), with
    /// address-and-port-dependent filtering.
    Cone,
    /// MASQUERADE `--random-fully`: a new public port per destination (symmetric).
    Symmetric,
}

/// The server's address on the public segment.
pub const SERVER_IP: &str = "203.0.113.10";
/// The signaling server's port.
pub const SIGNAL_PORT: &str = "7788";
const TURN_PORT: &str = "3478";

/// Everything the lab runs; dropping it kills the processes and deletes the namespaces.
pub struct NatLab {
    // Field order = drop order: processes first, then the hosts, routers and bridge.
    signal: Child,
    turn: Child,
    pub a: Netns,
    pub b: Netns,
    pub nat_a: Netns,
    pub nat_b: Netns,
    pub srv: Netns,
    pub public: Netns,
    dir: PathBuf,
}

/// What the lab needs installed.
pub const PROGRAMS: &[&str] = &["ip", "ss", "iptables", "turnserver"];

impl NatLab {
    /// Builds the lab with these NATs in front of A and B and starts coturn and the
    /// signaling server, which hands out coturn as STUN and TURN server.
    pub fn up(nat_a: Nat, nat_b: Nat) -> Self {
        Self::build(nat_a, nat_b, true, true)
    }

    /// The same lab, but the signaling server hands out coturn as a STUN server only.
    pub fn up_without_turn(nat_a: Nat, nat_b: Nat) -> Self {
        Self::build(nat_a, nat_b, false, true)
    }

    /// The same lab with a hardened coturn that refuses (403) to relay to any private
    /// address, the lab's LANs included — for peers that do not filter the other side's
    /// private candidates themselves (browsers), whose allocation the default lab's
    /// coturn would close.
    pub fn up_hardened(nat_a: Nat, nat_b: Nat) -> Self {
        Self::build(nat_a, nat_b, true, false)
    }

    fn build(nat_a: Nat, nat_b: Nat, with_turn: bool, relay_to_lans: bool) -> Self {
        let public = Netns::add("pub");
        let srv = Netns::add("srv");
        public.sh(&["ip", "link", "add", "br0", "type", "bridge"]);
        public.sh(&["ip", "link", "set", "br0", "up"]);
        plug(&public, &srv, "eth0", "p-srv");
        srv.sh(&[
            "ip",
            "addr",
            "add",
            &format!("{SERVER_IP}/24"),
            "dev",
            "eth0",
        ]);
        srv.sh(&["ip", "link", "set", "eth0", "up"]);
        let (router_a, host_a) = private_lan(&public, 1, nat_a);
        let (router_b, host_b) = private_lan(&public, 2, nat_b);

        let dir = std::env::temp_dir().join(format!("peercall-{}", srv.name));
        std::fs::create_dir_all(&dir).expect("lab dir");
        let secret = format!("lab-{:016x}", rand_u64());
        let turn = start_coturn(&srv, &dir, &secret, relay_to_lans);
        let signal = start_signal(&srv, &secret, with_turn);
        Self {
            signal,
            turn,
            a: host_a,
            b: host_b,
            nat_a: router_a,
            nat_b: router_b,
            srv,
            public,
            dir,
        }
    }

    /// The signaling URL the agents use.
    pub fn server_url() -> String {
        format!("ws://{SERVER_IP}:{SIGNAL_PORT}/ws")
    }

    /// Where the signaling server serves the web client.
    pub fn web_url() -> String {
        format!("http://{SERVER_IP}:{SIGNAL_PORT}")
    }

    /// Moves side `i`'s host (1 = A, 2 = B) to another network behind the same router,
    /// as a laptop that changes networks mid-call: the router also serves
    /// 10.0.(i+2).0/24, the host takes 10.0.(i+2).10, loses 10.0.i.10 (and its default
    /// route with it) and routes through 10.0.(i+2).1. Sockets bound to the old address
    /// can never send again.
    pub fn move_host(&self, i: u8) {
        let (router, host) = match i {
            1 => (&self.nat_a, &self.a),
            _ => (&self.nat_b, &self.b),
        };
        let net = i + 2;
        router.sh(&[
            "ip",
            "addr",
            "add",
            &format!("10.0.{net}.1/24"),
            "dev",
            "lan",
        ]);
        // One `ip -batch`, as a network manager switches quickly: the address, the loss
        // of the old one and the new route land within a millisecond or so.
        let batch = self.dir.join(format!("move-{i}.ip"));
        let script = format!(
            "addr add 10.0.{net}.10/24 dev eth0\n\
             addr del 10.0.{i}.10/24 dev eth0\n\
             route replace default via 10.0.{net}.1\n"
        );
        std::fs::write(&batch, script).expect("write the ip batch");
        let batch = batch.to_str().expect("a UTF-8 path");
        host.sh(&["ip", "-batch", batch]);
    }

    /// The last lines of coturn's log (for a failure message).
    pub fn turn_log_tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(self.dir.join("turn.log")).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

impl Drop for NatLab {
    fn drop(&mut self) {
        for child in [&mut self.signal, &mut self.turn] {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A veth pair: `inner` in `ns`, `outer` in the bridge namespace, enslaved to br0.
fn plug(public: &Netns, ns: &Netns, inner: &str, outer: &str) {
    ip(&[
        "link",
        "add",
        inner,
        "netns",
        &ns.name,
        "type",
        "veth",
        "peer",
        "name",
        outer,
        "netns",
        &public.name,
    ]);
    public.sh(&["ip", "link", "set", outer, "master", "br0", "up"]);
}

/// LAN `i`: a router with `wan` 203.0.113.10i on the bridge and `lan` 10.0.i.1, and a
/// host 10.0.i.10 routed through it.
fn private_lan(public: &Netns, i: u8, nat: Nat) -> (Netns, Netns) {
    let router = Netns::add(&format!("nat{i}"));
    let host = Netns::add(&format!("host{i}"));
    plug(public, &router, "wan", &format!("p-nat{i}"));
    router.sh(&[
        "ip",
        "addr",
        "add",
        &format!("203.0.113.10{i}/24"),
        "dev",
        "wan",
    ]);
    router.sh(&["ip", "link", "set", "wan", "up"]);
    ip(&[
        "link",
        "add",
        "eth0",
        "netns",
        &host.name,
        "type",
        "veth",
        "peer",
        "name",
        "lan",
        "netns",
        &router.name,
    ]);
    router.sh(&["ip", "addr", "add", &format!("10.0.{i}.1/24"), "dev", "lan"]);
    router.sh(&["ip", "link", "set", "lan", "up"]);
    host.sh(&[
        "ip",
        "addr",
        "add",
        &format!("10.0.{i}.10/24"),
        "dev",
        "eth0",
    ]);
    host.sh(&["ip", "link", "set", "eth0", "up"]);
    host.sh(&[
        "ip",
        "route",
        "add",
        "default",
        "via",
        &format!("10.0.{i}.1"),
    ]);
    router.sh(&["sysctl", "-qw", "net.ipv4.ip_forward=1"]);
    let mut masquerade = vec![
        "iptables",
        "-t",
        "nat",
        "-A",
        "POSTROUTING",
        "-o",
        "wan",
        "-j",
        "MASQUERADE",
    ];
    if nat == Nat::Symmetric {
        masquerade.push("--random-fully");
    }
    router.sh(&masquerade);
    router.sh(&[
        "iptables",
        "-A",
        "FORWARD",
        "-i",
        "wan",
        "-m",
        "conntrack",
        "--ctstate",
        "ESTABLISHED,RELATED,DNAT",
        "-j",
        "ACCEPT",
    ]);
    router.sh(&["iptables", "-A", "FORWARD", "-i", "wan", "-j", "DROP"]);
    // Without this, a peer's first probe becomes an inbound conntrack entry and SNAT
    // then picks another port for our own first packet (nat-lab.md, pitfall 1).
    router.sh(&[
        "iptables",
        "-A",
        "INPUT",
        "-i",
        "wan",
        "-m",
        "conntrack",
        "--ctstate",
        "NEW",
        "-j",
        "DROP",
    ]);
    (router, host)
}

/// coturn on the server namespace. It refuses to relay to the private and special
/// ranges a public TURN server must not reach, except the lab's own two LANs: like a
/// server that cannot know a peer's private address is not its to reach, it relays
/// there (the lab's server has no route to them, so the send fails), which is what
/// the field report of issue 15 saw.
fn start_coturn(srv: &Netns, dir: &std::path::Path, secret: &str, relay_to_lans: bool) -> Child {
    let log = dir.join("turn.log");
    let mut conf = vec![
        format!("listening-ip={SERVER_IP}"),
        format!("relay-ip={SERVER_IP}"),
        format!("listening-port={TURN_PORT}"),
        "min-port=49152".into(),
        "max-port=49300".into(),
        "realm=peercall.lab".into(),
        "use-auth-secret".into(),
        format!("static-auth-secret={secret}"),
        "no-multicast-peers".into(),
        "denied-peer-ip=0.0.0.0-0.255.255.255".into(),
        "denied-peer-ip=10.0.0.0-10.255.255.255".into(),
        "denied-peer-ip=100.64.0.0-100.127.255.255".into(),
        "denied-peer-ip=127.0.0.0-127.255.255.255".into(),
        "denied-peer-ip=169.254.0.0-169.254.255.255".into(),
        "denied-peer-ip=172.16.0.0-172.31.255.255".into(),
        "denied-peer-ip=192.168.0.0-192.168.255.255".into(),
        "verbose".into(),
    ];
    if relay_to_lans {
        conf.push("allowed-peer-ip=10.0.1.0-10.0.2.255".into());
    }
    let conf_path = super::coturn::write_config(dir, "turnserver.conf", &conf);
    let out = std::fs::File::create(&log).expect("turn.log");
    let err = out.try_clone().expect("turn.log");
    let mut child = srv
        .command("turnserver")
        .arg("-c")
        .arg(&conf_path)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("spawn turnserver");
    if !udp_port_bound(srv, TURN_PORT, Duration::from_secs(20)) {
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "coturn did not bind its UDP port: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }
    child
}

/// Waits until a UDP socket in `ns` is bound to `port` (`ss` lists it).
pub fn udp_port_bound(ns: &Netns, port: &str, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        let listed = ns
            .command("ss")
            .args(["-Hlun", &format!("sport = :{port}")])
            .output()
            .is_ok_and(|o| !o.stdout.is_empty());
        if listed {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// `peercall-signal` on the server namespace, minting TURN credentials for coturn
/// unless `with_turn` is false.
fn start_signal(srv: &Netns, secret: &str, with_turn: bool) -> Child {
    let stun = format!("stun:{SERVER_IP}:{TURN_PORT}");
    // The web client with its test switches, for browsers in the lab.
    let web = repo_root().join("web");
    let web = web.to_str().expect("a UTF-8 path");
    if !with_turn {
        return signal_in(srv, SERVER_IP, &["--stun", &stun, "--static-dir", web], &[]);
    }
    let turn = format!("turn:{SERVER_IP}:{TURN_PORT}?transport=udp");
    // The lab has no token: minting for anyone is what it wants.
    let args = [
        "--stun",
        &stun,
        "--turn-url",
        &turn,
        "--turn-without-token",
        "--static-dir",
        web,
    ];
    signal_in(srv, SERVER_IP, &args, &[("PEERCALL_TURN_SECRET", secret)])
}

/// This repository's root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `peercall-signal` in `ns` on `host`:7788 with extra flags and environment; returns
/// once it listens.
pub fn signal_in(ns: &Netns, host: &str, args: &[&str], env: &[(&str, &str)]) -> Child {
    let mut child = ns
        .command(signal_bin())
        .args(["--host", host, "--port", SIGNAL_PORT])
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn peercall-signal in a namespace");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    loop {
        line.clear();
        let n = stdout.read_line(&mut line).expect("read server stdout");
        assert!(n > 0, "peercall-signal exited before listening");
        if line.contains("ws://") {
            break;
        }
    }
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = stdout.read_to_end(&mut sink);
    });
    child
}

/// 64 random bits without a dependency: the clock and the process id.
fn rand_u64() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ (u64::from(std::process::id()) << 32)
}
