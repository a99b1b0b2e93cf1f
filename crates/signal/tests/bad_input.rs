//! Every malformed message gets its specified error, the connection stays up, and other
//! clients are unaffected.

mod common;
use common::*;
use serde_json::json;

#[tokio::test]
async fn each_bad_message_gets_its_error_and_the_server_goes_on() {
    let server = start_fast().await;
    let url = server.url();
    let (mut a, _) = Raw::join(&url, "A", "r").await;
    let (mut b, id_b) = Raw::join(&url, "B", "r").await;
    a.recv_type("peer-joined").await;

    let cases: Vec<(String, &str, Option<&str>)> = vec![
        ("this is not json".into(), "bad-json", None),
        ("{\"type\":\"signal\"".into(), "bad-json", None),
        ("[1,2,3]".into(), "bad-json", None),
        ("42".into(), "bad-json", None),
        ("null".into(), "bad-json", None),
        ("{}".into(), "bad-field", Some("type")),
        (json!({"type": 5}).to_string(), "bad-field", Some("type")),
        (json!({"type": "dance"}).to_string(), "unknown-type", None),
        (
            json!({"type": "signal", "data": {}}).to_string(),
            "bad-field",
            Some("to"),
        ),
        (
            json!({"type": "signal", "to": 7, "data": {}}).to_string(),
            "bad-field",
            Some("to"),
        ),
        (
            json!({"type": "signal", "to": id_b}).to_string(),
            "bad-field",
            Some("data"),
        ),
        (
            json!({"type": "signal", "to": id_b, "data": "x"}).to_string(),
            "bad-field",
            Some("data"),
        ),
        (
            json!({"type": "update", "busy": "yes"}).to_string(),
            "bad-field",
            Some("busy"),
        ),
        (
            json!({"type": "update", "name": 3}).to_string(),
            "bad-field",
            Some("name"),
        ),
        (
            json!({"type": "update", "name": ""}).to_string(),
            "bad-name",
            Some("name"),
        ),
        (
            json!({"type": "update", "name": "   "}).to_string(),
            "bad-name",
            Some("name"),
        ),
        (
            json!({"type": "update", "name": "x".repeat(65)}).to_string(),
            "bad-name",
            Some("name"),
        ),
        (
            json!({"type": "update", "name": "bad\u{0}name"}).to_string(),
            "bad-name",
            Some("name"),
        ),
        (
            json!({"type": "update", "name": "line\nbreak"}).to_string(),
            "bad-name",
            Some("name"),
        ),
        (
            json!({"type": "hello", "protocol": 1, "name": "again"}).to_string(),
            "duplicate-hello",
            None,
        ),
    ];
    for (text, code, field) in cases {
        a.send_text(&text).await;
        let e = a.expect_error(code).await;
        if let Some(field) = field {
            assert_eq!(e["field"], field, "for {text}");
        }
    }
    a.send_binary(b"\x00\x01binary").await;
    a.expect_error("bad-json").await;

    // A 64-character name is fine; B sees it.
    a.send_json(json!({"type":"update","name":"y".repeat(64)}))
        .await;
    let upd = b.recv_type("peer-updated").await;
    assert_eq!(upd["peer"]["name"], "y".repeat(64));

    a.assert_alive().await;
    b.assert_alive().await;
    server.shutdown().await;
}

#[tokio::test]
async fn bad_hello_fields_are_refused_and_closed() {
    let server = start_fast().await;
    let url = server.url();
    let (mut bystander, _) = Raw::join(&url, "Bystander", "r").await;
    let cases = [
        (json!({"type":"hello","name":"x"}), "bad-field"),
        (
            json!({"type":"hello","protocol":"1","name":"x"}),
            "bad-field",
        ),
        (json!({"type":"hello","protocol":1}), "bad-field"),
        (json!({"type":"hello","protocol":1,"name":7}), "bad-field"),
        (json!({"type":"hello","protocol":1,"name":""}), "bad-name"),
        (
            json!({"type":"hello","protocol":1,"name":"a\u{7}"}),
            "bad-name",
        ),
        (
            json!({"type":"hello","protocol":1,"name":"é".repeat(65)}),
            "bad-name",
        ),
        (
            json!({"type":"hello","protocol":1,"name":"x","room":""}),
            "bad-field",
        ),
        (
            json!({"type":"hello","protocol":1,"name":"x","room":5}),
            "bad-field",
        ),
    ];
    for (hello, code) in cases {
        let mut r = Raw::connect(&url).await;
        r.send_json(hello).await;
        r.expect_error(code).await;
        assert_eq!(r.expect_close().await, Some(1008));
    }
    bystander.assert_alive().await;
    server.shutdown().await;
}
