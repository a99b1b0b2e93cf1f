//! The ICE servers of a live session. TURN credentials are short-lived (`--turn-ttl`,
//! 10 min by default) and a call can outlive them: coturn does not check them again while
//! an allocation lives, but an ICE restart allocates anew, and with the credentials the call
//! started with it was refused once they had expired (so a relayed call lost its relay at a
//! network change after ten minutes). The engine hands the session the newest servers
//! before each restart; `webrtc` uses them from the next gathering on.

use rtc::peer_connection::configuration::{RTCConfigurationBuilder, RTCIceTransportPolicy};
use rtc::peer_connection::transport::RTCIceServer;

use super::config::IceServerConfig;
use super::{PeerSession, SessionError};

/// `webrtc`'s form of our servers.
pub(crate) fn rtc_ice_servers(servers: &[IceServerConfig]) -> Vec<RTCIceServer> {
    servers
        .iter()
        .map(|s| RTCIceServer {
            urls: s.urls.clone(),
            username: s.username.clone().unwrap_or_default(),
            credential: s.credential.clone().unwrap_or_default(),
        })
        .collect()
}

impl PeerSession {
    /// Uses `servers` (fresh TURN credentials) from the next gathering on: an ICE restart
    /// allocates its relay with them. The call's path stays as it is until then. An empty
    /// list changes nothing.
    pub async fn use_ice_servers(&self, servers: &[IceServerConfig]) -> Result<(), SessionError> {
        if servers.is_empty() {
            return Ok(());
        }
        let policy = if self.config.relay_only {
            RTCIceTransportPolicy::Relay
        } else {
            RTCIceTransportPolicy::All
        };
        let configuration = RTCConfigurationBuilder::new()
            .with_ice_servers(rtc_ice_servers(servers))
            .with_ice_transport_policy(policy)
            .build();
        self.pc.set_configuration(configuration).await?;
        Ok(())
    }
}
