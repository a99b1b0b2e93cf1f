use super::*;
use crate::engine::netwatch::Fingerprint;

/// Default route via 10.0.1.1 on eth0.
const VIA_ETH0: &str = "\
Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t0101000A\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t0001000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
";
/// Default route via 10.0.3.1 on eth1 (Wi-Fi to Ethernet, or another network).
const VIA_ETH1: &str = "\
Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth1\t00000000\t0103000A\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth1\t0003000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
";
/// Both: a second interface came up with its own default route.
const VIA_BOTH: &str = "\
Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t0101000A\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth1\t00000000\t0103000A\t0003\t0\t0\t100\t00000000\t0\t0\t0
";

fn net(addrs: &[&str], routes: &str) -> Fingerprint {
    Fingerprint::new(addrs.iter().filter_map(|a| a.parse().ok()), routes)
}

fn change(before: Fingerprint, after: Fingerprint) -> NetChange {
    NetChange { before, after }
}

fn path(local: &str, remote: &str, base: Option<&str>) -> SelectedPath {
    SelectedPath {
        local_kind: local.to_owned(),
        remote_kind: remote.to_owned(),
        base: base.and_then(|b| b.parse().ok()),
    }
}

#[test]
fn a_restart_only_when_the_change_can_have_broken_the_path() {
    let home = net(&["10.0.1.10", "2001:db8::10"], VIA_ETH0);
    let direct = path("host", "prflx", Some("10.0.1.10"));
    let lan = path("host", "host", Some("10.0.1.10"));
    let srflx = path("srflx", "srflx", Some("10.0.1.10"));
    let relay = path("relay", "srflx", None);
    let v6 = path("host", "host", Some("2001:db8::10"));
    let restart = |why| Verdict::Restart(why);
    let keep = Verdict::Keep("the call's path is intact");
    // (case, network after, path, verdict)
    let table = [
        (
            "an IPv6 temporary address rotated: one added, another gone",
            net(&["10.0.1.10", "2001:db8::77"], VIA_ETH0),
            Some(&direct),
            keep,
        ),
        (
            "a second address on the same interface, same route",
            net(&["10.0.1.10", "10.0.1.20", "2001:db8::10"], VIA_ETH0),
            Some(&srflx),
            keep,
        ),
        (
            "a second interface without a default route (a VPN, a container bridge)",
            net(&["10.0.1.10", "2001:db8::10", "172.17.0.1"], VIA_ETH0),
            Some(&relay),
            keep,
        ),
        (
            "the path's own address went away",
            net(&["10.0.1.11", "2001:db8::10"], VIA_ETH0),
            Some(&direct),
            restart("the path's local address went away"),
        ),
        (
            "moved to another network: new address, new route",
            net(&["10.0.3.10"], VIA_ETH1),
            Some(&srflx),
            restart("the path's local address went away"),
        ),
        (
            "same address, but the default route moved to another gateway",
            net(&["10.0.1.10", "2001:db8::10", "10.0.3.10"], VIA_ETH1),
            Some(&srflx),
            restart("the default route moved"),
        ),
        (
            "a second interface came up with a default route of its own",
            net(&["10.0.1.10", "2001:db8::10", "10.0.3.10"], VIA_BOTH),
            Some(&direct),
            restart("the default route moved"),
        ),
        (
            "the default route moved under a host-to-host call on the LAN",
            net(&["10.0.1.10", "2001:db8::10", "10.0.3.10"], VIA_BOTH),
            Some(&lan),
            keep,
        ),
        (
            "a relayed call: an address went away (its socket's is not known)",
            net(&["10.0.1.10"], VIA_ETH0),
            Some(&relay),
            restart("an address went away and the path's own is not known"),
        ),
        (
            "a relayed call: the route moved",
            net(&["10.0.1.10", "2001:db8::10"], VIA_ETH1),
            Some(&relay),
            restart("the default route moved"),
        ),
        (
            "an IPv6 host path whose address went away, the IPv4 one stays",
            net(&["10.0.1.10"], VIA_ETH0),
            Some(&v6),
            restart("the path's local address went away"),
        ),
        (
            "no pair selected yet",
            net(&["10.0.1.10", "2001:db8::10", "10.0.1.20"], VIA_ETH0),
            None,
            restart("the call has no selected path yet"),
        ),
    ];
    for (case, after, path, verdict) in table {
        assert_eq!(judge(&change(home.clone(), after), path), verdict, "{case}");
    }
}

#[test]
fn the_path_comes_from_the_stats() {
    let stats = |local: Option<&str>, remote: Option<&str>, base: Option<&str>| CallStats {
        candidate_type: local.map(str::to_owned),
        remote_candidate_type: remote.map(str::to_owned),
        local_base: base.and_then(|b| b.parse().ok()),
        ..CallStats::default()
    };
    assert_eq!(SelectedPath::from_stats(&stats(None, None, None)), None);
    assert_eq!(
        SelectedPath::from_stats(&stats(Some("host"), Some("srflx"), Some("10.0.1.10"))),
        Some(path("host", "srflx", Some("10.0.1.10")))
    );
    // A relay candidate's related address is the mapped one, never our socket's.
    assert_eq!(
        SelectedPath::from_stats(&stats(Some("relay"), Some("host"), Some("203.0.113.101"))),
        Some(path("relay", "host", None))
    );
    // A link-local base is not in the watcher's picture: unknown, not "gone".
    assert_eq!(
        SelectedPath::from_stats(&stats(Some("host"), Some("host"), Some("fe80::1"))),
        Some(path("host", "host", None))
    );
    // No remote type: the peer's end was learned from its checks.
    assert_eq!(
        SelectedPath::from_stats(&stats(Some("srflx"), None, Some("10.0.1.10"))),
        Some(path("srflx", "prflx", Some("10.0.1.10")))
    );
}
