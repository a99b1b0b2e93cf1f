//! Every write to a client socket is bounded in time. A client that stops reading fills
//! the kernel's buffers, and then a write (or the close frame) would wait forever,
//! parking the connection's task with everything it holds. Past the limit the write
//! fails, and so does every later write on that socket: the connection is dropped.

use super::wire::WsIo;
use axum::extract::ws::Message;
use std::future::Future;
use std::time::Duration;

/// A socket whose writes fail after `limit`.
pub struct Timed<S> {
    inner: S,
    limit: Duration,
    expired: bool,
}

impl<S> Timed<S> {
    /// Wraps `inner`; each send, feed or flush may take at most `limit`.
    pub fn new(inner: S, limit: Duration) -> Self {
        Timed {
            inner,
            limit,
            expired: false,
        }
    }
}

fn timed_out() -> axum::Error {
    axum::Error::new(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "write to a client that does not read timed out",
    ))
}

impl<S> Timed<S> {
    /// Turns a write's outcome under the time limit into its result; an expiry poisons
    /// the socket for every later write.
    fn settle(
        &mut self,
        outcome: Result<Result<(), axum::Error>, tokio::time::error::Elapsed>,
    ) -> Result<(), axum::Error> {
        outcome.unwrap_or_else(|_| {
            self.expired = true;
            tracing::info!(limit = ?self.limit, "write timed out; dropping the connection");
            Err(timed_out())
        })
    }
}

impl<S: WsIo> WsIo for Timed<S> {
    fn recv(&mut self) -> impl Future<Output = Option<Result<Message, axum::Error>>> + Send {
        self.inner.recv()
    }

    async fn send(&mut self, msg: Message) -> Result<(), axum::Error> {
        if self.expired {
            return Err(timed_out());
        }
        let limit = self.limit;
        let result = tokio::time::timeout(limit, self.inner.send(msg)).await;
        self.settle(result)
    }

    async fn feed(&mut self, msg: Message) -> Result<(), axum::Error> {
        if self.expired {
            return Err(timed_out());
        }
        let limit = self.limit;
        let result = tokio::time::timeout(limit, self.inner.feed(msg)).await;
        self.settle(result)
    }

    async fn flush(&mut self) -> Result<(), axum::Error> {
        if self.expired {
            return Err(timed_out());
        }
        let limit = self.limit;
        let result = tokio::time::timeout(limit, self.inner.flush()).await;
        self.settle(result)
    }
}
