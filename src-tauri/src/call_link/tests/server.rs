//! The local server through a reconnect: a client takes the server over when its host quit,
//! and the status it shows says so; the words a call's end shows name the peer.

use peercall_engine::call::{EndReason, Side};

use super::super::translate::server_taken_over;
use super::*;
use crate::ui_states::{CallDirection, ConnectionState};

fn last_status(effects: &[Effect]) -> crate::ui_events::ConnectionStatus {
    effects
        .iter()
        .rev()
        .find_map(|e| match e {
            Effect::Ui(UiEvent::Connection(s)) => Some(s.clone()),
            _ => None,
        })
        .expect("a connection status")
}

#[test]
fn a_client_that_takes_the_server_over_shows_the_address_from_then_on() {
    let mut model = ShellModel::new(ServerMode::Local { hosting: None });
    translate(connected(), &mut model);
    let effects = translate(reconnecting(), &mut model);
    assert_eq!(summary(&effects), "status:reconnecting takeover");
    assert_eq!(last_status(&effects).retry_in_ms, Some(1500));

    let effects = server_taken_over(Some(LAN_ADDRESS.into()), &mut model);
    let status = last_status(&effects);
    assert_eq!(status.state, ConnectionState::Reconnecting);
    assert_eq!(status.retry_in_ms, Some(1500), "the countdown goes on");
    assert_eq!(status.hosting.as_deref(), Some(LAN_ADDRESS));

    // Hosting now: the next drop does not try again, and online shows the address.
    assert_eq!(
        summary(&translate(reconnecting(), &mut model)),
        "status:reconnecting+host"
    );
    assert_eq!(
        summary(&translate(connected(), &mut model)),
        "peers:1 status:online+host"
    );
}

#[test]
fn a_client_that_lost_the_race_stays_a_client() {
    let mut model = ShellModel::new(ServerMode::Local { hosting: None });
    translate(reconnecting(), &mut model);
    assert!(server_taken_over(None, &mut model).is_empty());
    assert_eq!(
        summary(&translate(reconnecting(), &mut model)),
        "status:reconnecting takeover"
    );
}

#[test]
fn a_remote_server_is_never_taken_over() {
    let mut model = ShellModel::new(ServerMode::Remote);
    translate(reconnecting(), &mut model);
    assert!(server_taken_over(Some(LAN_ADDRESS.into()), &mut model).is_empty());
    assert_eq!(
        summary(&translate(connected(), &mut model)),
        "peers:1 status:online"
    );
}

#[test]
fn a_calls_end_and_ring_name_the_peer() {
    let mut model = ShellModel::new(ServerMode::Remote);
    translate(connected(), &mut model);
    let effects = translate(ended(FIRST, EndReason::Cancelled(Side::Remote)), &mut model);
    let Some(Effect::Ui(UiEvent::Call(status))) = effects.last() else {
        panic!("no call status in {effects:?}");
    };
    assert_eq!(status.peer_name, "Alice");
    assert_eq!(status.direction, CallDirection::Incoming);
    assert_eq!(
        status.end_message.as_deref(),
        Some("Alice cancelled the call.")
    );
}

#[test]
fn a_lan_host_with_another_certificate_asks_for_its_code_again() {
    use peercall_engine::engine::EngineErrorCode;
    let mut model = ShellModel::new(ServerMode::Remote);
    translate(connected(), &mut model);
    // How the engine reports the client's refused reconnect (`CloseReason::Refused`).
    let refused = EngineEvent::Error {
        code: EngineErrorCode::SignalingClosed,
        message: format!(
            "Refused({:?})",
            peercall_signal::client::ClientError::CertificateChanged.to_string()
        ),
    };
    let status = last_status(&translate(refused, &mut model));
    assert_eq!(status.state, ConnectionState::Offline);
    assert_eq!(
        status.detail,
        "The host's certificate changed: enter its code again in Settings."
    );
    assert_eq!(
        status.code,
        Some(crate::error::ErrorCode::HostCertificateChanged)
    );
    let other = EngineEvent::Error {
        code: EngineErrorCode::SignalingClosed,
        message: "Unauthorized".into(),
    };
    let status = last_status(&translate(other, &mut model));
    assert_eq!(
        status.detail,
        "The server closed the connection. Reconnect from Settings."
    );
    assert_eq!(status.code, None);
}
