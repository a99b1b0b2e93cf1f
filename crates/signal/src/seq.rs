//! Sequence numbers on server messages (see `docs/protocol.md`, Resume): the server
//! writes `"seq":N` as the first field of every message it relays or announces to a
//! peer, so both ends read it back without parsing the whole message.

/// The `seq` of a message that starts with it.
pub fn seq_of(text: &str) -> Option<u64> {
    let rest = text.strip_prefix("{\"seq\":")?;
    let end = rest.find(|c: char| !c.is_ascii_digit())?;
    rest[..end].parse().ok()
}

/// `text` (a JSON object) with `"seq":seq` as its first field.
pub fn stamp(seq: u64, text: &str) -> String {
    match text.strip_prefix('{') {
        Some(rest) if rest.trim_start().starts_with('"') => format!("{{\"seq\":{seq},{rest}"),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_and_reads_back() {
        let t = stamp(12, r#"{"type":"peer-left","id":"a"}"#);
        assert_eq!(t, r#"{"seq":12,"type":"peer-left","id":"a"}"#);
        assert_eq!(seq_of(&t), Some(12));
        assert_eq!(seq_of(r#"{"type":"x"}"#), None);
        assert_eq!(seq_of(r#"{"seq":-1,"type":"x"}"#), None);
        assert_eq!(stamp(1, "{}"), "{}");
    }
}
