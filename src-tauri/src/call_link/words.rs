//! Engine facts in the UI's words: end reasons, errors, peers and stats.

use peercall_engine::call::{Direction, EndReason, Side};
use peercall_engine::engine::EngineErrorCode;
use peercall_engine::stats::CallStats;
use peercall_signal::protocol::ErrorCode as ServerCode;
use peercall_signal::protocol::PeerInfo;

use crate::ui_events::{CallStatsUpdate, Peer};
use crate::ui_states::{CandidateKind, NoticeCode};

/// Words for the user at the end of a call (`direction`: who placed it).
pub fn end_message(reason: &EndReason, peer: &str, direction: Direction) -> String {
    match reason {
        EndReason::HungUp(Side::Local) => "Call ended.".into(),
        EndReason::HungUp(Side::Remote) => format!("{peer} hung up."),
        EndReason::Declined(Side::Remote) => format!("{peer} declined the call."),
        EndReason::Declined(Side::Local) => format!("You declined {peer}'s call."),
        EndReason::Busy => format!("{peer} is busy in another call."),
        EndReason::Timeout if direction == Direction::Incoming => {
            format!("You missed a call from {peer}.")
        }
        EndReason::Timeout => format!("No answer from {peer}."),
        EndReason::Cancelled(Side::Local) => "Call cancelled.".into(),
        EndReason::Cancelled(Side::Remote) => format!("{peer} cancelled the call."),
        EndReason::ConnectionFailed => format!("Could not connect to {peer}."),
        EndReason::ConnectionLost => format!("The connection to {peer} was lost."),
        EndReason::PeerLeft => format!("{peer} went offline."),
        EndReason::SignalingLost => "The connection to the server was lost.".into(),
        EndReason::SessionError(err) => format!("The call failed: {err}"),
    }
}

/// An engine error in the user's words, with what it is about, or `None` when something
/// else already tells the user (a peer gone from the room ends the call with its own words; a
/// lost server shows in the connection status) or nothing is worth saying (an action that
/// came too late).
pub fn notice(code: EngineErrorCode, message: &str) -> Option<(NoticeCode, String)> {
    use EngineErrorCode as E;
    let (code, words) = match code {
        E::Server(ServerCode::UnknownPeer) | E::SignalingClosed | E::IntentIgnored => return None,
        E::Server(ServerCode::RateLimited) => (
            NoticeCode::RateLimited,
            "The server is busy and dropped a message. Try again in a moment.",
        ),
        E::Server(_) => (
            NoticeCode::Server,
            "The server refused a message from this app.",
        ),
        E::Signaling => (
            NoticeCode::Signaling,
            "Not connected to the server right now; wait for it to come back.",
        ),
        E::Camera => (
            NoticeCode::Camera,
            "Your camera could not be used. Choose another in Devices or Settings.",
        ),
        E::Microphone => (
            NoticeCode::Microphone,
            "Your microphone could not be used. Choose another in Devices or Settings.",
        ),
        E::Chat => (NoticeCode::Chat, "The message could not be sent."),
        // The engine's explanation of a connection that could not be made (issue 15).
        // Its words are written for users already.
        E::Ice => {
            let words = format!("The call could not connect — {message}.");
            return Some((NoticeCode::Ice, words));
        }
        _ => (NoticeCode::Other, "Something went wrong in the call."),
    };
    Some((code, words.into()))
}

pub fn peer(p: PeerInfo) -> Peer {
    Peer {
        id: p.id.0,
        name: p.name,
        busy: p.busy,
    }
}

pub fn stats(s: CallStats) -> CallStatsUpdate {
    CallStatsUpdate {
        rtt_ms: s.rtt_ms,
        bitrate_in_kbps: s.bitrate_in_kbps,
        bitrate_out_kbps: s.bitrate_out_kbps,
        packet_loss_percent: s.packet_loss * 100.0,
        jitter_ms: s.jitter_ms,
        fps_in: s.fps_in,
        fps_out: s.fps_out,
        resolution_in: s.resolution_in.map(|(w, h)| format!("{w}x{h}")),
        resolution_out: s.resolution_out.map(|(w, h)| format!("{w}x{h}")),
        candidate_type: s.candidate_type.as_deref().and_then(CandidateKind::parse),
        remote_candidate_type: s
            .remote_candidate_type
            .as_deref()
            .and_then(CandidateKind::parse),
        target_kbps: s.video_target_kbps as f64,
        playout_delay_ms: s.totals.video_playout_delay_us as f64 / 1000.0,
        freezes: s.totals.video_freezes as f64,
        freeze_seconds: s.totals.video_freeze_ms as f64 / 1000.0,
        nacks_sent: s.totals.nacks_sent.max(s.totals.rtcp_nacks_sent) as f64,
        nacks_received: s.totals.rtcp_nacks_received as f64,
        keyframe_requests_sent: s.totals.plis_sent as f64,
        keyframe_requests_received: s.totals.keyframe_requests_received as f64,
        retransmitted_received: s.totals.retransmitted_packets_received as f64,
        retransmitted_sent: s.totals.retransmitted_packets_sent as f64,
        fec_recovered: s.totals.video_fec_recovered as f64,
        fec_sent: s.totals.video_fec_packets_sent as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_errors_reach_the_user_in_plain_words_or_not_at_all() {
        use EngineErrorCode as E;
        let unknown = E::Server(ServerCode::UnknownPeer);
        assert_eq!(
            notice(unknown, "unknown-peer: no such peer in this room"),
            None
        );
        assert_eq!(notice(E::SignalingClosed, "ServerGone"), None);
        assert_eq!(
            notice(E::IntentIgnored, "accept makes no sense in Idle"),
            None
        );
        for (code, message) in [
            (
                E::Server(ServerCode::RateLimited),
                "rate-limited: slow down",
            ),
            (E::Server(ServerCode::BadField), "bad-field: sdp"),
            (E::Signaling, "cannot send offer: not connected"),
            (
                E::Camera,
                "V4L2 error: No such file or directory (os error 2)",
            ),
            (E::Microphone, "alsa: device busy"),
            (E::Chat, "no call in progress"),
        ] {
            let (_, words) = notice(code, message).expect("words");
            assert!(!words.contains(':'), "{code}: {words}");
            assert!(!words.contains(message), "{code}: {words}");
        }
    }

    #[test]
    fn a_call_that_could_not_connect_says_why() {
        assert_eq!(
            notice(EngineErrorCode::Ice, "no TURN relay is configured"),
            Some((
                NoticeCode::Ice,
                "The call could not connect — no TURN relay is configured.".to_owned()
            ))
        );
    }

    #[test]
    fn an_unanswered_call_reads_right_on_each_side() {
        assert_eq!(
            end_message(&EndReason::Timeout, "Bob", Direction::Outgoing),
            "No answer from Bob."
        );
        assert_eq!(
            end_message(&EndReason::Timeout, "Alice", Direction::Incoming),
            "You missed a call from Alice."
        );
        assert_eq!(
            end_message(&EndReason::Busy, "Bob", Direction::Outgoing),
            "Bob is busy in another call."
        );
    }
}
