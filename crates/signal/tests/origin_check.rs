//! A web page elsewhere cannot open a WebSocket to the server from the user's browser
//! (browsers send `Origin`; any page may try `ws://127.0.0.1:7788/ws`): refused with 403
//! before the upgrade. The server's own pages, native clients (no `Origin`) and origins
//! listed in the config get in.

mod common;
use common::*;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Error;

/// Opens a WebSocket with `origin`; `Err(status)` if the HTTP upgrade was refused.
async fn open_with_origin(url: &str, origin: Option<&str>) -> Result<Raw, u16> {
    let mut request = url.into_client_request().expect("request");
    if let Some(origin) = origin {
        let value = HeaderValue::from_str(origin).expect("header value");
        request.headers_mut().insert("origin", value);
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((ws, _)) => Ok(Raw { ws }),
        Err(Error::Http(response)) => Err(response.status().as_u16()),
        Err(e) => panic!("unexpected failure {e}"),
    }
}

#[tokio::test]
async fn foreign_pages_are_refused_own_pages_and_native_clients_get_in() {
    let mut config = fast_config();
    config.allowed_origins = vec!["https://app.example.org".into()];
    let server = start(config).await;
    let url = server.url();
    let own = format!("http://{}", server.local_addr());

    assert_eq!(
        open_with_origin(&url, Some("https://evil.example"))
            .await
            .err(),
        Some(403)
    );
    assert_eq!(
        open_with_origin(&url, Some("null")).await.err(),
        Some(403),
        "sandboxed frames and file pages too"
    );
    for origin in [None, Some(own.as_str()), Some("https://app.example.org")] {
        let mut raw = open_with_origin(&url, origin)
            .await
            .unwrap_or_else(|status| panic!("{origin:?} refused with {status}"));
        raw.hello("ok", "r").await;
    }
    server.shutdown().await;
}
