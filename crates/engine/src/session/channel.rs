//! The ordered, reliable data channel for chat and call control.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use webrtc::data_channel::{DataChannel, DataChannelEvent};

use super::events::{ControlMessage, SessionEvent};
use crate::control_wire;

mod inbox;

use inbox::ControlInbox;
pub use inbox::{
    BURST as CONTROL_BURST, RATE as CONTROL_RATE, REPORT_EVERY as CONTROL_REPORT_EVERY,
};

/// Why a message could not go over the call's data channel. New kinds may be added.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChannelError {
    /// The channel is not open (not yet, or not any more).
    #[error("data channel not open")]
    NotOpen,
    /// A thread panicked while holding the channel.
    #[error("data channel lock poisoned")]
    Poisoned,
    /// The message could not be encoded.
    #[error("cannot encode the message: {0}")]
    Encode(#[from] serde_json::Error),
    /// The WebRTC stack refused to send it.
    #[error("cannot send: {0}")]
    Send(#[from] webrtc::error::Error),
}

/// Label of the control channel.
pub const LABEL: &str = "peercall";

/// Holds the channel once it exists (created by the caller, announced to the callee).
/// A session has one: any further channel the peer opens is closed unread, so a peer
/// cannot multiply its message rate (each reader's limits) or our replies to `OnOpen`.
#[derive(Default)]
pub struct ControlChannel {
    channel: Mutex<Option<Arc<dyn DataChannel>>>,
}

impl ControlChannel {
    /// Keeps `dc` and starts reading it, unless the session has its channel already.
    pub fn attach(&self, dc: Arc<dyn DataChannel>, events: mpsc::UnboundedSender<SessionEvent>) {
        let first = match self.channel.lock() {
            Ok(mut slot) if slot.is_none() => {
                *slot = Some(dc.clone());
                true
            }
            _ => false,
        };
        if !first {
            tracing::warn!("the peer opened a second data channel: closed unread");
            tokio::spawn(async move {
                let _ = dc.close().await;
            });
            return;
        }
        tokio::spawn(read(dc, events));
    }

    /// Waits (at most `limit`) until the peer has acknowledged everything sent, so a
    /// last message is not lost to the connection closing right after it.
    pub async fn drain(&self, limit: Duration) {
        let Some(dc) = self.channel.lock().ok().and_then(|slot| slot.clone()) else {
            return;
        };
        let end = tokio::time::Instant::now() + limit;
        while tokio::time::Instant::now() < end {
            match dc.outstanding_bytes().await {
                Ok(0) | Err(_) => return,
                Ok(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        }
    }

    /// Sends one message; an error if the channel is not there or not open.
    pub async fn send(&self, msg: &ControlMessage) -> Result<(), ChannelError> {
        let dc = self
            .channel
            .lock()
            .map_err(|_| ChannelError::Poisoned)?
            .clone()
            .ok_or(ChannelError::NotOpen)?;
        let text = control_wire::encode(msg)?;
        dc.send_text(&text).await?;
        Ok(())
    }
}

/// Reads the channel until it closes: each message parsed, then through the
/// [`ControlInbox`] (which wakes the reader to pass on a held media state or a report).
async fn read(dc: Arc<dyn DataChannel>, events: mpsc::UnboundedSender<SessionEvent>) {
    let mut inbox = ControlInbox::new(Instant::now());
    loop {
        let deadline = inbox.next_deadline(Instant::now());
        let wake = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d.into()).await,
                None => std::future::pending().await,
            }
        };
        let out = tokio::select! {
            event = dc.poll() => match event {
                Some(DataChannelEvent::OnOpen) => vec![SessionEvent::ChannelOpen],
                Some(DataChannelEvent::OnMessage(msg)) => match control_wire::parse(&msg.data) {
                    Ok(m) => inbox.on_message(m, Instant::now()),
                    Err(e) => {
                        tracing::debug!("ignoring a data-channel message: {e}");
                        Vec::new()
                    }
                },
                Some(DataChannelEvent::OnClose) | None => break,
                Some(_) => Vec::new(),
            },
            () = wake => inbox.on_time(Instant::now()),
        };
        for event in out {
            if events.send(event).is_err() {
                return;
            }
        }
    }
    if inbox.dropped() > 0 {
        tracing::warn!(
            dropped = inbox.dropped(),
            "data channel closed after a flood"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_message_before_the_channel_opens_is_a_typed_error() {
        let channel = ControlChannel::default();
        let sent = channel.send(&ControlMessage::Hangup).await;
        assert!(matches!(sent, Err(ChannelError::NotOpen)), "{sent:?}");
    }
}
