use super::*;

fn seen(ip: &str, ifaces: &[&str]) -> SeenAddr {
    SeenAddr {
        ip: ip.parse().expect("test address"),
        interfaces: ifaces.iter().map(|s| (*s).to_owned()).collect(),
    }
}

fn sighting(fullname: &str, addrs: Vec<SeenAddr>) -> Sighting {
    Sighting {
        fullname: fullname.to_owned(),
        host: "alice-laptop.local.".to_owned(),
        port: 7788,
        addrs,
        scheme: None,
    }
}

const ALICE: &str = "Alice._peercall._tcp.local.";

#[test]
fn the_url_and_where_it_was_found_come_from_the_preferred_address() {
    // (addresses as announced, url, found_on)
    let table = [
        (
            vec![seen("10.0.0.5", &["wlan0"])],
            "ws://10.0.0.5:7788/ws",
            "10.0.0.5 on wlan0",
        ),
        // IPv4 before IPv6, whatever order they came in
        (
            vec![seen("fe80::1", &["eth0"]), seen("192.168.1.7", &["eth0"])],
            "ws://192.168.1.7:7788/ws",
            "192.168.1.7 on eth0",
        ),
        // a global IPv6 address before a link-local one, in brackets
        (
            vec![seen("fe80::1", &["eth0"]), seen("2001:db8::7", &["eth0"])],
            "ws://[2001:db8::7]:7788/ws",
            "2001:db8::7 on eth0",
        ),
        // seen on two interfaces (Wi-Fi and a cable to the same LAN)
        (
            vec![seen("10.0.0.5", &["eth0", "wlan0"])],
            "ws://10.0.0.5:7788/ws",
            "10.0.0.5 on eth0, wlan0",
        ),
        // no interface known: just the address
        (
            vec![seen("10.0.0.5", &[])],
            "ws://10.0.0.5:7788/ws",
            "10.0.0.5",
        ),
        // a routable address before a link-local IPv4 one
        (
            vec![seen("169.254.9.9", &["eth0"]), seen("10.0.0.9", &["eth0"])],
            "ws://10.0.0.9:7788/ws",
            "10.0.0.9 on eth0",
        ),
    ];
    for (i, (addrs, url, found_on)) in table.into_iter().enumerate() {
        let mut list = HostList::default();
        assert!(list.resolved(sighting(ALICE, addrs)), "row {i}");
        let hosts = list.hosts(None);
        assert_eq!(hosts.len(), 1, "row {i}");
        assert_eq!(hosts[0].url, url, "row {i}");
        assert_eq!(hosts[0].found_on, found_on, "row {i}");
    }
}

#[test]
fn a_wss_host_gets_a_wss_url() {
    let mut list = HostList::default();
    let mut s = sighting(ALICE, vec![seen("10.0.0.5", &["eth0"])]);
    s.scheme = Some("wss".to_owned());
    list.resolved(s);
    assert_eq!(list.hosts(None)[0].url, "wss://10.0.0.5:7788/ws");
}

#[test]
fn a_sighting_without_a_usable_address_is_not_offered() {
    let mut list = HostList::default();
    assert!(!list.resolved(sighting(ALICE, vec![])));
    assert!(!list.resolved(sighting(ALICE, vec![seen("0.0.0.0", &["eth0"])])));
    assert!(list.hosts(None).is_empty());
}

#[test]
fn resolving_again_changes_the_list_only_when_something_changed() {
    let mut list = HostList::default();
    let first = sighting(ALICE, vec![seen("10.0.0.5", &["eth0"])]);
    assert!(list.resolved(first.clone()));
    assert!(!list.resolved(first), "the same answer again");
    assert!(list.resolved(sighting(ALICE, vec![seen("10.0.0.6", &["eth0"])])));
    assert_eq!(list.hosts(None)[0].url, "ws://10.0.0.6:7788/ws");
}

#[test]
fn a_goodbye_removes_the_host_and_our_own_announcement_is_left_out() {
    let bob = "Bob._peercall._tcp.local.";
    let mut list = HostList::default();
    list.resolved(sighting(ALICE, vec![seen("10.0.0.5", &["eth0"])]));
    list.resolved(sighting(bob, vec![seen("10.0.0.6", &["eth0"])]));
    let names: Vec<String> = list.hosts(Some(bob)).into_iter().map(|h| h.name).collect();
    assert_eq!(names, ["Alice"]);
    assert!(list.removed(ALICE));
    assert!(!list.removed(ALICE), "already gone");
    assert_eq!(list.hosts(None).len(), 1);
}

#[test]
fn instance_names_are_unescaped() {
    let table = [
        ("Alice._peercall._tcp.local.", "Alice"),
        (r"Alice\032Smith._peercall._tcp.local.", "Alice Smith"),
        (r"Dr\.\ Who._peercall._tcp.local.", "Dr. Who"),
        ("Anna Łukasz._peercall._tcp.local.", "Anna Łukasz"),
        ("something-else", "something-else"),
    ];
    for (fullname, name) in table {
        assert_eq!(instance_name(fullname), name, "{fullname}");
    }
}
