//! The built-in web client: without `--static-dir` the server serves `web/` from the
//! binary, over real HTTP on loopback.

mod common;
use common::*;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A raw HTTP/1.1 GET: (status, content type, body).
async fn get(addr: SocketAddr, path: &str) -> (u16, String, String) {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await.expect("connects");
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.expect("writes");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.expect("reads");
        String::from_utf8(raw).expect("utf-8 response")
    };
    let text = tokio::time::timeout(PATIENCE, exchange)
        .await
        .expect("server answered in time");
    let (head, body) = text.split_once("\r\n\r\n").expect("header end");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let content_type = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-type")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default();
    (status, content_type, body.to_owned())
}

#[tokio::test]
async fn web_client_is_served_without_a_static_dir() {
    let config = fast_config();
    assert!(config.static_dir.is_none());
    let server = start(config).await;
    let addr = server.local_addr();

    let (status, content_type, body) = get(addr, "/").await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "text/html; charset=utf-8");
    assert!(
        body.contains(r#"<script type="module" src="app.js">"#),
        "{body}"
    );
    assert_eq!(get(addr, "/index.html").await.2, body);

    let (status, content_type, body) = get(addr, "/app.js").await;
    assert_eq!(status, 200);
    assert!(
        content_type.starts_with("text/javascript"),
        "{content_type}"
    );
    assert!(body.contains("import { CallManager } from './call.js';"));

    let (status, content_type, _) = get(addr, "/style.css").await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/css"), "{content_type}");
    for path in ["/signaling.js", "/call.js", "/stamp.js"] {
        assert_eq!(get(addr, path).await.0, 200, "{path}");
    }
    assert_eq!(get(addr, "/nothing-here").await.0, 404);
    assert_eq!(get(addr, "/healthz").await.0, 200);
    server.shutdown().await;
}

/// The response head of a GET (status line and headers).
async fn head(addr: SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("writes");
    let mut raw = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut raw))
        .await
        .expect("answered in time")
        .expect("reads");
    let text = String::from_utf8_lossy(&raw).to_string();
    text.split_once("\r\n\r\n")
        .map_or(text.clone(), |(h, _)| h.to_owned())
}

#[tokio::test]
async fn the_shipped_client_cannot_be_framed_and_has_no_test_switches() {
    let server = start(fast_config()).await;
    let addr = server.local_addr();
    let page = head(addr, "/").await.to_ascii_lowercase();
    let csp = page
        .lines()
        .find_map(|l| l.strip_prefix("content-security-policy:"))
        .unwrap_or_else(|| panic!("a CSP header:\n{page}"));
    for directive in [
        "frame-ancestors 'none'",
        "script-src 'self'",
        "connect-src 'self'",
    ] {
        assert!(csp.contains(directive), "CSP lacks {directive}: {csp}");
    }
    assert!(page.contains("x-frame-options: deny"), "{page}");
    // The test-only parameters (autojoin, autoAnswer, server) need test-build.js.
    let (status, _, _) = get(addr, "/test-build.js").await;
    assert_eq!(status, 404);
    server.shutdown().await;
}
