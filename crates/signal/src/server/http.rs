//! HTTP: the axum router (`/ws`, `/healthz`, `/metrics`, static files — `--static-dir`
//! or else the built-in web client from `web/`) and the accept loop that serves it over
//! plain TCP or rustls, with graceful shutdown.

use super::admission::Ticket;
use super::connection;
use super::metrics;
use super::origin;
use super::state::Shared;
use super::tcp;
use super::timed::Timed;
use crate::proof;
use axum::extract::{State, WebSocketUpgrade};
use axum::http::header::{
    AUTHORIZATION, CONTENT_SECURITY_POLICY, CONTENT_TYPE, HOST, ORIGIN, REFERRER_POLICY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Extension;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// The routes of one server.
pub fn router(shared: Arc<Shared>) -> Router {
    let mut router = Router::new()
        .route("/ws", get(ws_upgrade))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics));
    if let Some(dir) = &shared.config.static_dir {
        router = router.fallback_service(tower_http::services::ServeDir::new(dir));
    } else {
        for &(path, content_type, body) in WEB_CLIENT {
            let page = get(move || async move { ([(CONTENT_TYPE, content_type)], body) });
            router = router.route(path, page.clone());
            if path == "/index.html" {
                router = router.route("/", page);
            }
        }
    }
    router
        .layer(axum::middleware::map_response(security_headers))
        .with_state(shared)
}

/// What the web client may load and who may frame it: only its own origin, nothing
/// inline, and no one may put it in a frame (a click-jacked Accept button).
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data: blob:; media-src 'self' blob: mediastream:; connect-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Security headers on every response.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// The browser web client (`web/`), compiled in: (path, content type, body).
const WEB_CLIENT: &[(&str, &str, &str)] = &[
    (
        "/index.html",
        HTML,
        include_str!("../../../../web/index.html"),
    ),
    ("/style.css", CSS, include_str!("../../../../web/style.css")),
    (
        "/signaling.js",
        JS,
        include_str!("../../../../web/signaling.js"),
    ),
    ("/call.js", JS, include_str!("../../../../web/call.js")),
    ("/app.js", JS, include_str!("../../../../web/app.js")),
    ("/stamp.js", JS, include_str!("../../../../web/stamp.js")),
];

/// The admission ticket of the TCP connection a request came on; the WebSocket task
/// holds it after the upgrade, so the connection counts against the caps until it ends.
#[derive(Clone)]
struct ConnTicket(Arc<Ticket>);

async fn ws_upgrade(
    State(shared): State<Arc<Shared>>,
    ticket: Option<Extension<ConnTicket>>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let header = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if !origin::allowed(header(ORIGIN), header(HOST), &shared.config.allowed_origins) {
        tracing::debug!(origin = ?header(ORIGIN), "WebSocket from a foreign page refused");
        return (StatusCode::FORBIDDEN, "origin not allowed\n").into_response();
    }
    let limits = &shared.config.limits;
    // Set explicitly: the library's default maximum is 64 MiB per message. Small
    // buffers keep tens of thousands of idle connections cheap.
    let hard = limits.ws_max_message_bytes.max(limits.max_message_bytes);
    let upgrade = upgrade
        .max_message_size(hard)
        .max_frame_size(hard)
        .read_buffer_size(4 * 1024)
        // Frames fed in a batch collect here and go out with one flush.
        .write_buffer_size(16 * 1024)
        // Room for one message of the largest size past the batch buffer; a client
        // that reads too slowly is dropped by the write timeout, not buffered for.
        .max_write_buffer_size(hard.saturating_add(32 * 1024));
    let nonce = headers
        .get(proof::NONCE_HEADER)
        .and_then(|v| v.to_str().ok());
    let proof = proof_answer(&shared.config, nonce);
    let lan_proof = nonce.and_then(|n| shared.lan_key.as_ref()?.answer(n));
    let tracker = shared.tracker.clone();
    let write_timeout = shared.config.timing.write_timeout;
    let mut response = upgrade.on_upgrade(move |socket| {
        tracker.track_future(async move {
            let _held = ticket;
            connection::serve(Timed::new(socket, write_timeout), shared).await;
        })
    });
    if let Some(answer) = proof.and_then(|a| HeaderValue::from_str(&a).ok()) {
        response.headers_mut().insert(proof::PROOF_HEADER, answer);
    }
    if let Some(answer) = lan_proof.and_then(|a| HeaderValue::from_str(&a).ok()) {
        response
            .headers_mut()
            .insert(crate::lan_proof::LAN_PROOF_HEADER, answer);
    }
    response
}

/// The answer to a client's challenge, when this server has a proof secret (see
/// [`crate::proof`]): the app's local server proves itself before the app says hello.
fn proof_answer(config: &super::Config, nonce: Option<&str>) -> Option<String> {
    config.proof_secret.as_ref()?.answer(config.port, nonce?)
}

/// `/metrics`: see [`metrics::access`] for who may read it.
async fn metrics(
    State(shared): State<Arc<Shared>>,
    ticket: Option<Extension<ConnTicket>>,
    headers: HeaderMap,
) -> Response {
    let presented = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|token| shared.token_ok(Some(token.trim())));
    let peer = ticket.map(|Extension(ConnTicket(t))| t.ip());
    match metrics::access(shared.requires_token(), presented, peer) {
        Ok(()) => {}
        Err(metrics::Denied::Unauthorized) => {
            return (StatusCode::UNAUTHORIZED, "token required\n").into_response()
        }
        Err(metrics::Denied::NotLoopback) => {
            return (StatusCode::FORBIDDEN, "loopback only\n").into_response()
        }
    }
    let text = {
        let registry = shared.registry();
        shared.metrics.render(&registry, shared.admission.open())
    };
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        text,
    )
        .into_response()
}

/// Accepts connections until shutdown; each is served on its own task.
pub async fn accept_loop(listener: TcpListener, tls: Option<TlsAcceptor>, shared: Arc<Shared>) {
    let router = router(shared.clone());
    loop {
        let accepted = tokio::select! {
            _ = shared.shutdown.cancelled() => break,
            a = listener.accept() => a,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Typically out of file descriptors: back off instead of spinning.
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let ticket = match shared.admission.admit(peer.ip()) {
            Ok(ticket) => ConnTicket(Arc::new(ticket)),
            Err(why) => {
                shared.metrics.connection_refused();
                tracing::debug!(%peer, ?why, "connection cap reached; closing at once");
                continue;
            }
        };
        tcp::tune(&stream, &shared.config.timing);
        let router = router.clone();
        let tls = tls.clone();
        let shared = shared.clone();
        shared.tracker.clone().spawn(async move {
            match tls {
                None => serve_http(stream, router, ticket, &shared).await,
                Some(acceptor) => {
                    let timeout = shared.config.timing.hello_timeout;
                    match tokio::time::timeout(timeout, acceptor.accept(stream)).await {
                        Ok(Ok(tls_stream)) => serve_http(tls_stream, router, ticket, &shared).await,
                        Ok(Err(e)) => tracing::debug!("TLS handshake failed: {e}"),
                        Err(_) => tracing::debug!("TLS handshake timed out"),
                    }
                }
            }
        });
    }
}

async fn serve_http<S>(stream: S, router: Router, ticket: ConnTicket, shared: &Shared)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(ticket.clone());
        let mut router = router.clone();
        async move { tower_service::Service::call(&mut router, req).await }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(shared.config.timing.hello_timeout)
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::debug!("http connection ended: {e}");
            }
        }
        _ = shared.shutdown.cancelled() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(shared.config.timing.shutdown_grace, conn).await;
        }
    }
}
