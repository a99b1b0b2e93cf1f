//! Builds the `webrtc` peer connection: codecs, interceptors (NACK, RTCP reports,
//! TWCC + GCC congestion control, the keyframe-request forwarder), ICE timers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rtc::interceptor::{
    CongestionControlBuilder, ConstantBitrate, FlexFec03ReceiveBuilder, NackResponderBuilder,
    Registry, Slot,
};
use rtc::peer_connection::configuration::interceptor_registry::{
    configure_congestion_control, configure_rtcp_reports, configure_simulcast_extension_headers,
    configure_twcc_receiver_only, CongestionFeedback,
};
use rtc::peer_connection::configuration::media_engine::{
    MediaEngine, MIME_TYPE_OPUS, MIME_TYPE_RTX, MIME_TYPE_VP8,
};
use rtc::peer_connection::configuration::setting_engine::SettingEngineBuilder;
use rtc::peer_connection::configuration::{RTCConfigurationBuilder, RTCIceTransportPolicy};
use rtc::peer_connection::transport::RTCIceServer;
use rtc::rtp_transceiver::rtp_sender::{
    RTCPFeedback, RTCRtpCodec, RTCRtpCodecParameters, RtpCodecKind,
};
use webrtc::peer_connection::{PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler};

use super::bwe::{PublishingEstimator, PACING_FACTOR};
use super::config::{FecMode, SessionConfig};
use super::fec::{
    flexfec_codec, FecLink, FecPolicy, FecSender, RecoveredCounter, FEC_SEND_SLOT, FLEXFEC_PT,
    RECOVERED_SLOT,
};
use super::keyframe::{KeyframeRequestForwarder, KEYFRAME_SLOT};
use super::pacer::{InFlightTracker, Outstanding, PacerConfig, PriorityPacer, IN_FLIGHT_SLOT};
use super::sync::{SenderReportSync, SyncLink, SYNC_SLOT};
use super::SessionError;
use crate::stats::Counters;

/// The congestion controller's first estimate, bit/s.
const START_BPS: f64 = 300_000.0;
/// How long a sent packet waits for its transport-wide feedback before it is written off.
const FEEDBACK_HORIZON: Duration = Duration::from_secs(10);

/// Payload type we offer for VP8.
pub const VP8_PT: u8 = 96;
/// Payload type we offer for VP8's retransmissions (RFC 4588 RTX, `apt` = [`VP8_PT`]).
pub const RTX_PT: u8 = 97;
/// Payload type we offer for Opus.
pub const OPUS_PT: u8 = 111;

/// The VP8 codec as sent and received.
pub fn vp8_codec() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: MIME_TYPE_VP8.to_owned(),
        clock_rate: 90_000,
        channels: 0,
        sdp_fmtp_line: String::new(),
        rtcp_feedback: vec![],
    }
}

/// VP8's retransmission stream: resent packets travel on their own SSRC and sequence
/// numbers, as Chromium expects (it ignores plain resends it counted as lost).
pub fn rtx_codec() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: MIME_TYPE_RTX.to_owned(),
        clock_rate: 90_000,
        channels: 0,
        sdp_fmtp_line: format!("apt={VP8_PT}"),
        rtcp_feedback: vec![],
    }
}

/// Packets the sender keeps for retransmission: about 1.5 s of 720p at 2.5 Mbit/s
/// (libwebrtc keeps at least 600 and 1 s).
const RESEND_HISTORY: u16 = 2_048;

/// The interceptors besides congestion control: NACK *responder* (we generate NACKs
/// ourselves in the receive path, `video_receiver.rs`, because `webrtc`'s generator
/// ignores the RTT and never credits RTX repairs), TWCC feedback, RTCP reports.
fn register_interceptors(
    registry: Registry,
    media: &mut MediaEngine,
) -> Result<Registry, SessionError> {
    for parameter in ["", "pli"] {
        media.register_feedback(
            RTCPFeedback {
                typ: "nack".to_owned(),
                parameter: parameter.to_owned(),
            },
            RtpCodecKind::Video,
        );
    }
    let registry = registry.with(
        Slot::NackResponder,
        NackResponderBuilder::new()
            .with_size(RESEND_HISTORY)
            .build(),
    );
    configure_simulcast_extension_headers(media)?;
    let registry = configure_twcc_receiver_only(registry, media)?;
    Ok(configure_rtcp_reports(registry))
}

/// The Opus codec as sent and received (in-band FEC on).
pub fn opus_codec() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: MIME_TYPE_OPUS.to_owned(),
        clock_rate: 48_000,
        channels: 2,
        sdp_fmtp_line: "minptime=10;useinbandfec=1".to_owned(),
        rtcp_feedback: vec![],
    }
}

/// Whether an ICE server entry names a TURN server.
fn has_turn_url(server: &super::config::IceServerConfig) -> bool {
    server
        .urls
        .iter()
        .any(|u| u.starts_with("turn:") || u.starts_with("turns:"))
}

/// FlexFEC-03 both ways (`fec/`): our sender, which adds repair packets by `policy` (the
/// measured loss, round trip and, by default, jitter),
/// and `rtc`'s receiver, which rebuilds lost packets from the peer's, counted after it.
fn register_fec(
    registry: Registry,
    policy: FecPolicy,
    media: &mut MediaEngine,
    link: Arc<FecLink>,
    counters: Arc<Counters>,
) -> Result<Registry, SessionError> {
    media.register_codec(
        RTCRtpCodecParameters {
            rtp_codec: flexfec_codec(),
            payload_type: FLEXFEC_PT,
        },
        RtpCodecKind::Video,
    )?;
    Ok(registry
        .with(
            Slot::from(FEC_SEND_SLOT),
            FecSender::new(policy, link, counters.clone()),
        )
        .with(Slot::FecDecoder, FlexFec03ReceiveBuilder::new().build())
        .with(Slot::from(RECOVERED_SLOT), RecoveredCounter::new(counters)))
}

/// Builds a peer connection for `config`; `target_bps` receives GCC's estimate,
/// `outstanding` the bytes paced and in flight, `fec` the loss, round trip and jitter for
/// the FEC sender (and its overhead back), `counters` the inbound NACKs.
pub async fn build_peer_connection(
    config: &SessionConfig,
    handler: Arc<dyn PeerConnectionEventHandler>,
    target_bps: Arc<AtomicU64>,
    outstanding: Arc<Outstanding>,
    fec: Arc<FecLink>,
    counters: Arc<Counters>,
    sync: Arc<SyncLink>,
) -> Result<Arc<dyn PeerConnection>, SessionError> {
    let mut media = MediaEngine::default();
    media.register_codec(
        RTCRtpCodecParameters {
            rtp_codec: vp8_codec(),
            payload_type: VP8_PT,
        },
        RtpCodecKind::Video,
    )?;
    media.register_codec(
        RTCRtpCodecParameters {
            rtp_codec: rtx_codec(),
            payload_type: RTX_PT,
        },
        RtpCodecKind::Video,
    )?;
    media.register_codec(
        RTCRtpCodecParameters {
            rtp_codec: opus_codec(),
            payload_type: OPUS_PT,
        },
        RtpCodecKind::Audio,
    )?;
    // Audio RED (RFC 2198) of Opus, as Chromium offers it (listed first for the audio
    // track by `audio_format::prefer_red`).
    media.register_codec(
        RTCRtpCodecParameters {
            rtp_codec: super::audio_format::red_codec(),
            payload_type: super::audio_format::RED_PT,
        },
        RtpCodecKind::Audio,
    )?;
    media.register_feedback(
        RTCPFeedback {
            typ: "ccm".to_owned(),
            parameter: "fir".to_owned(),
        },
        RtpCodecKind::Video,
    );

    let video = config.video;
    // Start where libwebrtc does (300 kbit/s): the estimator doubles quickly until the
    // first overuse, and starting at the top flooded a thin link's queue before the
    // first feedback could say so.
    let initial = (START_BPS / 1000.0)
        .min(f64::from(video.max_kbps))
        .max(f64::from(video.min_kbps))
        * 1000.0;
    target_bps.store(initial as u64, Ordering::Relaxed);
    let estimator = PublishingEstimator::new(
        initial,
        f64::from(video.min_kbps) * 1000.0,
        super::audio_packets::estimate_ceiling_bps(video.max_kbps) as f64,
        target_bps,
    )
    .publishing_path_to(fec.clone());
    // webrtc's helper registers the TWCC extension and feedback; our estimator then
    // replaces its congestion controller with one that remembers unacknowledged
    // packets for 10 s (not 2 s), so a queue deeper than 2 s still shows as delay
    // instead of leaving every feedback batch empty.
    let registry = configure_congestion_control(
        Registry::new(),
        ConstantBitrate::new(initial),
        CongestionFeedback::Twcc,
        &mut media,
    )?
    .with(
        Slot::CongestionControl,
        CongestionControlBuilder::new(estimator)
            .with_prune_horizon(FEEDBACK_HORIZON)
            .build(),
    );
    // Our pacer (priorities, unpaced audio, a queue-time limit; `pacer/`) in place of
    // the default one, starting at the same multiple of our initial estimate.
    let registry = registry.with(
        Slot::Pacer,
        PriorityPacer::new(
            initial * PACING_FACTOR,
            PacerConfig::default(),
            outstanding.clone(),
        ),
    );
    let registry = registry.with(
        Slot::from(IN_FLIGHT_SLOT),
        InFlightTracker::new(outstanding),
    );
    let registry = register_interceptors(registry, &mut media)?;
    let registry = if config.fec == FecMode::Off {
        registry
    } else {
        let policy = FecPolicy::for_mode(config.fec);
        register_fec(registry, policy, &mut media, fec, counters.clone())?
    };
    let registry = registry.with(Slot::from(SYNC_SLOT), SenderReportSync::new(sync));
    let registry = registry.with(
        Slot::from(KEYFRAME_SLOT),
        KeyframeRequestForwarder::new(counters),
    );

    let ice_servers = config
        .ice_servers
        .iter()
        .map(|s| RTCIceServer {
            urls: s.urls.clone(),
            username: s.username.clone().unwrap_or_default(),
            credential: s.credential.clone().unwrap_or_default(),
        })
        .collect();
    if config.relay_only && !config.ice_servers.iter().any(has_turn_url) {
        tracing::warn!("relay-only without a TURN server: this call cannot connect");
    }
    let policy = if config.relay_only {
        RTCIceTransportPolicy::Relay
    } else {
        RTCIceTransportPolicy::All
    };
    let rtc_config = RTCConfigurationBuilder::new()
        .with_ice_servers(ice_servers)
        .with_ice_transport_policy(policy)
        .build();
    let (mdns_mode, mdns_ip) =
        super::mdns::gather_mode(config.mdns_host_candidates, &config.bind_addrs);
    let settings = SettingEngineBuilder::new()
        .with_ice_timeouts(
            Some(config.ice_disconnected_timeout),
            Some(config.ice_failed_timeout),
            Some(config.ice_keepalive_interval),
        )
        .with_ice_connection_attempts(
            Some(config.ice_check_interval),
            Some(config.ice_max_binding_requests()),
        )
        // `None` here means webrtc's defaults (host 0, srflx 500 ms, prflx 1 s, relay
        // 2 s after the agent starts), not "no wait": at any real RTT the peer's first
        // check arrives before its candidate, the pair is peer-reflexive, and a 100 ms-RTT
        // call sat a whole second before nomination. A direct pair is nominated as soon as
        // it works; a relay still waits `ice_relay_wait` for a better one.
        .with_host_acceptance_min_wait(Some(Duration::ZERO))
        .with_srflx_acceptance_min_wait(Some(Duration::ZERO))
        .with_prflx_acceptance_min_wait(Some(Duration::ZERO))
        .with_relay_acceptance_min_wait(Some(config.ice_relay_wait))
        .with_multicast_dns_mode(mdns_mode)
        .with_multicast_dns_local_ip(mdns_ip)
        // An ICE restart (network change) drops the old sockets and binds new ones on
        // the interfaces there are then: a socket bound to an address that went away
        // can never carry the call again.
        .with_discard_local_candidates_during_ice_restart(true)
        .with_include_loopback_candidate(config.bind_addrs.iter().any(|a| a.starts_with("127.")))
        .build();

    let pc = PeerConnectionBuilder::new()
        .with_configuration(rtc_config)
        .with_media_engine(media)
        .with_setting_engine(settings)
        .with_interceptor_registry(registry)
        .with_handler(handler)
        .with_udp_addrs(config.bind_addrs.clone())
        .build()
        .await?;
    Ok(Arc::new(pc))
}
