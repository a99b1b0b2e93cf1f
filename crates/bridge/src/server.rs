//! The loopback WebSocket server behind the bridge.

use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use peercall_media::clock::now_us;
use peercall_media::{FrameSink, Picture};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::{AbortHandle, JoinHandle};
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;

use crate::admission::{AcceptBackoff, Limits};
use crate::page::serve_page;
use crate::wire::{FrameHeader, StreamId};
use crate::ws_frame::PageError;

/// What a page sends to ask for the next frame; `ready <w>x<h>` asks for it shrunk to cover
/// that many device pixels when it is much larger (see [`crate::shrink`]).
pub const READY: &str = "ready";

/// Errors of the bridge layer. New kinds may be added: match with a wildcard arm.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BridgeError {
    /// The bridge could not listen on a loopback port (none free, or no loopback).
    #[error("cannot listen on loopback: {0}")]
    Bind(#[source] std::io::Error),
    /// A frame's planes do not match its size: the producer's bug, the frame is refused.
    #[error("frame of {width}x{height} needs {expected} bytes of I420, got {actual}")]
    FrameSize {
        /// Width the frame claims, pixels.
        width: u32,
        /// Height the frame claims, pixels.
        height: u32,
        /// Bytes of I420 that size needs.
        expected: usize,
        /// Bytes the frame has.
        actual: usize,
    },
}

/// A published frame: its header (the send time is stamped as it goes) and its planes,
/// shared by every page that takes it and written to their sockets from where they are.
#[derive(Clone)]
pub(crate) struct Frame {
    pub(crate) header: FrameHeader,
    pub(crate) planes: Bytes,
}

struct Stream {
    newest: watch::Sender<Option<Frame>>,
    published: AtomicU64,
}

/// A running bridge. Dropping it stops accepting pages and closes the connected ones;
/// publishers that outlive it publish into the void.
pub struct FrameBridge {
    addr: SocketAddr,
    secret: String,
    streams: Arc<[Stream; 2]>,
    accept_task: JoinHandle<()>,
    /// Never sent on: its drop tells every page task to close.
    _alive: watch::Sender<()>,
}

/// Hands frames of one stream to the bridge; cheap to clone, usable from any thread.
#[derive(Clone)]
pub struct FramePublisher {
    stream: StreamId,
    streams: Arc<[Stream; 2]>,
}

impl FrameBridge {
    /// Listens on `127.0.0.1:0` with a fresh random secret and the default [`Limits`]. Call
    /// inside a tokio runtime.
    pub async fn start() -> Result<Self, BridgeError> {
        Self::start_with(Limits::default()).await
    }

    /// [`FrameBridge::start`] with other connection limits.
    pub async fn start_with(limits: Limits) -> Result<Self, BridgeError> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(BridgeError::Bind)?;
        let addr = listener.local_addr().map_err(BridgeError::Bind)?;
        let secret = random_secret();
        let streams: Arc<[Stream; 2]> = Arc::new(StreamId::ALL.map(|_| Stream {
            newest: watch::Sender::new(None),
            published: AtomicU64::new(0),
        }));
        let (alive, alive_rx) = watch::channel(());
        let shared = Arc::new(Shared {
            secret: secret.clone(),
            streams: streams.clone(),
            pages: Arc::new(Semaphore::new(limits.max_pages)),
            limits,
        });
        let accept_task = tokio::spawn(accept_loop(listener, shared, alive_rx));
        tracing::info!(%addr, "frame bridge listening");
        Ok(Self {
            addr,
            secret,
            streams,
            accept_task,
            _alive: alive,
        })
    }

    /// The bound loopback address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The per-launch secret a page must present (`?s=`).
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// The URL a page opens to receive `stream`.
    pub fn url(&self, stream: StreamId) -> String {
        format!(
            "ws://{}/frames/{}?s={}",
            self.addr, stream as u8, self.secret
        )
    }

    /// A publisher for `stream`.
    pub fn publisher(&self, stream: StreamId) -> FramePublisher {
        FramePublisher {
            stream,
            streams: self.streams.clone(),
        }
    }
}

impl Drop for FrameBridge {
    fn drop(&mut self) {
        self.accept_task.abort();
    }
}

impl FramePublisher {
    /// Makes a copy of `i420` (packed Y, U, V) the newest frame of this stream, replacing any
    /// frame no page has taken yet. Never blocks. (A [`Picture`] shown through the
    /// [`FrameSink`] impl is taken without a copy.)
    pub fn publish(
        &self,
        width: u32,
        height: u32,
        frame_number: u64,
        capture_time_us: u64,
        i420: &[u8],
    ) -> Result<(), BridgeError> {
        let header = self.header(width, height, frame_number, capture_time_us);
        Self::check(&header, i420.len())?;
        self.put(Frame {
            header,
            planes: Bytes::copy_from_slice(i420),
        });
        Ok(())
    }

    fn header(&self, width: u32, height: u32, frame_number: u64, capture_us: u64) -> FrameHeader {
        FrameHeader {
            stream: self.stream,
            mirrored: self.stream == StreamId::LocalPreview,
            width,
            height,
            shrink: 1,
            frame_number,
            capture_time_us: capture_us,
            // When it was handed to the bridge, on the capture clock (the page's "bridge
            // latency" is from here to drawn).
            sent_time_us: now_us(),
        }
    }

    fn check(header: &FrameHeader, len: usize) -> Result<(), BridgeError> {
        if len == header.payload_len() {
            return Ok(());
        }
        Err(BridgeError::FrameSize {
            width: header.width,
            height: header.height,
            expected: header.payload_len(),
            actual: len,
        })
    }

    fn put(&self, frame: Frame) {
        let stream = &self.streams[self.stream as usize];
        stream.newest.send_replace(Some(frame));
        stream.published.fetch_add(1, Ordering::Relaxed);
    }

    /// Clears the stream (the page shows its placeholder), e.g. when the camera is turned off.
    pub fn clear(&self) {
        self.streams[self.stream as usize].newest.send_replace(None);
    }

    /// Frames published on this stream so far.
    pub fn published(&self) -> u64 {
        self.streams[self.stream as usize]
            .published
            .load(Ordering::Relaxed)
    }
}

/// The bridge as a frame sink: the engine's decoder and a camera's thread show their
/// pictures here directly. The planes are taken as they are (the frame's buffer becomes the
/// message's payload), so nothing copies the picture on its way to the pages' sockets.
impl FrameSink for FramePublisher {
    fn show(&self, picture: Picture) {
        let f = picture.frame;
        let header = self.header(f.width, f.height, f.frame_number, f.capture_time_us);
        if let Err(err) = Self::check(&header, f.data.len()) {
            tracing::warn!(%err, "frame not published");
            return;
        }
        self.put(Frame {
            header,
            planes: Bytes::from(f.data),
        });
    }

    fn clear(&self) {
        FramePublisher::clear(self);
    }
}

fn random_secret() -> String {
    let bytes: [u8; 24] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares in constant time so the secret cannot be guessed byte by byte.
fn secret_matches(given: &str, secret: &str) -> bool {
    given.len() == secret.len()
        && given
            .bytes()
            .zip(secret.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// Which stream a request asks for, if its path and secret are right.
fn authorise(request: &Request, secret: &str) -> Option<StreamId> {
    let uri = request.uri();
    let id = uri.path().strip_prefix("/frames/")?.parse::<u8>().ok()?;
    let given = uri
        .query()?
        .split('&')
        .find_map(|kv| kv.strip_prefix("s="))?;
    secret_matches(given, secret).then_some(())?;
    StreamId::from_u8(id)
}

/// What every connection task needs.
struct Shared {
    secret: String,
    streams: Arc<[Stream; 2]>,
    pages: Arc<Semaphore>,
    limits: Limits,
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, alive: watch::Receiver<()>) {
    let mut backoff = AcceptBackoff::default();
    // Connections still in their handshake, oldest first.
    let mut pending: VecDeque<AbortHandle> = VecDeque::new();
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(conn) => conn,
            Err(err) => {
                let (wait, log) = backoff.failed();
                if log {
                    tracing::warn!(%err, "frame bridge accept failed; backing off");
                }
                tokio::time::sleep(wait).await;
                continue;
            }
        };
        let streak = backoff.succeeded();
        if streak > 1 {
            tracing::warn!(failures = streak, "frame bridge accepts again");
        }
        pending.retain(|task| !task.is_finished());
        while pending.len() >= shared.limits.max_pending.max(1) {
            if let Some(oldest) = pending.pop_front() {
                oldest.abort();
                tracing::debug!(
                    "frame bridge: too many connections mid-handshake, closed the oldest"
                );
            }
        }
        let (shared, alive) = (shared.clone(), alive.clone());
        let task = tokio::spawn(async move {
            let limit = shared.limits.handshake_timeout;
            match tokio::time::timeout(limit, admit(tcp, &shared)).await {
                Ok(Ok(Some((tcp, stream, permit)))) => {
                    // Out of the pending set: the page is served by a task of its own.
                    let newest = shared.streams[stream as usize].newest.subscribe();
                    tokio::spawn(async move {
                        if let Err(err) = serve_page(tcp, newest, alive).await {
                            tracing::debug!(%peer, %err, "frame bridge page disconnected");
                        }
                        drop(permit);
                    });
                }
                Ok(Ok(None)) => {}
                Ok(Err(err)) => tracing::debug!(%peer, %err, "frame bridge handshake failed"),
                Err(_) => tracing::debug!(%peer, "frame bridge handshake timed out"),
            }
        });
        pending.push_back(task.abort_handle());
    }
}

/// The WebSocket upgrade with the secret check, and a page slot; the socket comes back bare
/// (the page's frames are handled by `page.rs`). `None`: refused (wrong secret or stream,
/// answered 403 by the handshake) or no slot left (closed). A page cannot have sent a frame
/// before our handshake response, so the handshake leaves nothing unread behind.
// tungstenite's handshake callback must return its (large) `ErrorResponse` by value.
#[allow(clippy::result_large_err)]
async fn admit(
    tcp: TcpStream,
    shared: &Shared,
) -> Result<Option<(TcpStream, StreamId, OwnedSemaphorePermit)>, PageError> {
    tcp.set_nodelay(true)?;
    let mut chosen = None;
    let check = |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
        chosen = authorise(request, &shared.secret);
        if chosen.is_some() {
            Ok(response)
        } else {
            let mut denied = ErrorResponse::new(Some("bad stream or secret".into()));
            *denied.status_mut() = StatusCode::FORBIDDEN;
            Err(denied)
        }
    };
    let mut ws = tokio_tungstenite::accept_hdr_async(tcp, check).await?;
    let Some(stream) = chosen else {
        return Ok(None);
    };
    match shared.pages.clone().try_acquire_owned() {
        Ok(permit) => Ok(Some((ws.into_inner(), stream, permit))),
        Err(_) => {
            tracing::warn!("frame bridge: page limit reached, closing a new page");
            let _ = ws.close(None).await;
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The picture's buffer becomes the published planes: the sink copies nothing (the one
    /// copy a frame may take on its way to the socket is the shrink for a small view).
    #[tokio::test]
    async fn a_picture_shown_on_the_sink_is_published_without_a_copy() {
        let bridge = FrameBridge::start().await.unwrap();
        let sink = bridge.publisher(StreamId::Remote);
        let mut frame = peercall_media::VideoFrame::black(64, 48);
        frame.frame_number = 5;
        let at = frame.data.as_ptr();
        sink.show(Picture::captured(frame));
        let newest = bridge.streams[StreamId::Remote as usize].newest.borrow();
        let published = newest.as_ref().expect("a frame is published");
        assert_eq!(published.planes.as_ptr(), at, "the planes were copied");
        assert_eq!(published.header.frame_number, 5);
        drop(newest);
        FrameSink::clear(&sink);
        assert!(bridge.streams[StreamId::Remote as usize]
            .newest
            .borrow()
            .is_none());
        // A picture whose buffer does not match its size is refused, not published.
        let mut bad = peercall_media::VideoFrame::black(4, 4);
        bad.data.pop();
        sink.show(Picture::captured(bad));
        assert_eq!(sink.published(), 1);
    }

    #[test]
    fn secret_comparison() {
        assert!(secret_matches("abc", "abc"));
        assert!(!secret_matches("abd", "abc"));
        assert!(!secret_matches("ab", "abc"));
        assert!(!secret_matches("", "abc"));
    }

    #[test]
    fn authorises_only_known_streams_with_the_secret() {
        let req = |uri: &str| Request::builder().uri(uri).body(()).unwrap();
        assert_eq!(
            authorise(&req("/frames/1?s=k"), "k"),
            Some(StreamId::Remote)
        );
        assert_eq!(
            authorise(&req("/frames/0?x=1&s=k"), "k"),
            Some(StreamId::LocalPreview)
        );
        assert_eq!(authorise(&req("/frames/1?s=j"), "k"), None);
        assert_eq!(authorise(&req("/frames/1"), "k"), None);
        assert_eq!(authorise(&req("/frames/7?s=k"), "k"), None);
        assert_eq!(authorise(&req("/other/1?s=k"), "k"), None);
    }
}
