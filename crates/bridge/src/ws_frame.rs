//! The part of RFC 6455 a page connection needs once its handshake is done: the header of an
//! unmasked frame from us, and the page's own (masked, small) frames. Pure functions, no I/O.
//!
//! Why not the WebSocket library for this too: it copies every message into its output
//! buffer (a 1.4 MB frame for each 720p picture) and, when the socket takes only part of it,
//! moves the rest to the front of that buffer, again and again. Writing our frame's header and
//! then the planes from where the publisher left them puts no copy of the picture between
//! the decoder and the socket.

/// Opcodes (RFC 6455 §5.2).
pub(crate) const OP_CONTINUATION: u8 = 0x0;
pub(crate) const OP_TEXT: u8 = 0x1;
pub(crate) const OP_BINARY: u8 = 0x2;
pub(crate) const OP_CLOSE: u8 = 0x8;
pub(crate) const OP_PING: u8 = 0x9;
pub(crate) const OP_PONG: u8 = 0xA;

/// The longest frame header we write: 2 bytes and a 64-bit length.
pub(crate) const MAX_HEAD: usize = 10;

/// The largest frame a page may send us (`ready 65535x65535` is 23 bytes; a close frame's
/// reason at most 123).
pub(crate) const MAX_INCOMING: usize = 1024;

/// What went wrong on a page's connection.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("socket: {0}")]
    Io(#[from] std::io::Error),
    #[error("handshake: {0}")]
    Handshake(#[from] tokio_tungstenite::tungstenite::Error),
    #[error("the page sent an unmasked frame")]
    Unmasked,
    #[error("the page set reserved bits")]
    Reserved,
    #[error("the page sent a fragmented message")]
    Fragmented,
    #[error("the page sent opcode {0:#x}")]
    Opcode(u8),
    #[error("the page sent a frame of {0} bytes")]
    TooLong(u64),
}

/// A frame from the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Incoming {
    Text(String),
    /// Not expected from a page; ignored.
    Binary,
    /// Answered with a pong carrying the same bytes.
    Ping(Vec<u8>),
    Pong,
    Close,
}

/// The header of a final, unmasked frame (server to client) of `len` payload bytes.
pub(crate) fn frame_head(opcode: u8, len: usize) -> ([u8; MAX_HEAD], usize) {
    let mut head = [0u8; MAX_HEAD];
    head[0] = 0x80 | (opcode & 0x0F);
    let used = if len < 126 {
        head[1] = len as u8;
        2
    } else if let Ok(short) = u16::try_from(len) {
        head[1] = 126;
        head[2..4].copy_from_slice(&short.to_be_bytes());
        4
    } else {
        head[1] = 127;
        head[2..10].copy_from_slice(&(len as u64).to_be_bytes());
        10
    };
    (head, used)
}

/// The page's first complete frame at the start of `buf` and how many bytes it took;
/// `Ok(None)` while more bytes are needed. Frames must be masked (RFC 6455 §5.1), final,
/// and at most [`MAX_INCOMING`] bytes: a page only ever sends `ready` texts and a close.
pub(crate) fn parse_incoming(buf: &[u8]) -> Result<Option<(Incoming, usize)>, PageError> {
    let [b0, b1, ..] = *buf else {
        return Ok(None);
    };
    if b0 & 0x70 != 0 {
        return Err(PageError::Reserved);
    }
    if b1 & 0x80 == 0 {
        return Err(PageError::Unmasked);
    }
    let (len, mut at) = match b1 & 0x7F {
        126 => match buf.get(2..4) {
            Some(b) => (u64::from(u16::from_be_bytes([b[0], b[1]])), 4),
            None => return Ok(None),
        },
        127 => match buf.get(2..10) {
            Some(b) => (u64::from_be_bytes(b.try_into().unwrap_or_default()), 10),
            None => return Ok(None),
        },
        n => (u64::from(n), 2),
    };
    if len > MAX_INCOMING as u64 {
        return Err(PageError::TooLong(len));
    }
    let Some(mask) = buf.get(at..at + 4) else {
        return Ok(None);
    };
    let mask = [mask[0], mask[1], mask[2], mask[3]];
    at += 4;
    let Some(payload) = buf.get(at..at + len as usize) else {
        return Ok(None);
    };
    let payload: Vec<u8> = payload
        .iter()
        .enumerate()
        .map(|(i, b)| b ^ mask[i % 4])
        .collect();
    let used = at + len as usize;
    let opcode = b0 & 0x0F;
    if b0 & 0x80 == 0 || opcode == OP_CONTINUATION {
        return Err(PageError::Fragmented);
    }
    let frame = match opcode {
        OP_TEXT => Incoming::Text(String::from_utf8_lossy(&payload).into_owned()),
        OP_BINARY => Incoming::Binary,
        OP_CLOSE => Incoming::Close,
        OP_PING => Incoming::Ping(payload),
        OP_PONG => Incoming::Pong,
        other => return Err(PageError::Opcode(other)),
    };
    Ok(Some((frame, used)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page's frame as a browser writes it: final, masked.
    fn masked(opcode: u8, payload: &[u8]) -> Vec<u8> {
        let mask = [0x12, 0x34, 0x56, 0x78];
        let mut out = vec![0x80 | opcode];
        match payload.len() {
            n if n < 126 => out.push(0x80 | n as u8),
            n if n <= 0xFFFF => {
                out.push(0x80 | 126);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                out.push(0x80 | 127);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        out.extend_from_slice(&mask);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        out
    }

    #[test]
    fn frame_heads_use_the_shortest_length_form() {
        let cases: &[(usize, &[u8])] = &[
            (0, &[0x82, 0]),
            (125, &[0x82, 125]),
            (126, &[0x82, 126, 0, 126]),
            (65_535, &[0x82, 126, 0xFF, 0xFF]),
            (65_536, &[0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]),
            (1_382_440, &[0x82, 127, 0, 0, 0, 0, 0, 0x15, 0x18, 0x28]),
        ];
        for (len, want) in cases {
            let (head, used) = frame_head(OP_BINARY, *len);
            assert_eq!(&head[..used], *want, "{len}");
        }
        assert_eq!(frame_head(OP_CLOSE, 0).0[..2], [0x88, 0]);
    }

    #[test]
    fn parses_what_a_page_sends() {
        let ready = masked(OP_TEXT, b"ready 320x180");
        assert_eq!(
            parse_incoming(&ready).unwrap(),
            Some((Incoming::Text("ready 320x180".into()), ready.len()))
        );
        let two = [masked(OP_PING, b"hi"), masked(OP_CLOSE, &[0x03, 0xE8])].concat();
        let (first, used) = parse_incoming(&two).unwrap().unwrap();
        assert_eq!(first, Incoming::Ping(b"hi".to_vec()));
        assert_eq!(
            parse_incoming(&two[used..]).unwrap(),
            Some((Incoming::Close, two.len() - used))
        );
        let long = masked(OP_TEXT, &[b'x'; 300]);
        assert_eq!(
            parse_incoming(&long).unwrap(),
            Some((Incoming::Text("x".repeat(300)), long.len()))
        );
    }

    #[test]
    fn waits_for_a_whole_frame() {
        let ready = masked(OP_TEXT, &[b'r'; 200]);
        for cut in 0..ready.len() {
            assert_eq!(parse_incoming(&ready[..cut]).unwrap(), None, "{cut}");
        }
    }

    #[test]
    fn refuses_what_a_page_never_sends() {
        let mut unmasked = masked(OP_TEXT, b"ready");
        unmasked[1] &= 0x7F;
        assert!(matches!(
            parse_incoming(&unmasked),
            Err(PageError::Unmasked)
        ));
        let mut reserved = masked(OP_TEXT, b"ready");
        reserved[0] |= 0x40;
        assert!(matches!(
            parse_incoming(&reserved),
            Err(PageError::Reserved)
        ));
        let mut first_part = masked(OP_TEXT, b"rea");
        first_part[0] &= 0x7F;
        assert!(matches!(
            parse_incoming(&first_part),
            Err(PageError::Fragmented)
        ));
        let rest = masked(OP_CONTINUATION, b"dy");
        assert!(matches!(parse_incoming(&rest), Err(PageError::Fragmented)));
        assert!(matches!(
            parse_incoming(&masked(0x3, b"")),
            Err(PageError::Opcode(3))
        ));
        // Refused from its header alone, before the bytes arrive.
        let huge = &masked(OP_BINARY, &vec![0; 70_000])[..14];
        assert!(matches!(
            parse_incoming(huge),
            Err(PageError::TooLong(70_000))
        ));
    }
}
