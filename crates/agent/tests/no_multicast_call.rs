//! A machine without multicast: a namespace with only `lo` (not multicast-capable, no
//! route to 224.0.0.0/4), where `webrtc`'s mDNS socket cannot open (`No such device`).
//! The signaling server and both agents run in it, on 127.0.0.1; the call must connect
//! anyway, mDNS switched off.

mod common;
use common::labcall::{assert_worked, call_between, explain_with};
use common::natlab::{signal_in, SIGNAL_PORT};
use common::netns::{prerequisites, Netns};

#[test]
fn a_call_without_multicast_connects() {
    if !prerequisites("a_call_without_multicast_connects", &["ip"]) {
        return;
    }
    let ns = Netns::add("lo");
    let mut server = signal_in(&ns, "127.0.0.1", &[], &[]);
    let url = format!("ws://127.0.0.1:{SIGNAL_PORT}/ws");
    let bind = ["--bind", "127.0.0.1:0"];
    let (a, b) = call_between(&ns, &ns, &url, &bind, &bind);
    let _ = server.kill();
    let _ = server.wait();
    assert_worked(&a, &b, &explain_with(&a, &b, ""));
}
