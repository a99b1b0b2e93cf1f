//! Messages a client sends, and the strict decoder the server applies to each text frame.
//!
//! Decoding runs in stages so every bad input maps to the code the spec names:
//! not JSON / not an object → `bad-json`; missing or mistyped `type` → `bad-field`;
//! unknown `type` → `unknown-type`; a missing or mistyped field → `bad-field` naming it;
//! a bad name → `bad-name`; `hello.protocol` ≠ 1 → `unsupported-protocol`.
//! Unknown fields are ignored, and `null` counts as absent for optional fields.

use crate::error::DecodeError;
use crate::validate::{validate_name, validate_room};
use crate::{PeerId, PROTOCOL_VERSION};
use serde::Serialize;
use serde_json::{Map, Value};

/// A message from a client to the server.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum ClientMessage {
    /// Join a room (the first message on every connection).
    Hello(Hello),
    /// Change the sender's own presence entry.
    Update(Update),
    /// Relay `data` to another peer of the room.
    Signal(Relay),
    /// Every server message up to `seq` arrived; the server may forget them.
    Ack(Ack),
    /// `{"type":"ice-servers"}`: asks for freshly minted ICE servers (TURN credentials),
    /// answered by [`crate::ServerMessage::IceServers`].
    IceServers,
}

/// `{"type":"ack","seq":N}`: the client has every sequenced server message up to `seq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Ack {
    /// The highest `seq` received (and every one before it).
    pub seq: u64,
}

/// `{"type":"hello",...}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Hello {
    /// Protocol version; always [`PROTOCOL_VERSION`] once decoded.
    pub protocol: u64,
    /// Display name, trimmed and validated once decoded.
    pub name: String,
    /// Room to join; `None` means [`crate::DEFAULT_ROOM`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    /// Shared secret, when the server requires one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// `welcome.session` of an earlier connection, to resume it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resume: Option<String>,
    /// With `resume`: the highest `seq` received on the earlier connection; the server
    /// replays every later one, so nothing is lost or repeated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<u64>,
    /// A persistent, private id of the installation (profile) saying hello, 1-64 ASCII
    /// letters, digits, `-` or `_`. A fresh hello drops a *detached* peer of the same
    /// `client` in the room at once, so a relaunched app never sees its own previous
    /// session. Never shown to other peers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
}

/// The most characters `hello.client` may have.
pub const MAX_CLIENT_ID_CHARS: usize = 64;

/// Whether `id` is a valid `hello.client`: 1-64 ASCII letters, digits, `-` or `_`.
pub fn valid_client_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_CLIENT_ID_CHARS
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `{"type":"update","name":...,"busy":...}`; either field optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Update {
    /// New display name (validated once decoded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New busy flag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub busy: Option<bool>,
}

/// `{"type":"signal","to":...,"data":{...}}`. Any `from` a client puts in is dropped.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Relay {
    /// The receiving peer.
    pub to: PeerId,
    /// Opaque payload (always a JSON object once decoded).
    pub data: Value,
}

impl ClientMessage {
    /// The wire `type` of this message.
    pub fn kind(&self) -> &'static str {
        match self {
            ClientMessage::Hello(_) => "hello",
            ClientMessage::Update(_) => "update",
            ClientMessage::Signal(_) => "signal",
            ClientMessage::Ack(_) => "ack",
            ClientMessage::IceServers => "ice-servers",
        }
    }

    /// Serialises to the JSON text of one frame.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }
}

/// Decodes one text frame from a client, validating every field.
pub fn decode_client_message(text: &str) -> Result<ClientMessage, DecodeError> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| DecodeError::NotJson(e.to_string()))?;
    let Value::Object(obj) = value else {
        return Err(DecodeError::NotObject);
    };
    let kind = match obj.get("type") {
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err(bad("type", "expected a string")),
        None => return Err(bad("type", "missing")),
    };
    match kind {
        "hello" => decode_hello(&obj).map(ClientMessage::Hello),
        "update" => decode_update(&obj).map(ClientMessage::Update),
        "signal" => decode_relay(obj).map(ClientMessage::Signal),
        "ack" => match optional_u64(&obj, "seq")? {
            Some(seq) => Ok(ClientMessage::Ack(Ack { seq })),
            None => Err(bad("seq", "missing")),
        },
        "ice-servers" => Ok(ClientMessage::IceServers),
        other => Err(DecodeError::UnknownType(truncate(other, 64))),
    }
}

fn decode_hello(obj: &Map<String, Value>) -> Result<Hello, DecodeError> {
    // The version is checked first, so a future hello of another shape still gets
    // `unsupported-protocol` rather than a field error.
    let protocol = match obj.get("protocol") {
        Some(Value::Number(n)) => match n.as_u64() {
            Some(v) => v,
            None => return Err(DecodeError::UnsupportedProtocol(0)),
        },
        Some(_) => return Err(bad("protocol", "expected an integer")),
        None => return Err(bad("protocol", "missing")),
    };
    if protocol != PROTOCOL_VERSION {
        return Err(DecodeError::UnsupportedProtocol(protocol));
    }
    let name = required_str(obj, "name")?;
    let name = validate_name(name)?;
    let room = match optional_str(obj, "room")? {
        Some(r) => Some(validate_room(r).map_err(|e| bad("room", &e.to_string()))?),
        None => None,
    };
    Ok(Hello {
        protocol,
        name,
        room,
        token: optional_str(obj, "token")?.map(str::to_owned),
        resume: optional_str(obj, "resume")?.map(str::to_owned),
        last: optional_u64(obj, "last")?,
        client: match optional_str(obj, "client")? {
            Some(c) if valid_client_id(c) => Some(c.to_owned()),
            Some(_) => return Err(bad("client", "expected 1-64 letters, digits, - or _")),
            None => None,
        },
    })
}

fn decode_update(obj: &Map<String, Value>) -> Result<Update, DecodeError> {
    let name = match optional_str(obj, "name")? {
        Some(n) => Some(validate_name(n)?),
        None => None,
    };
    let busy = match obj.get("busy") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return Err(bad("busy", "expected a boolean")),
    };
    Ok(Update { name, busy })
}

fn decode_relay(mut obj: Map<String, Value>) -> Result<Relay, DecodeError> {
    let to = required_str(&obj, "to")?.to_owned();
    let data = match obj.remove("data") {
        Some(v @ Value::Object(_)) => v,
        Some(_) => return Err(bad("data", "expected an object")),
        None => return Err(bad("data", "missing")),
    };
    Ok(Relay {
        to: PeerId(to),
        data,
    })
}

fn required_str<'a>(
    obj: &'a Map<String, Value>,
    field: &'static str,
) -> Result<&'a str, DecodeError> {
    match obj.get(field) {
        Some(Value::String(s)) => Ok(s),
        Some(Value::Null) | None => Err(bad(field, "missing")),
        Some(_) => Err(bad(field, "expected a string")),
    }
}

fn optional_str<'a>(
    obj: &'a Map<String, Value>,
    field: &'static str,
) -> Result<Option<&'a str>, DecodeError> {
    match obj.get(field) {
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Null) | None => Ok(None),
        Some(_) => Err(bad(field, "expected a string")),
    }
}

fn optional_u64(obj: &Map<String, Value>, field: &'static str) -> Result<Option<u64>, DecodeError> {
    match obj.get(field) {
        Some(Value::Null) | None => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| bad(field, "expected a non-negative integer")),
    }
}

fn bad(field: &'static str, reason: &str) -> DecodeError {
    DecodeError::BadField {
        field,
        reason: reason.to_owned(),
    }
}

fn truncate(s: &str, max_chars: usize) -> String {
    s.chars().take(max_chars).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use serde_json::json;

    fn code(text: &str) -> ErrorCode {
        decode_client_message(text).unwrap_err().code()
    }

    #[test]
    fn decodes_hello_with_defaults() {
        let m = decode_client_message(r#"{"type":"hello","protocol":1,"name":" Al ","x":5}"#);
        assert_eq!(
            m.unwrap(),
            ClientMessage::Hello(Hello {
                protocol: 1,
                name: "Al".into(),
                room: None,
                token: None,
                resume: None,
                last: None,
                client: None,
            })
        );
    }

    #[test]
    fn hello_client_ids_are_checked() {
        let long_ok = format!("\"{}\"", "x".repeat(64));
        let too_long = format!("\"{}\"", "x".repeat(65));
        for (client, ok) in [
            ("\"abc-DEF_09\"", true),
            ("null", true),
            ("\"\"", false),
            ("\"has space\"", false),
            ("\"\u{e9}\"", false),
            (long_ok.as_str(), true),
            (too_long.as_str(), false),
            ("5", false),
        ] {
            let got = decode_client_message(&format!(
                r#"{{"type":"hello","protocol":1,"name":"A","client":{client}}}"#
            ));
            assert_eq!(got.is_ok(), ok, "{client}: {got:?}");
            if let Err(e) = got {
                assert_eq!(e.code(), ErrorCode::BadField, "{client}");
            }
        }
    }

    #[test]
    fn every_bad_input_has_its_code() {
        assert_eq!(code("nope"), ErrorCode::BadJson);
        assert_eq!(code("[1,2]"), ErrorCode::BadJson);
        assert_eq!(code("\"hello\""), ErrorCode::BadJson);
        assert_eq!(code("{}"), ErrorCode::BadField);
        assert_eq!(code(r#"{"type":7}"#), ErrorCode::BadField);
        assert_eq!(code(r#"{"type":"dance"}"#), ErrorCode::UnknownType);
        assert_eq!(code(r#"{"type":"hello","name":"a"}"#), ErrorCode::BadField);
        assert_eq!(
            code(r#"{"type":"hello","protocol":"1","name":"a"}"#),
            ErrorCode::BadField
        );
        assert_eq!(
            code(r#"{"type":"hello","protocol":2,"name":"a"}"#),
            ErrorCode::UnsupportedProtocol
        );
        assert_eq!(
            code(r#"{"type":"hello","protocol":-1}"#),
            ErrorCode::UnsupportedProtocol
        );
        assert_eq!(
            code(r#"{"type":"hello","protocol":1}"#),
            ErrorCode::BadField
        );
        assert_eq!(
            code(r#"{"type":"hello","protocol":1,"name":"  "}"#),
            ErrorCode::BadName
        );
        assert_eq!(
            code(r#"{"type":"hello","protocol":1,"name":"a","room":""}"#),
            ErrorCode::BadField
        );
        assert_eq!(
            code(r#"{"type":"hello","protocol":1,"name":"a","token":1}"#),
            ErrorCode::BadField
        );
        assert_eq!(
            code(r#"{"type":"update","busy":"yes"}"#),
            ErrorCode::BadField
        );
        assert_eq!(
            code(r#"{"type":"update","name":"a\u0007"}"#),
            ErrorCode::BadName
        );
        assert_eq!(code(r#"{"type":"signal","data":{}}"#), ErrorCode::BadField);
        assert_eq!(
            code(r#"{"type":"signal","to":"x","data":[]}"#),
            ErrorCode::BadField
        );
        assert_eq!(code(r#"{"type":"signal","to":"x"}"#), ErrorCode::BadField);
        assert_eq!(code(r#"{"type":"ack"}"#), ErrorCode::BadField);
        assert_eq!(code(r#"{"type":"ack","seq":-1}"#), ErrorCode::BadField);
        assert_eq!(
            code(r#"{"type":"hello","protocol":1,"name":"a","last":"x"}"#),
            ErrorCode::BadField
        );
    }

    #[test]
    fn bad_field_names_the_field() {
        let e = decode_client_message(r#"{"type":"signal","to":5,"data":{}}"#).unwrap_err();
        assert_eq!(e.field(), Some("to"));
    }

    #[test]
    fn signal_keeps_data_and_drops_from() {
        let m = decode_client_message(
            r#"{"type":"signal","to":"p1","from":"forged","data":{"kind":"hangup","call":"c"}}"#,
        )
        .unwrap();
        let ClientMessage::Signal(r) = m else {
            panic!("not a signal")
        };
        assert_eq!(r.to, PeerId::from("p1"));
        assert_eq!(r.data, json!({"kind":"hangup","call":"c"}));
    }

    #[test]
    fn encode_decode_round_trip() {
        let msgs = [
            ClientMessage::Hello(Hello {
                protocol: 1,
                name: "Bob".into(),
                room: Some("r".into()),
                token: Some("t".into()),
                resume: Some("s".into()),
                last: Some(7),
                client: Some("install-1_A".into()),
            }),
            ClientMessage::Update(Update {
                name: None,
                busy: Some(true),
            }),
            ClientMessage::Signal(Relay {
                to: "x".into(),
                data: json!({"a":1}),
            }),
            ClientMessage::Ack(Ack { seq: 42 }),
            ClientMessage::IceServers,
        ];
        for m in msgs {
            assert_eq!(decode_client_message(&m.to_json()).unwrap(), m);
        }
    }
}
