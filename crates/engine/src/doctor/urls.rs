//! Reading `stun:` / `turn:` / `turns:` URLs (RFC 7064 / 7065) and the error code in an
//! allocation error's text. Pure.

/// The scheme of an ICE server URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `stun:`
    Stun,
    /// `turn:`
    Turn,
    /// `turns:` (TURN over TLS)
    Turns,
}

/// An ICE server URL, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IceUrl {
    /// As given.
    pub raw: String,
    /// Its scheme.
    pub scheme: Scheme,
    /// Host name or address (IPv6 without brackets).
    pub host: String,
    /// Port (3478, or 5349 for `turns:`, when absent).
    pub port: u16,
    /// Whether the server is reached over UDP (`?transport=tcp` or `turns:`: no).
    pub udp: bool,
}

impl IceUrl {
    /// `host:port` for a socket address lookup.
    #[must_use]
    pub fn host_port(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// Reads one URL; `None` for anything else.
#[must_use]
pub fn parse(raw: &str) -> Option<IceUrl> {
    let (scheme, rest) = raw.trim().split_once(':')?;
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "stun" => Scheme::Stun,
        "turn" => Scheme::Turn,
        "turns" => Scheme::Turns,
        _ => return None,
    };
    let (authority, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return None;
    }
    let default_port = if scheme == Scheme::Turns { 5349 } else { 3478 };
    let port = match port {
        Some(p) => p.parse().ok()?,
        None => default_port,
    };
    let tcp = query
        .split('&')
        .any(|kv| kv.eq_ignore_ascii_case("transport=tcp"));
    Some(IceUrl {
        raw: raw.to_owned(),
        scheme,
        host: host.to_owned(),
        port,
        udp: scheme != Scheme::Turns && !tcp,
    })
}

/// The code and reason in `rtc`'s error text for an error answer (`… (error 401:
/// Unauthorized)`).
#[must_use]
pub fn stun_error_code(text: &str) -> Option<(u16, String)> {
    let (_, after) = text.split_once("(error ")?;
    let (code, reason) = after.split_once(':')?;
    let code = code.trim().parse().ok()?;
    let reason = reason.trim().trim_end_matches(')').trim().to_owned();
    Some((code, reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scheme, host, port, over UDP.
    type Read<'a> = Option<(Scheme, &'a str, u16, bool)>;

    #[test]
    fn urls_are_read() {
        let table: &[(&str, Read<'_>)] = &[
            (
                "stun:203.0.113.10:3478",
                Some((Scheme::Stun, "203.0.113.10", 3478, true)),
            ),
            (
                "stun:stun.example.org",
                Some((Scheme::Stun, "stun.example.org", 3478, true)),
            ),
            (
                "turn:203.0.113.10:3478?transport=udp",
                Some((Scheme::Turn, "203.0.113.10", 3478, true)),
            ),
            (
                "turn:turn.example.org?transport=tcp",
                Some((Scheme::Turn, "turn.example.org", 3478, false)),
            ),
            (
                "turns:turn.example.org",
                Some((Scheme::Turns, "turn.example.org", 5349, false)),
            ),
            (
                "stun:[2001:db8::1]:3479",
                Some((Scheme::Stun, "2001:db8::1", 3479, true)),
            ),
            ("stun:host:notaport", None),
            ("stun:", None),
            ("http://example.org", None),
        ];
        for (raw, want) in table {
            let got = parse(raw).map(|u| (u.scheme, u.host.clone(), u.port, u.udp));
            let want = want.map(|(s, h, p, udp)| (s, h.to_owned(), p, udp));
            assert_eq!(got, want, "{raw}");
        }
        assert_eq!(
            parse("stun:[2001:db8::1]:3479").map(|u| u.host_port()),
            Some("[2001:db8::1]:3479".to_owned())
        );
    }

    #[test]
    fn error_codes_are_read_from_the_error_text() {
        assert_eq!(
            stun_error_code("Allocate error response (error 401: Unauthorized)"),
            Some((401, "Unauthorized".to_owned()))
        );
        assert_eq!(
            stun_error_code("x (error 486: Allocation Quota Reached)"),
            Some((486, "Allocation Quota Reached".to_owned()))
        );
        assert_eq!(stun_error_code("attribute not found"), None);
    }
}
