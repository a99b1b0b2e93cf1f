//! The data channel's wire form of [`ControlMessage`]: one JSON object per message
//! (`{"type":"chat","text":"…"}`). What the peer sends is parsed here and nowhere else,
//! so the fuzz target (`fuzz/checks/control_message.rs`) drives exactly this code.
//!
//! A message longer than [`MAX_CONTROL_BYTES`] is refused before it is parsed: the
//! longest legitimate one is a chat line of 4,000 characters (`engine::chat_guard`),
//! at most 24 KB even with every character escaped as `\uXXXX`.

use crate::session::ControlMessage;

/// The largest data-channel message parsed; longer ones are dropped unread.
pub const MAX_CONTROL_BYTES: usize = 64 * 1024;

/// Why a data-channel message was not a control message.
#[derive(Debug, thiserror::Error)]
pub enum ControlParseError {
    /// Longer than [`MAX_CONTROL_BYTES`].
    #[error("a {0}-byte data-channel message is over the {MAX_CONTROL_BYTES}-byte limit")]
    TooLong(usize),
    /// Not JSON, or not one of the known messages.
    #[error("not a control message: {0}")]
    Invalid(#[from] serde_json::Error),
}

/// Parses one message the peer sent on the control channel.
pub fn parse(data: &[u8]) -> Result<ControlMessage, ControlParseError> {
    if data.len() > MAX_CONTROL_BYTES {
        return Err(ControlParseError::TooLong(data.len()));
    }
    Ok(serde_json::from_slice(data)?)
}

/// The text sent for `msg`.
pub fn encode(msg: &ControlMessage) -> Result<String, serde_json::Error> {
    serde_json::to_string(msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_and_media_round_trip() {
        for msg in [
            ControlMessage::Chat {
                text: "héllo \"there\"\n\u{202e}".into(),
            },
            ControlMessage::Media {
                mic_muted: true,
                camera_on: false,
            },
            ControlMessage::Hangup,
        ] {
            let text = encode(&msg).expect("encodes");
            assert_eq!(parse(text.as_bytes()).expect("parses"), msg);
        }
        let media = br#"{"type":"media","micMuted":false,"cameraOn":true}"#;
        assert!(matches!(
            parse(media),
            Ok(ControlMessage::Media {
                mic_muted: false,
                camera_on: true
            })
        ));
    }

    #[test]
    fn the_longest_chat_line_fits_and_an_oversized_message_is_not_parsed() {
        let longest = ControlMessage::Chat {
            text: "\u{1}".repeat(4_000),
        };
        let text = encode(&longest).expect("encodes");
        assert!(text.len() <= MAX_CONTROL_BYTES, "{}", text.len());
        assert_eq!(parse(text.as_bytes()).expect("parses"), longest);
        let huge = format!(
            r#"{{"type":"chat","text":"{}"}}"#,
            "a".repeat(MAX_CONTROL_BYTES)
        );
        assert!(matches!(
            parse(huge.as_bytes()),
            Err(ControlParseError::TooLong(_))
        ));
    }

    #[test]
    fn garbage_and_unknown_types_are_errors() {
        for bad in [&b""[..], b"{", b"\xff\xfe", br#"{"type":"nope"}"#, b"[1,2]"] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
