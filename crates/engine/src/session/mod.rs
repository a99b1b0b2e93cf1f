//! A peer session: one `webrtc` peer connection carrying one VP8 and one Opus track each
//! way and an ordered, reliable data channel, with trickle ICE both ways.
//!
//! The session never decides anything about the call: the engine opens it on the
//! state machine's `OpenSession` (so after consent), feeds it the remote description and
//! candidates, and reads its [`SessionEvent`]s.

mod adapt;
mod audio_format;
mod audio_loss;
mod audio_packets;
mod audio_receive;
mod build;
mod bwe;
mod candidates;
mod channel;
mod config;
mod diagnose;
mod discardable;
mod events;
mod fec;
mod frame_buffer;
mod handler;
mod ice_servers;
mod keyframe;
mod mdns;
mod nack;
mod pacer;
mod playout;
mod reach;
mod receive;
mod report;
mod rtp_seq;
mod send;
mod sync;
mod twcc;
mod video_receiver;

pub use channel::{CONTROL_BURST, CONTROL_RATE, CONTROL_REPORT_EVERY};
pub use config::{FecMode, IceServerConfig, SessionConfig, VideoSettings};
pub use events::{ControlMessage, SessionEvent};
pub use send::{AudioSlot, VideoSlot};
pub use sync::SpeakerDelay;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use peercall_media::{AudioFrame, QueueSender, SharedSink};
use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::configuration::RTCOfferOptions;
use rtc::peer_connection::sdp::RTCSessionDescription;
use rtc::peer_connection::transport::RTCIceCandidateInit;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind,
};
use tokio::sync::mpsc;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::peer_connection::PeerConnection;
use webrtc::rtp_transceiver::RtpSender;

use crate::call::IceCandidate;
use crate::stats::Counters;
pub use channel::ChannelError;
use channel::ControlChannel;
use receive::Receivers;
use send::SendState;

/// How long a hang-up over the data channel may wait for the peer's acknowledgement
/// before the connection closes.
const HANGUP_ACK_WAIT: std::time::Duration = std::time::Duration::from_millis(300);

/// What can go wrong in a peer session. New kinds may be added: match with a wildcard arm.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The WebRTC stack refused something (a description, a candidate, a track).
    #[error("webrtc: {0}")]
    WebRtc(#[from] webrtc::error::Error),
    /// A media thread could not start.
    #[error("thread: {0}")]
    Thread(#[from] std::io::Error),
    /// A chat or control message could not go over the data channel.
    #[error("data channel: {0}")]
    Channel(#[from] ChannelError),
    /// A decoder for the received media could not be made.
    #[error("media: {0}")]
    Media(#[from] peercall_media::MediaError),
}

/// Which side of the offer/answer this session is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenRole {
    /// Create the offer.
    Caller,
    /// Answer this offer; apply these candidates that arrived while ringing.
    Callee {
        /// The caller's SDP offer.
        offer: String,
        /// Buffered remote candidates.
        candidates: Vec<IceCandidate>,
        /// Whether the caller's gathering already finished.
        end_of_candidates: bool,
    },
}

/// The local media a session sends and where received media goes.
pub struct MediaIo {
    /// Camera slot (swap or empty it mid-call).
    pub video: VideoSlot,
    /// Microphone slot.
    pub audio: AudioSlot,
    /// Where decoded remote video goes (the decoder's thread shows each frame when due).
    pub remote_video: Option<SharedSink>,
    /// Decoded remote audio (48 kHz mono, 20 ms).
    pub remote_audio: Arc<QueueSender<AudioFrame>>,
    /// How long audio given to `remote_audio` now takes to be heard (set by whoever plays
    /// it; lip sync counts it on audio's side).
    pub speaker_delay: SpeakerDelay,
}

struct LocalTrack {
    track: Arc<TrackLocalStaticSample>,
    sender: Arc<dyn RtpSender>,
}

/// One open peer session.
pub struct PeerSession {
    pc: Arc<dyn PeerConnection>,
    channel: Arc<ControlChannel>,
    state: SendState,
    video: LocalTrack,
    audio: LocalTrack,
    media: MediaIo,
    config: SessionConfig,
    started: AtomicBool,
    closed: Arc<AtomicBool>,
    keyframe_wanted: Arc<tokio::sync::Notify>,
    local_tally: Arc<diagnose::LocalTally>,
}

fn local_track(
    kind: RtpCodecKind,
    codec: RTCRtpCodec,
) -> Result<Arc<TrackLocalStaticSample>, SessionError> {
    let name = kind.to_string();
    // Track ids must differ from the peer's: `webrtc` routes feedback about our sent
    // track (PLI, FIR) by track id and looks at received tracks first, so a peer using
    // the same id (another Peercall) would get our keyframe requests delivered to the
    // track we receive, and they would never reach the encoder.
    let id: u64 = rand::random();
    let track = MediaStreamTrack::new(
        "peercall".to_owned(),
        format!("peercall-{name}-{id:016x}"),
        format!("peercall-{name}"),
        kind,
        vec![RTCRtpEncodingParameters {
            rtp_coding_parameters: RTCRtpCodingParameters {
                ssrc: Some(rand::random::<u32>()),
                ..Default::default()
            },
            codec,
            ..Default::default()
        }],
    );
    Ok(Arc::new(TrackLocalStaticSample::new(
        Instant::now(),
        track,
    )?))
}

impl PeerSession {
    /// Builds the peer connection, adds the tracks (and, for the caller, the data
    /// channel), and produces the local description as [`SessionEvent::LocalDescription`].
    pub async fn open(
        config: SessionConfig,
        role: OpenRole,
        media: MediaIo,
        counters: Arc<Counters>,
        events: mpsc::UnboundedSender<SessionEvent>,
    ) -> Result<Self, SessionError> {
        let closed = Arc::new(AtomicBool::new(false));
        let target_bps = Arc::new(AtomicU64::new(0));
        let outstanding = Arc::new(pacer::Outstanding::default());
        let fec_link = Arc::new(fec::FecLink::default());
        let channel = Arc::new(ControlChannel::default());
        let keyframe_wanted = Arc::new(tokio::sync::Notify::new());
        let audio_formats = Arc::new(audio_format::SharedAudioFormats::default());
        let sync_link = Arc::new(sync::SyncLink::new(config.lip_sync));
        let receivers = Arc::new(Receivers {
            audio_formats: audio_formats.clone(),
            counters: counters.clone(),
            video_out: media.remote_video.clone(),
            audio_out: media.remote_audio.clone(),
            speaker_delay: media.speaker_delay.clone(),
            events: events.clone(),
            pli_min_interval: config.pli_min_interval,
            closed: closed.clone(),
            keyframe_wanted: keyframe_wanted.clone(),
            sync: sync_link.clone(),
        });
        let local_tally = Arc::new(diagnose::LocalTally::default());
        let handler = Arc::new(handler::Handler {
            events: events.clone(),
            local_tally: local_tally.clone(),
            channel: channel.clone(),
            receivers,
            hide_addresses: config.mdns_host_candidates,
        });
        let pc = build::build_peer_connection(
            &config,
            handler,
            target_bps.clone(),
            outstanding.clone(),
            fec_link.clone(),
            counters.clone(),
            sync_link.clone(),
        )
        .await?;
        let state = SendState {
            closed: closed.clone(),
            mic_muted: Arc::new(AtomicBool::new(false)),
            keyframe_wanted: Arc::new(AtomicBool::new(true)),
            keyframe_requested: Arc::new(AtomicBool::new(false)),
            peer_heard: Arc::new(AtomicBool::new(false)),
            target_bps,
            audio_reserve_bps: Arc::new(AtomicU64::new(audio_packets::audio_reserve_bps(
                audio_packets::PacketLength::default().frames(),
            ))),
            estimate_ceiling_bps: audio_packets::estimate_ceiling_bps(config.video.max_kbps),
            video_sending: Arc::new(AtomicBool::new(false)),
            outstanding,
            fec: fec_link,
            counters: counters.clone(),
            audio_formats,
            sync: sync_link,
        };

        if let OpenRole::Callee { offer, .. } = &role {
            for line in candidates::in_description(offer) {
                candidates::count_remote(&counters, line);
            }
            pc.set_remote_description(RTCSessionDescription::offer(offer.clone())?)
                .await?;
        }
        let add = |kind, codec| {
            let pc = pc.clone();
            async move {
                let track = local_track(kind, codec)?;
                let sender = pc.add_track(track.clone() as Arc<dyn TrackLocal>).await?;
                Ok::<_, SessionError>(LocalTrack { track, sender })
            }
        };
        let video = add(RtpCodecKind::Video, build::vp8_codec()).await?;
        let audio = add(RtpCodecKind::Audio, build::opus_codec()).await?;
        audio_format::prefer_red(&pc, &audio.sender).await;
        send::watch_keyframe_requests(video.track.clone(), state.clone());

        let sdp = match role {
            OpenRole::Caller => {
                let dc = pc.create_data_channel(channel::LABEL, None).await?;
                channel.attach(dc, events.clone());
                let offer = pc.create_offer(None).await?;
                pc.set_local_description(offer.clone()).await?;
                offer.sdp
            }
            OpenRole::Callee {
                candidates,
                end_of_candidates,
                ..
            } => {
                let answer = pc.create_answer(None).await?;
                pc.set_local_description(answer.clone()).await?;
                for c in candidates {
                    candidates::count_remote(&counters, &c.candidate);
                    add_candidate(&pc, c).await?;
                }
                if end_of_candidates {
                    if let Err(e) = add_end_of_candidates(&pc).await {
                        tracing::debug!("remote end of candidates refused: {e}");
                    }
                }
                answer.sdp
            }
        };
        let _ = events.send(SessionEvent::LocalDescription(sdp));
        report::spawn_reporter(
            pc.clone(),
            counters,
            config.stats_interval,
            closed.clone(),
            events,
        );
        Ok(Self {
            pc,
            channel,
            state,
            video,
            audio,
            media,
            config,
            started: AtomicBool::new(false),
            closed,
            keyframe_wanted,
            local_tally,
        })
    }

    /// Applies the callee's answer (caller only).
    pub async fn apply_answer(&self, sdp: String) -> Result<(), SessionError> {
        for line in candidates::in_description(&sdp) {
            candidates::count_remote(&self.state.counters, line);
        }
        self.pc
            .set_remote_description(RTCSessionDescription::answer(sdp)?)
            .await?;
        Ok(())
    }

    /// Restarts ICE (caller): an offer with fresh ICE credentials, set as the local
    /// description, which rebinds the sockets on the interfaces there are now and
    /// gathers again. Returns the offer's SDP.
    pub async fn restart_offer(&self) -> Result<String, SessionError> {
        let offer = self
            .pc
            .create_offer(Some(RTCOfferOptions { ice_restart: true }))
            .await?;
        self.pc.set_local_description(offer.clone()).await?;
        Ok(offer.sdp)
    }

    /// Applies the peer's renegotiation offer (an ICE restart: sockets rebound, gathering
    /// again) and answers it. Returns the answer's SDP.
    pub async fn answer_restart(&self, offer: String) -> Result<String, SessionError> {
        for line in candidates::in_description(&offer) {
            candidates::count_remote(&self.state.counters, line);
        }
        self.pc
            .set_remote_description(RTCSessionDescription::offer(offer)?)
            .await?;
        let answer = self.pc.create_answer(None).await?;
        self.pc.set_local_description(answer.clone()).await?;
        Ok(answer.sdp)
    }

    /// Hands a remote candidate to ICE.
    pub async fn add_remote_candidate(&self, candidate: IceCandidate) -> Result<(), SessionError> {
        candidates::count_remote(&self.state.counters, &candidate.candidate);
        add_candidate(&self.pc, candidate).await
    }

    /// Tells ICE that the peer finished gathering (its `end-of-candidates`).
    pub async fn add_end_of_candidates(&self) -> Result<(), SessionError> {
        add_end_of_candidates(&self.pc).await
    }

    /// Starts the media senders once the connection is up (the negotiated payload
    /// types are known then). Idempotent.
    pub async fn start_media(&self) -> Result<(), SessionError> {
        if self.started.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let video_pt = payload_type(&self.video.sender).await?;
        // Opus, and RED (RFC 2198) when the peer negotiated it; the receive loop reads
        // the peer's packets by the same numbers.
        let audio = self.audio.sender.get_parameters().await?;
        let formats = audio_format::AudioFormats::negotiated(&audio.rtp_parameters.codecs)
            .unwrap_or(audio_format::AudioFormats {
                opus: build::OPUS_PT,
                red: None,
            });
        tracing::debug!(?formats, "audio payload formats");
        self.state.audio_formats.set(formats);
        send::spawn_video(
            self.video.track.clone(),
            video_pt,
            self.media.video.clone(),
            self.config.video,
            self.state.clone(),
        )?;
        send::spawn_audio(
            self.audio.track.clone(),
            formats,
            self.media.audio.clone(),
            self.state.clone(),
        )?;
        Ok(())
    }

    /// Why the call did not connect, in words: no ICE path, or (ICE found one) a DTLS
    /// handshake that did not complete. The driver asks when it closes the session and
    /// tells it if the call ended as connection-failed; `None` when it had connected
    /// (the path was lost instead).
    #[must_use]
    pub fn failure_reason(&self) -> Option<&'static str> {
        if self.local_tally.ever_connected() {
            return None;
        }
        let remote_relays = self.state.counters.snapshot().remote_relay_candidates;
        Some(diagnose::explain(&diagnose::IceFacts::of(
            &self.config,
            &self.local_tally,
            remote_relays,
        )))
    }

    /// Mutes or unmutes the microphone (nothing is sent while muted).
    pub fn set_mic_muted(&self, muted: bool) {
        self.state.mic_muted.store(muted, Ordering::Relaxed);
    }

    /// Asks the peer for a keyframe (a fresh picture that needs no earlier frame), as
    /// the receive path does by itself when a frame is lost for good.
    pub fn request_keyframe(&self) {
        self.keyframe_wanted.notify_one();
    }

    /// Sends a chat or control message over the data channel.
    pub async fn send_control(&self, msg: &ControlMessage) -> Result<(), SessionError> {
        Ok(self.channel.send(msg).await?)
    }

    /// Tells the peer over the data channel that we hung up, and waits (briefly) for it
    /// to be acknowledged: the hang-up then arrives even when the signaling server is
    /// gone. Best effort: a path that is already dead gives up after the wait.
    pub async fn send_hangup(&self) {
        if let Err(e) = self.channel.send(&ControlMessage::Hangup).await {
            tracing::debug!("hang-up over the data channel: {e}");
            return;
        }
        self.channel.drain(HANGUP_ACK_WAIT).await;
    }

    /// The camera slot (to switch or turn off the camera mid-call).
    #[must_use]
    pub fn video_slot(&self) -> &VideoSlot {
        &self.media.video
    }

    /// The microphone slot.
    #[must_use]
    pub fn audio_slot(&self) -> &AudioSlot {
        &self.media.audio
    }

    /// Stops the media threads, releases the devices and closes the connection.
    pub async fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
        if let Ok(mut v) = self.media.video.lock() {
            v.take();
        }
        if let Ok(mut a) = self.media.audio.lock() {
            a.take();
        }
        if let Err(e) = self.pc.close().await {
            tracing::debug!("closing the peer connection: {e}");
        }
    }
}

async fn add_candidate(pc: &Arc<dyn PeerConnection>, c: IceCandidate) -> Result<(), SessionError> {
    if !reach::keep_remote_candidate(&c.candidate, reach::current_routes().as_deref()) {
        tracing::debug!(candidate = %c.candidate, "not handed to ICE: a private address no route of ours reaches");
        return Ok(());
    }
    pc.add_ice_candidate(RTCIceCandidateInit {
        candidate: c.candidate,
        sdp_mid: c.sdp_mid,
        sdp_mline_index: c.sdp_mline_index,
        ..Default::default()
    })
    .await?;
    Ok(())
}

/// The peer's end of candidates, as W3C's `addIceCandidate` takes it: a candidate with an
/// empty line. `rtc` 0.21 accepts it once a remote description is set (an error before)
/// and hands nothing to its ICE agent, which has no notion of the remote side's gathering
/// being complete: it keeps checking the pairs it has until they fail, as before.
async fn add_end_of_candidates(pc: &Arc<dyn PeerConnection>) -> Result<(), SessionError> {
    pc.add_ice_candidate(RTCIceCandidateInit::default()).await?;
    Ok(())
}

async fn payload_type(sender: &Arc<dyn RtpSender>) -> Result<u8, SessionError> {
    let params = sender.get_parameters().await?;
    Ok(params
        .rtp_parameters
        .codecs
        .first()
        .map_or(build::VP8_PT, |c| c.payload_type))
}
