//! Two machines on one Ethernet: namespaces A and B, each with `eth0` on 10.0.9.0/24, the
//! two ends of one veth pair, with a route for multicast (mDNS) as a LAN's default route
//! gives. No veth end is in the root namespace: nothing leaves.

use std::time::{Duration, Instant};

use super::netns::{ip, Netns};

pub const A_IP: &str = "10.0.9.1";
pub const B_IP: &str = "10.0.9.2";

/// A and B, linked and running.
pub fn two_machines() -> (Netns, Netns) {
    let (a, b) = (Netns::add("lana"), Netns::add("lanb"));
    ip(&[
        "link", "add", "eth0", "netns", &a.name, "type", "veth", "peer", "name", "eth0", "netns",
        &b.name,
    ]);
    for (ns, addr) in [(&a, A_IP), (&b, B_IP)] {
        ns.sh(&["ip", "addr", "add", &format!("{addr}/24"), "dev", "eth0"]);
        ns.sh(&["ip", "link", "set", "eth0", "up"]);
        ns.sh(&["ip", "route", "add", "224.0.0.0/4", "dev", "eth0"]);
    }
    for ns in [&a, &b] {
        wait_until_running(ns);
    }
    (a, b)
}

/// A veth is usable (`IFF_RUNNING`, what mDNS daemons look for) a moment after both ends
/// are up.
fn wait_until_running(ns: &Netns) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let out = ns
            .command("cat")
            .arg("/sys/class/net/eth0/operstate")
            .output()
            .expect("read operstate");
        if String::from_utf8_lossy(&out.stdout).trim() == "up" {
            return;
        }
        assert!(Instant::now() < deadline, "{}: eth0 never came up", ns.name);
        std::thread::sleep(Duration::from_millis(20));
    }
}
