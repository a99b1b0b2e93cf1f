//! The `data` payloads clients exchange inside `signal` messages. The server never looks
//! inside; the client library and the engine use these types.

use serde::{Deserialize, Serialize};

/// One `data` object, tagged by `kind`. `call` is a caller-chosen random id that scopes
/// everything to one call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SignalData {
    /// Caller → callee: rings the callee; the SDP offer travels with the invitation.
    Offer {
        /// Call id.
        call: String,
        /// SDP offer.
        sdp: String,
        /// What the caller intends to send.
        media: Media,
    },
    /// Callee → caller: accepted.
    Answer {
        /// Call id.
        call: String,
        /// SDP answer.
        sdp: String,
    },
    /// Callee → caller: no call.
    Reject {
        /// Call id.
        call: String,
        /// Why.
        reason: RejectReason,
    },
    /// Caller → callee: gave up before an answer.
    Cancel {
        /// Call id.
        call: String,
    },
    /// Either way: a trickled ICE candidate.
    Candidate {
        /// Call id.
        call: String,
        /// The candidate (the WebRTC `RTCIceCandidateInit` shape).
        candidate: IceCandidate,
    },
    /// Either way: gathering complete.
    EndOfCandidates {
        /// Call id.
        call: String,
    },
    /// Either way: call over.
    Hangup {
        /// Call id.
        call: String,
    },
    /// Either way: a later SDP change (e.g. screen share).
    Renegotiate {
        /// Call id.
        call: String,
        /// SDP offer or answer.
        sdp: String,
        /// Whether `sdp` is an offer or an answer.
        role: SdpRole,
    },
    /// Callee → caller: our network changed; please restart ICE (a `renegotiate` offer
    /// with fresh ICE credentials). Only the caller offers restarts, so the two sides
    /// never offer at once.
    RestartIce {
        /// Call id.
        call: String,
    },
}

impl SignalData {
    /// The call id this payload belongs to.
    pub fn call(&self) -> &str {
        match self {
            SignalData::Offer { call, .. }
            | SignalData::Answer { call, .. }
            | SignalData::Reject { call, .. }
            | SignalData::Cancel { call }
            | SignalData::Candidate { call, .. }
            | SignalData::EndOfCandidates { call }
            | SignalData::Hangup { call }
            | SignalData::Renegotiate { call, .. }
            | SignalData::RestartIce { call } => call,
        }
    }

    /// The wire `kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            SignalData::Offer { .. } => "offer",
            SignalData::Answer { .. } => "answer",
            SignalData::Reject { .. } => "reject",
            SignalData::Cancel { .. } => "cancel",
            SignalData::Candidate { .. } => "candidate",
            SignalData::EndOfCandidates { .. } => "end-of-candidates",
            SignalData::Hangup { .. } => "hangup",
            SignalData::Renegotiate { .. } => "renegotiate",
            SignalData::RestartIce { .. } => "restart-ice",
        }
    }
}

/// `offer.media`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    /// Audio offered.
    pub audio: bool,
    /// Video offered.
    pub video: bool,
}

/// `reject.reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RejectReason {
    /// The user said no.
    Declined,
    /// Already in a call.
    Busy,
    /// Rang 30 s unanswered.
    Timeout,
}

/// `renegotiate.role`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SdpRole {
    /// `sdp` is an offer.
    Offer,
    /// `sdp` is an answer.
    Answer,
}

/// A trickled ICE candidate (`RTCIceCandidateInit`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IceCandidate {
    /// The `candidate:` line (empty string means end of candidates in browsers).
    pub candidate: String,
    /// Media stream id.
    #[serde(default)]
    pub sdp_mid: Option<String>,
    /// Media line index.
    #[serde(default, rename = "sdpMLineIndex")]
    pub sdp_mline_index: Option<u16>,
    /// ICE ufrag, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username_fragment: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn wire_shapes_match_the_spec() {
        let cases = [
            (
                SignalData::Offer {
                    call: "c".into(),
                    sdp: "v=0".into(),
                    media: Media {
                        audio: true,
                        video: false,
                    },
                },
                json!({"kind":"offer","call":"c","sdp":"v=0","media":{"audio":true,"video":false}}),
            ),
            (
                SignalData::Answer {
                    call: "c".into(),
                    sdp: "v=0".into(),
                },
                json!({"kind":"answer","call":"c","sdp":"v=0"}),
            ),
            (
                SignalData::Reject {
                    call: "c".into(),
                    reason: RejectReason::Busy,
                },
                json!({"kind":"reject","call":"c","reason":"busy"}),
            ),
            (
                SignalData::Cancel { call: "c".into() },
                json!({"kind":"cancel","call":"c"}),
            ),
            (
                SignalData::Candidate {
                    call: "c".into(),
                    candidate: IceCandidate {
                        candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host".into(),
                        sdp_mid: Some("0".into()),
                        sdp_mline_index: Some(0),
                        username_fragment: None,
                    },
                },
                json!({"kind":"candidate","call":"c","candidate":{"candidate":"candidate:1 1 udp 1 127.0.0.1 9 typ host","sdpMid":"0","sdpMLineIndex":0}}),
            ),
            (
                SignalData::EndOfCandidates { call: "c".into() },
                json!({"kind":"end-of-candidates","call":"c"}),
            ),
            (
                SignalData::Hangup { call: "c".into() },
                json!({"kind":"hangup","call":"c"}),
            ),
            (
                SignalData::Renegotiate {
                    call: "c".into(),
                    sdp: "v=0".into(),
                    role: SdpRole::Answer,
                },
                json!({"kind":"renegotiate","call":"c","sdp":"v=0","role":"answer"}),
            ),
            (
                SignalData::RestartIce { call: "c".into() },
                json!({"kind":"restart-ice","call":"c"}),
            ),
        ];
        for (data, wire) in cases {
            assert_eq!(serde_json::to_value(&data).unwrap(), wire);
            assert_eq!(serde_json::from_value::<SignalData>(wire).unwrap(), data);
            assert_eq!(
                serde_json::to_value(&data).unwrap()["kind"],
                Value::from(data.kind())
            );
            assert_eq!(data.call(), "c");
        }
    }
}
