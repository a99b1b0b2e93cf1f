//! The whole connection handler driven by scripts instead of sockets (the harness the
//! `handler` fuzz target uses): two peers meet, relay, hit a limit, leave.

use peercall_signal::server::scripted::{fuzz_config, run, Frame};
use serde_json::Value;

fn text(s: &str) -> Frame {
    Frame::Text(s.to_owned())
}

fn parse(out: &[String]) -> Vec<Value> {
    out.iter()
        .map(|t| serde_json::from_str(t).expect("server writes JSON"))
        .collect()
}

#[test]
fn two_scripted_peers_relay_and_hit_limits() {
    let a = vec![
        text(r#"{"type":"hello","protocol":1,"name":"A","room":"r"}"#),
        Frame::Ping,
        Frame::Ping,
        text(r#"{"type":"signal","to":"@1","from":"forged","data":{"kind":"hangup","call":"c"}}"#),
        Frame::Binary(vec![1, 2, 3]),
        text(&format!(
            r#"{{"type":"update","name":"{}"}}"#,
            "x".repeat(600)
        )),
        Frame::Close,
    ];
    let b = vec![
        text(r#"{"type":"hello","protocol":1,"name":"B","room":"r"}"#),
        Frame::Ping,
        Frame::Ping,
        Frame::Ping,
        Frame::Ping,
        Frame::Ping,
        Frame::Ping,
        Frame::Close,
    ];
    let out = run(fuzz_config(), vec![a, b]);
    let (a, b) = (parse(&out[0]), parse(&out[1]));
    assert_eq!(a[0]["type"], "welcome");
    assert_eq!(b[0]["type"], "welcome");
    let id_a = a[0]["id"].clone();
    let signal = b
        .iter()
        .find(|m| m["type"] == "signal")
        .expect("B got the relay");
    assert_eq!(signal["from"], id_a);
    let codes: Vec<&str> = a.iter().filter_map(|m| m["code"].as_str()).collect();
    assert_eq!(codes, ["bad-json", "too-large"]);
}

#[test]
fn no_hello_first_is_refused() {
    let out = run(
        fuzz_config(),
        vec![vec![text(r#"{"type":"update","busy":true}"#)]],
    );
    let msgs = parse(&out[0]);
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0]["code"], "hello-required");
}
