//! What a relay can tell about a datagram of a call without its keys: DTLS records (RFC 7983
//! demultiplexing, then their record headers) and the clear header of an SRTP packet.

/// The VP8 payload type the sessions offer (`session::build::VP8_PT`).
pub const VP8_PT: u8 = 96;

const CHANGE_CIPHER_SPEC: u8 = 20;
const ALERT: u8 = 21;
const APPLICATION_DATA: u8 = 23;
const RECORD_HEADER: usize = 13;

/// A DTLS datagram (first byte 20–63).
pub fn is_dtls(d: &[u8]) -> bool {
    matches!(d.first(), Some(20..=63))
}

/// Whether a DTLS datagram carries a ChangeCipherSpec record (a datagram may pack several
/// records: a client's flight 5 starts with its Certificate and ends with its Finished).
pub fn has_change_cipher_spec(d: &[u8]) -> bool {
    let mut at = 0;
    while is_dtls(&d[at..]) && d.len() >= at + RECORD_HEADER {
        if d[at] == CHANGE_CIPHER_SPEC {
            return true;
        }
        at += RECORD_HEADER + usize::from(u16::from_be_bytes([d[at + 11], d[at + 12]]));
        if at >= d.len() {
            break;
        }
    }
    false
}

/// A plaintext DTLS 1.2 alert record (epoch 0, as before any ChangeCipherSpec): anyone who
/// can send as the peer can make one, no keys needed. `level` 1 is a warning, 2 fatal;
/// `description` 0 is close_notify. `sequence` is the record's (48 bits), past the peer's
/// own epoch-0 records so replay protection does not drop it.
pub fn plaintext_alert(level: u8, description: u8, sequence: u64) -> Vec<u8> {
    plaintext_record(ALERT, &[level, description], sequence)
}

/// A plaintext (epoch 0) DTLS 1.2 ApplicationData record: never valid, as forgeable.
pub fn plaintext_application_data(data: &[u8], sequence: u64) -> Vec<u8> {
    plaintext_record(APPLICATION_DATA, data, sequence)
}

fn plaintext_record(content_type: u8, body: &[u8], sequence: u64) -> Vec<u8> {
    let mut d = vec![content_type, 0xfe, 0xfd, 0, 0];
    d.extend_from_slice(&sequence.to_be_bytes()[2..]);
    d.extend_from_slice(&u16::try_from(body.len()).unwrap_or(u16::MAX).to_be_bytes());
    d.extend_from_slice(body);
    d
}

/// An SRTP packet (not SRTCP): its payload type and marker bit, which travel in the clear.
pub fn rtp(d: &[u8]) -> Option<(u8, bool)> {
    let (&b0, &b1) = (d.first()?, d.get(1)?);
    ((128..=191).contains(&b0) && !(192..=223).contains(&b1)).then_some((b1 & 0x7f, b1 & 0x80 != 0))
}

/// A VP8 packet: whether it ends a frame.
pub fn vp8_marker(d: &[u8]) -> Option<bool> {
    rtp(d).and_then(|(pt, marker)| (pt == VP8_PT).then_some(marker))
}
