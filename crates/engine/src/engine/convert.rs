//! Conversions between the wire types of `peercall-protocol` and the state machine's.

use peercall_protocol as proto;

use crate::call::{CallId, IceCandidate, MediaKinds, PeerId, RejectReason, SdpKind, Signal};
use crate::session::IceServerConfig;

/// A protocol peer id as the state machine's.
pub fn peer(id: &proto::PeerId) -> PeerId {
    PeerId(id.0.clone())
}

/// The state machine's peer id as the protocol's.
pub fn proto_peer(id: &PeerId) -> proto::PeerId {
    proto::PeerId(id.0.clone())
}

fn reason(r: proto::RejectReason) -> RejectReason {
    match r {
        proto::RejectReason::Declined => RejectReason::Declined,
        proto::RejectReason::Busy => RejectReason::Busy,
        proto::RejectReason::Timeout => RejectReason::Timeout,
    }
}

fn proto_reason(r: RejectReason) -> proto::RejectReason {
    match r {
        RejectReason::Declined => proto::RejectReason::Declined,
        RejectReason::Busy => proto::RejectReason::Busy,
        RejectReason::Timeout => proto::RejectReason::Timeout,
    }
}

/// A relayed `data` as a state-machine signal (`None` is kept for kinds a later protocol
/// may add).
pub fn signal(data: proto::SignalData) -> Option<Signal> {
    use proto::SignalData as D;
    Some(match data {
        D::Offer { call, sdp, media } => Signal::Offer {
            call: CallId(call),
            sdp,
            media: MediaKinds {
                audio: media.audio,
                video: media.video,
            },
        },
        D::Answer { call, sdp } => Signal::Answer {
            call: CallId(call),
            sdp,
        },
        D::Reject { call, reason: r } => Signal::Reject {
            call: CallId(call),
            reason: reason(r),
        },
        D::Cancel { call } => Signal::Cancel { call: CallId(call) },
        D::Candidate { call, candidate } => Signal::Candidate {
            call: CallId(call),
            candidate: IceCandidate {
                candidate: candidate.candidate,
                sdp_mid: candidate.sdp_mid,
                sdp_mline_index: candidate.sdp_mline_index,
            },
        },
        D::EndOfCandidates { call } => Signal::EndOfCandidates { call: CallId(call) },
        D::Hangup { call } => Signal::Hangup { call: CallId(call) },
        D::Renegotiate { call, sdp, role } => Signal::Renegotiate {
            call: CallId(call),
            sdp,
            kind: match role {
                proto::SdpRole::Offer => SdpKind::Offer,
                proto::SdpRole::Answer => SdpKind::Answer,
            },
        },
        D::RestartIce { call } => Signal::RestartIce { call: CallId(call) },
    })
}

/// A state-machine signal as a relayed `data`.
pub fn data(signal: Signal) -> proto::SignalData {
    use proto::SignalData as D;
    match signal {
        Signal::Offer { call, sdp, media } => D::Offer {
            call: call.0,
            sdp,
            media: proto::Media {
                audio: media.audio,
                video: media.video,
            },
        },
        Signal::Answer { call, sdp } => D::Answer { call: call.0, sdp },
        Signal::Reject { call, reason: r } => D::Reject {
            call: call.0,
            reason: proto_reason(r),
        },
        Signal::Cancel { call } => D::Cancel { call: call.0 },
        Signal::Candidate { call, candidate } => D::Candidate {
            call: call.0,
            candidate: proto::IceCandidate {
                candidate: candidate.candidate,
                sdp_mid: candidate.sdp_mid,
                sdp_mline_index: candidate.sdp_mline_index,
                username_fragment: None,
            },
        },
        Signal::EndOfCandidates { call } => D::EndOfCandidates { call: call.0 },
        Signal::Hangup { call } => D::Hangup { call: call.0 },
        Signal::Renegotiate { call, sdp, kind } => D::Renegotiate {
            call: call.0,
            sdp,
            role: match kind {
                SdpKind::Offer => proto::SdpRole::Offer,
                SdpKind::Answer => proto::SdpRole::Answer,
            },
        },
        Signal::RestartIce { call } => D::RestartIce { call: call.0 },
    }
}

/// `welcome.iceServers` as session configuration.
pub fn ice_servers(servers: &[proto::IceServer]) -> Vec<IceServerConfig> {
    servers
        .iter()
        .map(|s| IceServerConfig {
            urls: s.urls.clone(),
            username: s.username.clone(),
            credential: s.credential.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips() {
        let call = CallId::from("c1");
        let signals = [
            Signal::Offer {
                call: call.clone(),
                sdp: "o".into(),
                media: MediaKinds::BOTH,
            },
            Signal::Answer {
                call: call.clone(),
                sdp: "a".into(),
            },
            Signal::Reject {
                call: call.clone(),
                reason: RejectReason::Busy,
            },
            Signal::Cancel { call: call.clone() },
            Signal::Candidate {
                call: call.clone(),
                candidate: IceCandidate {
                    candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host".into(),
                    sdp_mid: Some("0".into()),
                    sdp_mline_index: Some(0),
                },
            },
            Signal::EndOfCandidates { call: call.clone() },
            Signal::Hangup { call: call.clone() },
            Signal::Renegotiate {
                call: call.clone(),
                sdp: "o".into(),
                kind: SdpKind::Offer,
            },
            Signal::Renegotiate {
                call: call.clone(),
                sdp: "a".into(),
                kind: SdpKind::Answer,
            },
            Signal::RestartIce { call },
        ];
        for s in signals {
            assert_eq!(signal(data(s.clone())), Some(s));
        }
    }
}
