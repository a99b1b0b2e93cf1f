//! Messages the server sends.

use crate::error::ErrorCode;
use crate::PeerId;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A message from the server to a client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum ServerMessage {
    /// Reply to a successful `hello`.
    Welcome(Welcome),
    /// Someone entered the room.
    PeerJoined {
        /// The newcomer.
        peer: PeerInfo,
    },
    /// Someone changed their name or busy flag.
    PeerUpdated {
        /// The new entry.
        peer: PeerInfo,
    },
    /// Someone left the room (clean close, or resume window expired).
    PeerLeft {
        /// The departed peer.
        id: PeerId,
    },
    /// A relayed message; `from` is stamped by the server.
    Signal {
        /// The sending peer.
        from: PeerId,
        /// The opaque payload.
        data: Value,
    },
    /// Freshly minted ICE servers, the answer to a client's `ice-servers`: TURN credentials
    /// valid for `ttl` seconds from now (a TURN server checks them when an allocation is
    /// made, so a call set up within that time keeps its relay).
    IceServers {
        /// The servers, as in `welcome`.
        #[serde(rename = "iceServers")]
        ice_servers: Vec<IceServer>,
        /// Seconds the credentials stay valid; 0 when there are none to expire.
        ttl: u64,
    },
    /// Something went wrong.
    Error(ErrorMessage),
    /// A message type this version does not know (from a newer server); ignore it.
    #[serde(other)]
    Unknown,
}

/// `{"type":"welcome",...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Welcome {
    /// Protocol version (1).
    pub protocol: u64,
    /// Server software and version, e.g. `peercall-signal 0.1.0`.
    pub server: String,
    /// The client's own id.
    pub id: PeerId,
    /// Secret used to resume this identity after a dropped connection.
    pub session: String,
    /// Everyone else in the room.
    pub peers: Vec<PeerInfo>,
    /// ICE servers for the peer-connection configuration.
    pub ice_servers: Vec<IceServer>,
    /// True when this welcome resumed an earlier session (same id, queued messages follow).
    #[serde(default)]
    pub resumed: bool,
}

/// A room member as others see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerInfo {
    /// Server-assigned id.
    pub id: PeerId,
    /// Display name.
    pub name: String,
    /// In a call.
    pub busy: bool,
}

/// One entry of `welcome.iceServers` (the WebRTC `RTCIceServer` shape).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IceServer {
    /// `stun:`/`turn:`/`turns:` URLs.
    pub urls: Vec<String>,
    /// TURN username (`expiry:peerId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// TURN credential (`base64(HMAC-SHA1(secret, username))`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// `{"type":"error","code":...,"message":...}` plus optional context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorMessage {
    /// Machine-readable code.
    pub code: ErrorCode,
    /// Human-readable explanation.
    #[serde(default)]
    pub message: String,
    /// For `unknown-peer`: the `to` that was not found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<PeerId>,
    /// For `bad-field`/`bad-name`: the offending field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ErrorMessage {
    /// An error with just a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorMessage {
            code,
            message: message.into(),
            to: None,
            field: None,
        }
    }
}

impl From<&crate::error::DecodeError> for ErrorMessage {
    fn from(e: &crate::error::DecodeError) -> Self {
        ErrorMessage {
            code: e.code(),
            message: e.to_string(),
            to: None,
            field: e.field().map(str::to_owned),
        }
    }
}

impl ServerMessage {
    /// Serialises to the JSON text of one frame.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }

    /// Parses one frame (client side). Unknown types decode to [`ServerMessage::Unknown`].
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn welcome_is_camel_case() {
        let w = ServerMessage::Welcome(Welcome {
            protocol: 1,
            server: "peercall-signal 0.1.0".into(),
            id: "a".into(),
            session: "s".into(),
            peers: vec![PeerInfo {
                id: "b".into(),
                name: "Bob".into(),
                busy: false,
            }],
            ice_servers: vec![IceServer {
                urls: vec!["stun:x".into()],
                username: None,
                credential: None,
            }],
            resumed: false,
        });
        let v: Value = serde_json::from_str(&w.to_json()).unwrap();
        assert_eq!(v["type"], "welcome");
        assert_eq!(v["iceServers"][0]["urls"][0], "stun:x");
        assert!(v["iceServers"][0].get("username").is_none());
        assert_eq!(v["peers"][0], json!({"id":"b","name":"Bob","busy":false}));
        assert_eq!(ServerMessage::from_json(&w.to_json()).unwrap(), w);
    }

    #[test]
    fn fresh_ice_servers_shape() {
        let m = ServerMessage::IceServers {
            ice_servers: vec![IceServer {
                urls: vec!["turn:t:3478".into()],
                username: Some("1700000600:p".into()),
                credential: Some("c".into()),
            }],
            ttl: 600,
        };
        let v: Value = serde_json::from_str(&m.to_json()).unwrap();
        assert_eq!(v["type"], "ice-servers");
        assert_eq!(v["ttl"], 600);
        assert_eq!(v["iceServers"][0]["username"], "1700000600:p");
        assert_eq!(ServerMessage::from_json(&m.to_json()).unwrap(), m);
    }

    #[test]
    fn presence_and_error_shapes() {
        let m = ServerMessage::PeerLeft { id: "x".into() };
        assert_eq!(m.to_json(), r#"{"type":"peer-left","id":"x"}"#);
        let mut e = ErrorMessage::new(ErrorCode::UnknownPeer, "gone");
        e.to = Some("z".into());
        let v: Value = serde_json::from_str(&ServerMessage::Error(e).to_json()).unwrap();
        assert_eq!(
            v,
            json!({"type":"error","code":"unknown-peer","message":"gone","to":"z"})
        );
    }

    #[test]
    fn unknown_types_and_codes_are_tolerated() {
        assert_eq!(
            ServerMessage::from_json(r#"{"type":"future","x":1}"#).unwrap(),
            ServerMessage::Unknown
        );
        let m = ServerMessage::from_json(r#"{"type":"error","code":"new-code","message":"m"}"#);
        let ServerMessage::Error(e) = m.unwrap() else {
            panic!("not an error")
        };
        assert_eq!(e.code, ErrorCode::Other);
    }
}
