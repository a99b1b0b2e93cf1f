//! Relay: every `data.kind` of the spec travels between real clients with a
//! server-stamped `from`; a forged `from` never arrives; unknown or departed peers get
//! `unknown-peer`; nothing crosses rooms.

mod common;
use common::*;
use peercall_signal::client::ClientEvent;
use peercall_signal::protocol::{IceCandidate, Media, RejectReason, SdpRole, SignalData};
use serde_json::json;

fn every_kind() -> Vec<SignalData> {
    let call = "c-42".to_string();
    vec![
        SignalData::Offer {
            call: call.clone(),
            sdp: "v=0 offer".into(),
            media: Media {
                audio: true,
                video: true,
            },
        },
        SignalData::Answer {
            call: call.clone(),
            sdp: "v=0 answer".into(),
        },
        SignalData::Reject {
            call: call.clone(),
            reason: RejectReason::Declined,
        },
        SignalData::Reject {
            call: call.clone(),
            reason: RejectReason::Busy,
        },
        SignalData::Reject {
            call: call.clone(),
            reason: RejectReason::Timeout,
        },
        SignalData::Cancel { call: call.clone() },
        SignalData::Candidate {
            call: call.clone(),
            candidate: IceCandidate {
                candidate: "candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host".into(),
                sdp_mid: Some("0".into()),
                sdp_mline_index: Some(0),
                username_fragment: None,
            },
        },
        SignalData::EndOfCandidates { call: call.clone() },
        SignalData::Renegotiate {
            call: call.clone(),
            sdp: "v=0 re".into(),
            role: SdpRole::Offer,
        },
        SignalData::Renegotiate {
            call: call.clone(),
            sdp: "v=0 re2".into(),
            role: SdpRole::Answer,
        },
        SignalData::Hangup { call },
    ]
}

#[tokio::test]
async fn every_kind_is_relayed_with_a_stamped_from() {
    let server = start_fast().await;
    let url = server.url();
    let (alice, mut ea) = client(&url, "Alice", "r").await;
    let (bob, mut eb) = client(&url, "Bob", "r").await;
    let (carol, mut ec) = client(&url, "Carol", "r").await;
    wait_event(
        &mut ea,
        |e| matches!(e, ClientEvent::PeerJoined { peer } if peer.name == "Carol"),
    )
    .await;
    wait_event(&mut eb, |e| matches!(e, ClientEvent::PeerJoined { .. })).await;

    for data in every_kind() {
        alice.send_signal(&bob.id(), data.clone()).await.unwrap();
        let got = next_event(&mut eb).await;
        assert_eq!(
            got,
            ClientEvent::Signal {
                from: alice.id(),
                data: data.clone()
            }
        );
        bob.send_signal(&alice.id(), data.clone()).await.unwrap();
        let got = next_event(&mut ea).await;
        assert_eq!(
            got,
            ClientEvent::Signal {
                from: bob.id(),
                data
            }
        );
    }
    // Carol, the third client, received none of it.
    carol
        .send_signal(&alice.id(), SignalData::Hangup { call: "x".into() })
        .await
        .unwrap();
    let got = next_event(&mut ea).await;
    assert_eq!(
        got,
        ClientEvent::Signal {
            from: carol.id(),
            data: SignalData::Hangup { call: "x".into() }
        }
    );
    assert_no_event(&mut ec, std::time::Duration::from_millis(100)).await;
    server.shutdown().await;
}

#[tokio::test]
async fn opaque_data_and_forged_from() {
    let server = start_fast().await;
    let url = server.url();
    let (mut a, id_a) = Raw::join(&url, "A", "r").await;
    let (mut b, id_b) = Raw::join(&url, "B", "r").await;
    a.recv_type("peer-joined").await;
    a.send_json(json!({"type":"signal","to":id_b,"from":"mallory","data":{"kind":"future","x":[1,2,{"y":null}]}}))
        .await;
    let mut got = b.recv().await;
    // Numbered for resume (docs/protocol.md); otherwise exactly what was sent.
    let seq = got.as_object_mut().and_then(|o| o.remove("seq"));
    assert!(seq.as_ref().is_some_and(|s| s.is_u64()), "seq: {seq:?}");
    assert_eq!(
        got,
        json!({"type":"signal","from":id_a,"data":{"kind":"future","x":[1,2,{"y":null}]}})
    );
    // A data object that only pretends to carry `from` stays opaque, but the envelope's is the server's.
    a.send_json(json!({"type":"signal","to":id_b,"data":{"from":"mallory"}}))
        .await;
    let got = b.recv().await;
    assert_eq!(got["from"], id_a.as_str());
    server.shutdown().await;
}

#[tokio::test]
async fn unknown_departed_and_other_room_peers() {
    let server = start_fast().await;
    let url = server.url();
    let (mut a, _) = Raw::join(&url, "A", "r").await;
    let (mut other, id_other) = Raw::join(&url, "O", "elsewhere").await;

    a.send_json(json!({"type":"signal","to":"no-such-peer","data":{}}))
        .await;
    let e = a.expect_error("unknown-peer").await;
    assert_eq!(e["to"], "no-such-peer");

    a.send_json(json!({"type":"signal","to":id_other,"data":{"kind":"hangup","call":"c"}}))
        .await;
    let e = a.expect_error("unknown-peer").await;
    assert_eq!(e["to"], id_other.as_str());

    let (b, id_b) = Raw::join(&url, "B", "r").await;
    a.recv_type("peer-joined").await;
    b.close().await;
    a.recv_type("peer-left").await;
    a.send_json(json!({"type":"signal","to":id_b,"data":{}}))
        .await;
    a.expect_error("unknown-peer").await;

    // The other room never heard anything.
    other.assert_alive().await;
    server.shutdown().await;
}
