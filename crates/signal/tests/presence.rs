//! Presence with the real client: join, update, leave (clean close → peer-left at once),
//! three clients, and rooms that do not see each other.

mod common;
use common::*;
use peercall_signal::client::ClientEvent;
use std::time::Duration;

#[tokio::test]
async fn join_update_leave_with_three_clients() {
    let server = start_fast().await;
    let url = server.url();
    let (alice, mut ea) = client(&url, "Alice", "team").await;
    let (bob, mut eb) = client(&url, "Bob", "team").await;
    let ClientEvent::PeerJoined { peer } = next_event(&mut ea).await else {
        panic!("peer-joined")
    };
    assert_eq!(
        (peer.id.clone(), peer.name.as_str(), peer.busy),
        (bob.id(), "Bob", false)
    );

    let (carol, mut ec) = client(&url, "Carol", "team").await;
    for rx in [&mut ea, &mut eb] {
        let e = next_event(rx).await;
        assert!(
            matches!(&e, ClientEvent::PeerJoined { peer } if peer.id == carol.id()),
            "{e:?}"
        );
    }

    bob.update(Some("Robert".into()), Some(true)).await.unwrap();
    for rx in [&mut ea, &mut ec] {
        let e = next_event(rx).await;
        let ClientEvent::PeerUpdated { peer } = e else {
            panic!("peer-updated, got {e:?}")
        };
        assert_eq!(
            (peer.id, peer.name.as_str(), peer.busy),
            (bob.id(), "Robert", true)
        );
    }
    bob.update(None, Some(false)).await.unwrap();
    for rx in [&mut ea, &mut ec] {
        let e = next_event(rx).await;
        assert!(
            matches!(&e, ClientEvent::PeerUpdated { peer } if !peer.busy && peer.name == "Robert"),
            "{e:?}"
        );
    }

    let bob_id = bob.id();
    bob.close().await;
    for rx in [&mut ea, &mut ec] {
        let e = next_event(rx).await;
        assert_eq!(e, ClientEvent::PeerLeft { id: bob_id.clone() });
    }
    let e = wait_event(&mut eb, |e| matches!(e, ClientEvent::Closed { .. })).await;
    assert!(matches!(e, ClientEvent::Closed { .. }));
    drop((alice, carol));
    server.shutdown().await;
}

#[tokio::test]
async fn rooms_are_separate() {
    let server = start_fast().await;
    let url = server.url();
    let (_a, mut ea) = client(&url, "A", "one").await;
    let (b, _eb) = client(&url, "B", "two").await;
    b.update(None, Some(true)).await.unwrap();
    let (_a2, _) = client(&url, "A2", "one").await;
    // A sees A2 join, and nothing of B (join or update) before it.
    let e = next_event(&mut ea).await;
    assert!(
        matches!(&e, ClientEvent::PeerJoined { peer } if peer.name == "A2"),
        "{e:?}"
    );
    assert_no_event(&mut ea, Duration::from_millis(200)).await;
    server.shutdown().await;
}
