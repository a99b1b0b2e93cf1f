//! The ordered, reliable data channel for chat and call control.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use webrtc::data_channel::{DataChannel, DataChannelEvent};

use super::events::{ControlMessage, SessionEvent};
use crate::control_wire;

/// Label of the control channel.
pub const LABEL: &str = "peercall";

/// Holds the channel once it exists (created by the caller, announced to the callee).
#[derive(Default)]
pub struct ControlChannel {
    channel: Mutex<Option<Arc<dyn DataChannel>>>,
}

impl ControlChannel {
    /// Keeps `dc` and starts reading it.
    pub fn attach(&self, dc: Arc<dyn DataChannel>, events: mpsc::UnboundedSender<SessionEvent>) {
        if let Ok(mut slot) = self.channel.lock() {
            *slot = Some(dc.clone());
        }
        tokio::spawn(async move {
            while let Some(event) = dc.poll().await {
                match event {
                    DataChannelEvent::OnOpen => {
                        let _ = events.send(SessionEvent::ChannelOpen);
                    }
                    DataChannelEvent::OnMessage(msg) => match control_wire::parse(&msg.data) {
                        Ok(m) => {
                            let _ = events.send(SessionEvent::Control(m));
                        }
                        Err(e) => tracing::debug!("ignoring a data-channel message: {e}"),
                    },
                    DataChannelEvent::OnClose => break,
                    _ => {}
                }
            }
        });
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
    pub async fn send(&self, msg: &ControlMessage) -> Result<(), String> {
        let dc = self
            .channel
            .lock()
            .map_err(|_| "channel lock poisoned".to_owned())?
            .clone()
            .ok_or_else(|| "data channel not open".to_owned())?;
        let text = control_wire::encode(msg).map_err(|e| e.to_string())?;
        dc.send_text(&text).await.map_err(|e| e.to_string())
    }
}
