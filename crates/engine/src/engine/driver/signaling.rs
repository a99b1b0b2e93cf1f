//! What the signaling client reports, and a change of the local network.

use peercall_protocol::ErrorCode;
use peercall_signal::client::ClientEvent;

use super::Driver;
use crate::call::Input;
use crate::engine::netwatch::NetChange;
use crate::engine::path_check::{self, Verdict};
use crate::engine::{convert, EngineErrorCode, EngineEvent};

impl Driver {
    pub(super) async fn on_client_event(&mut self, ev: ClientEvent) {
        match ev {
            ClientEvent::Welcome {
                id,
                peers,
                ice_servers,
            } => {
                if !self.config.keep_ice_servers {
                    self.ice_servers = convert::ice_servers(&ice_servers);
                }
                let id = convert::peer(&id);
                self.emit(EngineEvent::Connected {
                    id: id.clone(),
                    peers,
                });
                if self.welcomed {
                    // A reconnect that could not resume: the old id is gone. An established
                    // call goes on and re-pairs under the new one.
                    self.feed(Input::SignalingRenewed { id }).await;
                }
                self.welcomed = true;
            }
            // Fresh TURN credentials: the next peer connection (a call, an ICE restart)
            // allocates its relay with them, however long we have been online.
            ClientEvent::IceServers { ice_servers } => {
                if !self.config.keep_ice_servers {
                    self.ice_servers = convert::ice_servers(&ice_servers);
                }
            }
            ClientEvent::Reconnecting { attempt, delay } => {
                self.emit(EngineEvent::Reconnecting { attempt, delay });
            }
            ClientEvent::Reconnected => self.emit(EngineEvent::Reconnected),
            ClientEvent::PeerJoined { peer } => self.emit(EngineEvent::PeerJoined(peer)),
            ClientEvent::PeerUpdated { peer } => self.emit(EngineEvent::PeerUpdated(peer)),
            ClientEvent::PeerLeft { id } => {
                let id = convert::peer(&id);
                self.emit(EngineEvent::PeerLeft(id.clone()));
                self.feed(Input::PeerLeft(id)).await;
            }
            ClientEvent::Signal { from, data } => {
                tracing::debug!("received {}", data.kind());
                if let Some(signal) = convert::signal(data) {
                    let from = convert::peer(&from);
                    self.feed(Input::Signal { from, signal }).await;
                }
            }
            ClientEvent::Error { code, message, to } => {
                if code == ErrorCode::UnknownPeer {
                    if let Some(to) = to {
                        self.feed(Input::PeerLeft(convert::peer(&to))).await;
                    }
                }
                self.error(EngineErrorCode::Server(code), format!("{code}: {message}"));
            }
            ClientEvent::Closed { reason } => {
                self.client = None;
                self.feed(Input::SignalingLost).await;
                self.error(EngineErrorCode::SignalingClosed, format!("{reason:?}"));
            }
            other => tracing::debug!("signaling: {other:?}"),
        }
    }

    /// Our addresses changed: the signaling connection's TCP may be dead too, so it
    /// resumes on a new one at once (before a restart offer is queued on it), then the
    /// call restarts ICE if the change can have broken its path (`path_check`).
    pub(super) async fn on_network_changed(&mut self, change: NetChange) {
        if let Some(client) = &self.client {
            if let Err(e) = client.reconnect_now().await {
                tracing::debug!("signaling reconnect: {e}");
            }
        }
        let Some(active) = self.active.as_ref() else {
            return;
        };
        let path = self
            .path
            .as_ref()
            .filter(|(call, _)| *call == active.call)
            .map(|(_, path)| path);
        match path_check::judge(&change, path) {
            Verdict::Keep(why) => tracing::info!(?path, "network change: no ICE restart, {why}"),
            Verdict::Restart(why) => {
                tracing::info!(?path, "network change: ICE restart, {why}");
                self.feed(Input::NetworkChanged).await;
            }
        }
    }
}
