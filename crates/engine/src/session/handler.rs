//! The `webrtc` event handler: turns callbacks into [`SessionEvent`]s and starts the
//! readers of remote tracks and of the callee's data channel.

use std::sync::Arc;

use tokio::sync::mpsc;
use webrtc::data_channel::DataChannel;
use webrtc::media_stream::track_remote::TrackRemote;
use webrtc::peer_connection::{
    PeerConnectionEventHandler, RTCIceConnectionState, RTCIceGatheringState,
    RTCPeerConnectionIceEvent, RTCPeerConnectionState,
};

use super::channel::ControlChannel;
use super::diagnose::LocalTally;
use super::events::SessionEvent;
use super::receive::Receivers;
use crate::call::IceCandidate;

pub(crate) struct Handler {
    pub events: mpsc::UnboundedSender<SessionEvent>,
    pub local_tally: Arc<LocalTally>,
    pub channel: Arc<ControlChannel>,
    pub receivers: Arc<Receivers>,
    /// Send host candidates only as `.local` names (`SessionConfig::mdns_host_candidates`).
    pub hide_addresses: bool,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_candidate(&self, event: RTCPeerConnectionIceEvent) {
        match event.candidate.to_json() {
            Ok(init) => {
                self.local_tally.gathered(&init.candidate);
                let candidate = if self.hide_addresses {
                    let Some(line) = super::mdns::hide_addresses(&init.candidate) else {
                        tracing::debug!(
                            "not sending {} (our addresses are hidden)",
                            init.candidate
                        );
                        return;
                    };
                    line
                } else {
                    init.candidate
                };
                let _ = self.events.send(SessionEvent::LocalCandidate(IceCandidate {
                    candidate,
                    sdp_mid: init.sdp_mid,
                    sdp_mline_index: init.sdp_mline_index,
                }));
            }
            Err(e) => tracing::warn!("cannot serialise a local candidate: {e}"),
        }
    }

    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        if state == RTCIceGatheringState::Complete {
            let _ = self.events.send(SessionEvent::EndOfCandidates);
        }
    }

    async fn on_ice_connection_state_change(&self, state: RTCIceConnectionState) {
        if matches!(
            state,
            RTCIceConnectionState::Connected | RTCIceConnectionState::Completed
        ) {
            self.local_tally.path_found();
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        tracing::debug!("peer connection state {state}");
        let event = match state {
            RTCPeerConnectionState::Connected => {
                self.local_tally.connected();
                SessionEvent::Connected
            }
            RTCPeerConnectionState::Disconnected => SessionEvent::Disconnected,
            RTCPeerConnectionState::Failed => SessionEvent::Failed,
            _ => return,
        };
        let _ = self.events.send(event);
    }

    async fn on_data_channel(&self, data_channel: Arc<dyn DataChannel>) {
        self.channel.attach(data_channel, self.events.clone());
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        self.receivers.start(track).await;
    }
}
