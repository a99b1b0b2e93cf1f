//! One agent run: connect, call or answer, measure, hang up, report.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use peercall_engine::call::{CallState, EndReason, PeerId, Side};
use peercall_engine::devices::{AudioSource, VideoSource};
use peercall_engine::session::VideoSettings;
use peercall_engine::{AnswerPolicy, Engine, EngineConfig, EngineEvent, EngineMedia, VideoSinks};
use tokio::sync::mpsc;

use crate::audio_report::{audio_report, av_sync_report, speaker_report};
use crate::chat::ChatOut;
use crate::cli::Args;
use crate::keyframe_ask::KeyframeAsk;
use crate::measure::{Measure, MeasureSink};
use crate::procstat::{rss_mb, CpuMeter};
use crate::report::{
    CandidatesReport, ChatReport, FpsReport, Freezes, Latency, NetworkReport, Outcome, PathReport,
    ReconnectReport, Report, Setup, SpeakerReport, VideoReport,
};
use crate::speaker_monitor::SpeakerMonitor;
use crate::ticks::Ticks;
use peercall_engine::stats::{unpack_size, CounterSnapshot};
use peercall_media::clock::now_us;
use peercall_signal::local_record::RuntimeDir;

pub(crate) fn engine_config(args: &Args) -> EngineConfig {
    let mut cfg = EngineConfig::new(&args.server, &args.name);
    cfg.signaling.room = args.room.clone();
    cfg.signaling.token = args.token.clone();
    local_credentials(&mut cfg.signaling);
    cfg.answer = if args.auto_answer {
        AnswerPolicy::Accept
    } else if args.reject {
        AnswerPolicy::Decline
    } else if args.busy {
        AnswerPolicy::Busy
    } else {
        AnswerPolicy::Ask
    };
    cfg.call.ring_timeout = Duration::from_secs_f64(args.ring_timeout.max(0.1));
    cfg.session.bind_addrs = vec![args.bind.clone()];
    cfg.session.relay_only = args.relay_only;
    cfg.session.mdns_host_candidates = args.mdns_candidates;
    cfg.session.fec = args.fec.into();
    cfg.session.lip_sync = !args.no_lip_sync;
    cfg.session.video = VideoSettings::new(args.resolution.0, args.resolution.1, args.fps);
    cfg.video = VideoSource::parse(&args.video);
    cfg.audio = AudioSource::parse(&args.audio);
    cfg.speaker = args.speaker.clone();
    cfg.voice = args.voice();
    cfg
}

/// `--server ws://127.0.0.1:PORT/ws` without `--token`: the local server this user's app
/// hosts there takes a token that only this user can read, from the app's record under
/// `XDG_RUNTIME_DIR`; the agent reads it (and proves the server with the record's secret),
/// so it needs no configuration there (`peercall_signal::local_record`).
fn local_credentials(signaling: &mut peercall_signal::client::ClientConfig) {
    if peercall_signal::local_record::loopback_port(&signaling.url).is_none() {
        return; // a remote server: no record to look for (nor a directory to create)
    }
    let Some(runtime) = RuntimeDir::from_env() else {
        return;
    };
    match runtime.and_then(|runtime| runtime.fill_client_config(signaling)) {
        Ok(true) => {
            tracing::info!(url = %signaling.url, "using the token of this user's local server")
        }
        Ok(false) => {}
        Err(err) => tracing::warn!(%err, "ignoring the local server record"),
    }
}

/// What [`Engine::connect`] gives.
type Connected = (Engine, mpsc::UnboundedReceiver<EngineEvent>, EngineMedia);

/// How long a plain loopback URL with no record yet is tried again (see [`connect`]).
const RECORD_WAIT: Duration = Duration::from_secs(5);

/// Connects to the server. A plain loopback URL for which no record named a token may be
/// this user's app in the instant between binding its port and publishing its record (its
/// token): an `unauthorized`, or a port not listening yet, is then tried again, reading the
/// record each time, for up to [`RECORD_WAIT`]. Another user's server, or none, still
/// fails, only later.
async fn connect(
    args: &Args,
    sinks: &VideoSinks,
) -> Result<Connected, peercall_engine::EngineError> {
    let deadline = Instant::now() + RECORD_WAIT;
    loop {
        let mut config = engine_config(args);
        config.video_sinks = sinks.clone();
        let awaiting_record = config.signaling.token.is_none()
            && config.signaling.server_proof.is_none()
            && peercall_signal::local_record::loopback_port(&config.signaling.url).is_some();
        match Engine::connect(config).await {
            Ok(connected) => return Ok(connected),
            Err(err) if awaiting_record && before_the_record(&err) && Instant::now() < deadline => {
                tracing::debug!(%err, "no record of a local server on this URL yet: trying again");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(err) => return Err(err),
        }
    }
}

/// What a local server this user's app is starting answers before its record exists.
fn before_the_record(err: &peercall_engine::EngineError) -> bool {
    use peercall_signal::client::ClientError;
    matches!(
        err,
        peercall_engine::EngineError::Signaling(
            ClientError::Unauthorized(_) | ClientError::Unreachable(_)
        )
    )
}

/// Drains the engine's remote audio into `measure` on its own thread (its video arrives
/// through [`MeasureSink`], on the engine's decoder thread).
fn spawn_measure(media: EngineMedia, measure: Arc<Mutex<Measure>>, stop: Arc<AtomicBool>) {
    let spawned = std::thread::Builder::new()
        .name("measure".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let Ok(first) = media.remote_audio.recv_timeout(Duration::from_millis(10)) else {
                    continue;
                };
                if let Ok(mut g) = measure.lock() {
                    g.audio(&first);
                    while let Some(a) = media.remote_audio.try_recv() {
                        g.audio(&a);
                    }
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!("measure thread: {e}");
    }
}

async fn find_peer(
    events: &mut mpsc::UnboundedReceiver<EngineEvent>,
    name: &str,
    wait: Duration,
) -> Option<PeerId> {
    let end = tokio::time::Instant::now() + wait;
    loop {
        let ev = tokio::time::timeout_at(end, events.recv()).await.ok()??;
        let found = match ev {
            EngineEvent::Connected { peers, .. } => peers.into_iter().find(|p| p.name == name),
            EngineEvent::PeerJoined(p) if p.name == name => Some(p),
            _ => None,
        };
        if let Some(p) = found {
            return Some(PeerId(p.id.0));
        }
    }
}

/// The outcome and reason of an ended call; `ice_why` is the engine's explanation of a
/// failed connection, if it gave one.
fn outcome(
    reason: &EndReason,
    connected: bool,
    args: &Args,
    ice_why: Option<&str>,
) -> (Outcome, Option<String>) {
    let text = Some(reason.code().to_owned());
    match reason {
        EndReason::HungUp(_) if connected => (Outcome::Ok, None),
        EndReason::Declined(Side::Local) if args.busy => (Outcome::Busy, text),
        EndReason::Declined(_) => (Outcome::Rejected, text),
        EndReason::Busy => (Outcome::Busy, text),
        EndReason::Timeout => (Outcome::Timeout, text),
        EndReason::ConnectionFailed => (
            Outcome::Failed,
            Some(ice_why.map_or_else(
                || "did not connect".to_owned(),
                |w| format!("did not connect: {w}"),
            )),
        ),
        _ => (Outcome::Failed, text),
    }
}

fn max_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

/// Runs the agent and returns its report.
pub async fn run(args: &Args) -> Report {
    let measure = Arc::new(Mutex::new(Measure::default()));
    let sinks = VideoSinks {
        remote: Some(Arc::new(MeasureSink(measure.clone()))),
        preview: None,
    };
    let (engine, mut events, media) = match connect(args, &sinks).await {
        Ok(x) => x,
        Err(e) => return Report::failed(Outcome::Failed, format!("server unreachable: {e}")),
    };
    let stop = Arc::new(AtomicBool::new(false));
    spawn_measure(media, measure.clone(), stop.clone());
    // Listening from before the call: the sink's monitor is live when the voice comes.
    let monitor = args.speaker_monitor.as_deref().map(|value| {
        let pulse_sink = std::env::var("PULSE_SINK").ok();
        let source = crate::speaker_monitor::source_name(value, pulse_sink.as_deref());
        SpeakerMonitor::start(&source).map_err(|e| (source, e.to_string()))
    });

    if let Some(name) = &args.call {
        let wait = Duration::from_secs_f64(args.wait_peer.max(0.0));
        let Some(peer) = find_peer(&mut events, name, wait).await else {
            engine.shutdown().await;
            stop.store(true, Ordering::Relaxed);
            return Report::failed(Outcome::Failed, format!("peer not found: {name}"));
        };
        if let Err(e) = engine.call(peer).await {
            return Report::failed(Outcome::Failed, e.to_string());
        }
    }

    let mut connected_at: Option<Instant> = None;
    let mut cpu: Option<CpuMeter> = None;
    let mut rss_peak: Option<f64> = None;
    let mut hangup_at: Option<tokio::time::Instant> = None;
    let mut chat_received: u64 = 0;
    let mut ice_why: Option<String> = None;
    let mut ticks = Ticks::default();
    let mut reconnects = ReconnectReport::default();
    let mut reconnecting_since: Option<Instant> = None;
    let mut chat_out = ChatOut::new(args.chat.clone());
    let mut rss_tick = tokio::time::interval(Duration::from_secs(1));
    let mut keyframe_ask = KeyframeAsk::new(args.request_keyframe_after_frames);
    let mut ask_tick = tokio::time::interval(Duration::from_millis(50));
    let (result, reason) = loop {
        let hang = async {
            match hangup_at {
                Some(t) => tokio::time::sleep_until(t).await,
                None => std::future::pending().await,
            }
        };
        let chat_due = chat_out.due();
        let chat_timer = async {
            match chat_due {
                Some(t) => tokio::time::sleep_until(t).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            ev = events.recv() => match ev {
                Some(EngineEvent::CallState { state: CallState::Connected, .. }) => {
                    if let Some(since) = reconnecting_since.take() {
                        let ms = since.elapsed().as_secs_f64() * 1000.0;
                        tracing::info!("reconnected after {ms:.0} ms");
                        reconnects.back_after_ms.push(ms);
                    }
                    if connected_at.is_none() {
                        connected_at = Some(Instant::now());
                        cpu = Some(CpuMeter::start());
                        hangup_at = args.duration().map(|d| tokio::time::Instant::now() + d);
                        tracing::info!("connected");
                    }
                    chat_out.connected();
                }
                Some(EngineEvent::CallState { state: CallState::Reconnecting, .. }) => {
                    tracing::info!("reconnecting");
                    reconnects.count += 1;
                    reconnecting_since = Some(Instant::now());
                }
                Some(EngineEvent::FirstRemoteFrame) => tracing::info!("first remote frame"),
                Some(EngineEvent::CallState { state: CallState::Ended(r), .. }) => {
                    tracing::info!("call ended: {}", r.code());
                    break outcome(&r, connected_at.is_some(), args, ice_why.as_deref());
                }
                Some(EngineEvent::IncomingCall { peer, .. }) => tracing::info!("incoming call from {peer}"),
                Some(EngineEvent::Chat { text }) => {
                    chat_received += 1;
                    tracing::info!(%text, "chat received");
                }
                Some(EngineEvent::Stats(s)) => ticks.push(s),
                Some(EngineEvent::Error { code, message }) if code == "chat" => chat_out.failed(&message),
                Some(EngineEvent::Error { code, message }) if code == "ice" => ice_why = Some(message),
                Some(EngineEvent::Error { code, message }) => tracing::warn!("{code}: {message}"),
                Some(EngineEvent::Closed { reason }) => break (Outcome::Failed, Some(reason)),
                Some(_) => {}
                None => break (Outcome::Failed, Some("engine stopped".to_owned())),
            },
            () = chat_timer => chat_out.send(&engine),
            () = hang => {
                hangup_at = None;
                if let Err(e) = engine.hangup() {
                    break (Outcome::Failed, Some(e.to_string()));
                }
            }
            _ = ask_tick.tick(), if keyframe_ask.pending() => {
                let shown = measure.lock().map_or(0, |m| m.frames());
                if keyframe_ask.due(shown) {
                    tracing::info!("asking the peer for a keyframe ({shown} frames shown)");
                    if let Err(e) = engine.request_keyframe() {
                        tracing::warn!("keyframe request: {e}");
                    }
                }
            }
            _ = rss_tick.tick() => {
                if connected_at.is_some() {
                    rss_peak = max_opt(rss_peak, rss_mb());
                }
            }
            _ = tokio::signal::ctrl_c() => {
                if connected_at.is_some() {
                    let _ = engine.hangup();
                } else {
                    break (Outcome::Failed, Some("interrupted".to_owned()));
                }
            }
        }
    };
    let call_seconds = connected_at.map_or(0.0, |t| t.elapsed().as_secs_f64());
    let ended_at_us = now_us();
    let cpu_percent = cpu.and_then(|c| c.percent());
    let rss = max_opt(rss_peak, rss_mb());
    // Let the last frames in flight land in the measurement.
    tokio::time::sleep(Duration::from_millis(50)).await;
    stop.store(true, Ordering::Relaxed);
    let metrics = engine.metrics();
    let counters = engine.call_counters();
    engine.shutdown().await;

    let m = match measure.lock() {
        Ok(mut g) => std::mem::take(&mut *g),
        Err(p) => std::mem::take(&mut *p.into_inner()),
    };
    let video = video_report(&m, &counters, &ticks, call_seconds, ended_at_us);
    let mut av_sync = av_sync_report(&m, &counters);
    av_sync.speaker = monitor.map(|started| match started {
        Ok(monitor) => {
            let (heard, source) = monitor.finish();
            speaker_report(&m, &heard, source)
        }
        Err((source, error)) => {
            tracing::warn!(%source, "speaker not recorded: {error}");
            SpeakerReport {
                source,
                error: Some(error),
                ..SpeakerReport::default()
            }
        }
    });
    let last = ticks.last();
    Report {
        result,
        reason,
        setup_ms: Setup {
            offer_to_connected: metrics.offer_to_connected_ms,
            offer_to_first_frame: metrics.offer_to_first_frame_ms,
        },
        video,
        network: NetworkReport {
            rtt_ms: (counters.rtt_us > 0).then(|| counters.rtt_us as f64 / 1000.0),
            rtt_ms_median: ticks.rtt_median(),
            packet_loss: last.map_or(0.0, |s| s.packet_loss),
            jitter_ms: last.and_then(|s| s.jitter_ms),
            candidates_received: CandidatesReport {
                host: counters.remote_host_candidates,
                srflx: counters.remote_srflx_candidates,
                relay: counters.remote_relay_candidates,
            },
            path: PathReport {
                local: ticks.path().map(|p| p.0.clone()),
                remote: ticks.path().and_then(|p| p.1.clone()),
            },
        },
        audio: audio_report(&m, &counters, call_seconds),
        av_sync,
        reconnects,
        chat: ChatReport {
            received: chat_received,
            sent: chat_out.sent(),
        },
        call_seconds,
        cpu_percent,
        rss_mb: rss,
    }
}

/// Per second of call (0 for a call that never connected).
fn per_second(n: f64, call_seconds: f64) -> f64 {
    if call_seconds > 0.0 {
        n / call_seconds
    } else {
        0.0
    }
}

/// The video part of the report: what this agent showed, sent, and the repair
/// traffic both ways.
fn video_report(
    m: &Measure,
    c: &CounterSnapshot,
    ticks: &Ticks,
    call_seconds: f64,
    ended_at_us: u64,
) -> VideoReport {
    let size = unpack_size(c.video_received_size);
    let sent_size = unpack_size(c.video_sent_size);
    let (fps_min, fps_median) = m.fps_min_median(ended_at_us);
    let (freezes, freeze_seconds) = m.freezes();
    let (longest_pause_ms, frames_after_longest_pause) = m.longest_pause();
    let (target_min, target_median) = ticks.target_min_median();
    let kbps = |bytes: u64| per_second(bytes as f64 * 8.0 / 1000.0, call_seconds);
    VideoReport {
        frames_received: m.stamped().max(m.frames()),
        frames_lost: c.video_frames_lost,
        frames_skipped: c.video_frames_skipped,
        stamp_gaps: m.lost(),
        frames_out_of_order: m.out_of_order(),
        frames_sent: c.video_frames_sent,
        frames_assembled: c.video_frames_received,
        frames_decoded: c.video_frames_decoded,
        keyframe_requests_sent: c.plis_sent,
        keyframe_requests_received: c.keyframe_requests_received,
        keyframes_sent: c.video_keyframes_sent,
        keyframes_on_request: c.video_keyframes_on_request,
        fps: per_second(m.frames() as f64, call_seconds),
        width: size.map(|s| s.0),
        height: size.map(|s| s.1),
        latency_ms: Latency {
            p50: m.latency_percentile(50.0),
            p95: m.latency_percentile(95.0),
        },
        frames_rendered: m.frames(),
        rendered_fps: FpsReport {
            call: per_second(m.frames() as f64, call_seconds),
            min: fps_min,
            median: fps_median,
        },
        freezes: Freezes {
            count: freezes,
            total_seconds: freeze_seconds,
        },
        longest_pause_ms,
        frames_after_longest_pause,
        glass_to_glass_ms: Latency {
            p50: m.glass_to_glass_percentile(50.0),
            p95: m.glass_to_glass_percentile(95.0),
        },
        playout_delay_ms: Latency {
            p50: m.playout_delay_percentile(50.0),
            p95: m.playout_delay_percentile(95.0),
        },
        sent_width: sent_size.map(|s| s.0),
        sent_height: sent_size.map(|s| s.1),
        sent_fps: per_second(c.video_frames_sent as f64, call_seconds),
        target_kbps: c.video_target_kbps,
        target_kbps_min: target_min,
        target_kbps_median: target_median,
        sent_kbps: kbps(c.video_bytes_sent),
        received_kbps: kbps(c.video_bytes_received),
        nacks_sent: c.nacks_sent.max(c.rtcp_nacks_sent),
        nacks_received: c.rtcp_nacks_received,
        nack_packets_requested: c.nack_packets_requested,
        packets_repaired: c.video_packets_repaired,
        plis_sent: c.rtcp_plis_sent.max(c.plis_sent),
        plis_received: c.rtcp_plis_received,
        firs_received: c.rtcp_firs_received,
        retransmitted_packets_sent: c.retransmitted_packets_sent,
        retransmitted_packets_received: c.retransmitted_packets_received,
        fec_packets_received: c.fec_packets_received,
        fec_packets_sent: c.video_fec_packets_sent,
        fec_recovered: c.video_fec_recovered,
    }
}
