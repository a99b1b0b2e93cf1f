//! Which web pages may open a WebSocket here. Browsers send `Origin` with every
//! WebSocket handshake and let any page connect anywhere, so without this check any site
//! the user visits could drive `ws://127.0.0.1:7788/ws` from their browser. Allowed: no
//! `Origin` at all (native clients such as the app's engine send none), the server's own
//! pages (the origin's host and port are the request's `Host`), and origins listed with
//! `--allow-origin`.

/// Whether a handshake with `origin` and `host` headers may proceed.
pub fn allowed(origin: Option<&str>, host: Option<&str>, listed: &[String]) -> bool {
    let Some(origin) = origin else {
        return true;
    };
    let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    let origin = origin.as_str();
    if listed
        .iter()
        .any(|o| o == "*" || o.trim_end_matches('/').eq_ignore_ascii_case(origin))
    {
        return true;
    }
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    match (authority, host) {
        (Some(authority), Some(host)) => authority.eq_ignore_ascii_case(host.trim()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_pages_native_clients_and_listed_origins_only() {
        let listed = vec!["https://app.example.org".to_owned()];
        let host = Some("127.0.0.1:7788");
        // (origin, host, allowed)
        let table = [
            (None, host, true),
            (Some("http://127.0.0.1:7788"), host, true),
            (Some("HTTP://127.0.0.1:7788/"), host, true),
            (Some("https://app.example.org"), host, true),
            (Some("https://evil.example"), host, false),
            (Some("http://127.0.0.1:7789"), host, false),
            (Some("null"), host, false),
            (Some("file://"), host, false),
            (Some("http://127.0.0.1:7788"), None, false),
        ];
        for (i, (origin, host, want)) in table.into_iter().enumerate() {
            assert_eq!(allowed(origin, host, &listed), want, "row {i}: {origin:?}");
        }
        assert!(allowed(
            Some("https://any.example"),
            host,
            &["*".to_owned()]
        ));
    }
}
