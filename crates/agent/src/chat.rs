//! The `--chat` line: sent once the call is up, retried while the data channel opens.

use std::time::Duration;

use peercall_engine::Engine;
use tokio::time::Instant;

/// Wait between attempts while the data channel is not open yet.
const RETRY: Duration = Duration::from_millis(200);
/// Attempts before giving up (about 20 s of retries).
const MAX_ATTEMPTS: u32 = 100;

/// One outgoing chat line and its delivery state.
#[derive(Debug, Default)]
pub struct ChatOut {
    text: Option<String>,
    due: Option<Instant>,
    in_flight: bool,
    attempts: u32,
    sent: u64,
}

impl ChatOut {
    /// A sender for `text` (nothing to send when `None`).
    #[must_use]
    pub fn new(text: Option<String>) -> Self {
        Self {
            text,
            ..Self::default()
        }
    }

    /// The call is connected: send as soon as possible.
    pub fn connected(&mut self) {
        if self.text.is_some() && self.sent == 0 && !self.in_flight {
            self.due = Some(Instant::now());
        }
    }

    /// When the next attempt is due.
    #[must_use]
    pub fn due(&self) -> Option<Instant> {
        self.due
    }

    /// Hands the line to the engine (call when [`Self::due`] has passed).
    pub fn send(&mut self, engine: &Engine) {
        self.due = None;
        let Some(text) = self.text.clone() else {
            return;
        };
        self.attempts += 1;
        match engine.send_chat(text) {
            Ok(()) => {
                self.in_flight = true;
                self.sent += 1;
            }
            Err(e) => tracing::warn!("chat not sent: {e}"),
        }
    }

    /// The engine reported a `chat` error: the line did not go out; retry a little later.
    pub fn failed(&mut self, message: &str) {
        if !self.in_flight {
            return;
        }
        self.in_flight = false;
        self.sent = self.sent.saturating_sub(1);
        if self.attempts < MAX_ATTEMPTS {
            tracing::debug!("chat not sent yet ({message}), retrying");
            self.due = Some(Instant::now() + RETRY);
        } else {
            tracing::warn!("chat not sent: {message}");
        }
    }

    /// Lines handed to the engine and not reported failed.
    #[must_use]
    pub fn sent(&self) -> u64 {
        self.sent
    }
}
