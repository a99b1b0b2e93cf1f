//! How a peer session is set up: ICE servers, sockets, media and the timers that decide
//! how fast a connection comes up and how fast a dead one is noticed.

use std::time::Duration;

pub use super::fec::FecMode;

/// One ICE server from `welcome.iceServers`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IceServerConfig {
    /// `stun:` / `turn:` URLs.
    pub urls: Vec<String>,
    /// TURN username.
    pub username: Option<String>,
    /// TURN credential.
    pub credential: Option<String>,
}

/// Video sending parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoSettings {
    /// Capture and encode width.
    pub width: u32,
    /// Capture and encode height.
    pub height: u32,
    /// Frames per second.
    pub fps: u32,
    /// Lowest bitrate the congestion controller may pick, kbit/s.
    pub min_kbps: u32,
    /// Highest bitrate, kbit/s.
    pub max_kbps: u32,
}

impl VideoSettings {
    /// Defaults for a size at 30 fps.
    #[must_use]
    pub fn new(width: u32, height: u32, fps: u32) -> Self {
        let pixels = u64::from(width) * u64::from(height);
        let max = (pixels * 2_500 / (1280 * 720)).clamp(300, 6_000) as u32;
        Self {
            width,
            height,
            fps,
            min_kbps: 100,
            max_kbps: max,
        }
    }
}

/// Everything a [`super::PeerSession`] needs besides its media.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// ICE servers (from `welcome`).
    pub ice_servers: Vec<IceServerConfig>,
    /// Local UDP addresses to bind. `0.0.0.0:0` gathers every interface except loopback;
    /// tests on one machine use `127.0.0.1:0`.
    pub bind_addrs: Vec<String>,
    /// Video settings (the track is negotiated even when the camera is off).
    pub video: VideoSettings,
    /// Interval between ICE connectivity checks (library default 200 ms).
    pub ice_check_interval: Duration,
    /// How long a candidate pair keeps being checked before it counts as failed. It
    /// must cover the slowest round trip we want to connect over: `webrtc` counts
    /// requests, not time, so 25 checks 5 ms apart failed every pair whose answer took
    /// over 125 ms, and a 100 ms-RTT call needed a second round of checks (1.5 s).
    pub ice_check_budget: Duration,
    /// No traffic for this long → ICE `disconnected`.
    pub ice_disconnected_timeout: Duration,
    /// Disconnected for this long → ICE `failed`.
    pub ice_failed_timeout: Duration,
    /// How long after ICE starts a pair through a TURN relay may be nominated: the time
    /// a direct pair has to win first. `webrtc`'s default is 2 s, which every relayed
    /// call paid in full (offer → connected 2.2–2.8 s in the NAT lab, where the relayed
    /// pair worked after 40 ms); a direct pair needs a round trip or two after the
    /// candidates arrive, well under this at any RTT a call can bear.
    pub ice_relay_wait: Duration,
    /// ICE keepalive interval.
    pub ice_keepalive_interval: Duration,
    /// How often stats are reported.
    pub stats_interval: Duration,
    /// Smallest gap between two keyframe requests we send.
    pub pli_min_interval: Duration,
    /// Privacy: gather and send only TURN relay candidates, so the peer never learns
    /// our addresses (needs a TURN server; without one the call cannot connect).
    pub relay_only: bool,
    /// Privacy on the LAN, as browsers do: our host candidate carries a random
    /// `<uuid>.local` name (answered over mDNS) instead of our private IPv4 address; host
    /// candidates with a raw address are not sent, and a reflexive or relayed candidate's
    /// related address is blanked. A peer on the same link resolves the name; others
    /// connect by srflx or relay. Without multicast here no host candidate is sent.
    pub mdns_host_candidates: bool,
    /// Video FEC (FlexFEC-03, `session/fec`): by default offered, and repair packets sent
    /// where the path both loses and jitters (there NACK's repairs land after their
    /// frame's voice); on a steady lossy path NACK + RTX alone did better
    /// (`docs/video-network.md`).
    pub fec: FecMode,
    /// Lip sync: the stream ahead waits for the other (`session/sync`). Off, the offset
    /// is still measured (to compare).
    pub lip_sync: bool,
}

impl SessionConfig {
    /// Connectivity checks per candidate pair: the budget over the interval.
    #[must_use]
    pub fn ice_max_binding_requests(&self) -> u16 {
        let interval = self.ice_check_interval.max(Duration::from_millis(1));
        (self.ice_check_budget.as_millis() / interval.as_millis()).clamp(7, 1_000) as u16
    }
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            ice_servers: Vec::new(),
            bind_addrs: vec!["0.0.0.0:0".to_owned()],
            video: VideoSettings::new(640, 480, 30),
            ice_check_interval: Duration::from_millis(5),
            ice_check_budget: Duration::from_secs(3),
            ice_disconnected_timeout: Duration::from_secs(2),
            ice_failed_timeout: Duration::from_secs(10),
            ice_relay_wait: Duration::from_millis(1_000),
            ice_keepalive_interval: Duration::from_millis(500),
            stats_interval: Duration::from_secs(1),
            pli_min_interval: Duration::from_millis(300),
            relay_only: false,
            mdns_host_candidates: false,
            fec: FecMode::default(),
            lip_sync: true,
        }
    }
}
