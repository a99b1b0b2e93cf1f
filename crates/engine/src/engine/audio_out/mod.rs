//! Remote audio out: plays decoded audio on the chosen speaker (if any) and passes it
//! on to the engine's audio tap (for meters, tests and the agent's tone detector).
//! What the speaker plays is shown to the voice processor as the echo reference. The
//! speaker is open only while a call's audio flows (`gate.rs`).

mod gate;
mod options;

use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

use peercall_media::audio::SpeakerPlayback;
use peercall_media::{AudioFrame, DeviceChoice, QueueReceiver, QueueSender, SharedProcessor};

use crate::session::SpeakerDelay;
use gate::{Action, SpeakerGate};

/// A frame from the playout thread (10 ms): [`SpeakerPlayback::latency`] counts to the
/// end of what is queued, the frame's first sample is heard this much earlier.
const FRAME: Duration = Duration::from_millis(10);
/// How often the speaker's counters are logged (at debug level) while it plays.
const REPORT_EVERY: Duration = Duration::from_secs(1);

/// Starts the thread. Runs until the input queue's sender side is gone.
pub fn spawn(
    input: QueueReceiver<AudioFrame>,
    tap: Arc<QueueSender<AudioFrame>>,
    speaker: Option<String>,
    echo_reference: Option<SharedProcessor>,
    delay: SpeakerDelay,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("audio-out".into())
        .spawn(move || {
            // Feeds the speaker every 10 ms: late here is a hole there (realtime.rs).
            if let Err(e) = peercall_media::audio::realtime::promote_current_thread() {
                tracing::debug!("audio-out thread at normal priority: {e}");
            }
            let mut gate = SpeakerGate::default();
            let mut playback: Option<SpeakerPlayback> = None;
            let mut last_report = Instant::now();
            loop {
                match input.recv_timeout(Duration::from_millis(200)) {
                    Ok(frame) => {
                        if gate.on_frame(Instant::now()) == Action::Open {
                            playback = speaker
                                .as_deref()
                                .and_then(|id| open(id, echo_reference.as_ref()));
                        }
                        if let Some(p) = playback.as_mut() {
                            p.play(&frame.samples);
                            // The frame just queued is heard after what is ahead of it.
                            delay.set(p.latency().saturating_sub(FRAME));
                            if last_report.elapsed() >= REPORT_EVERY {
                                last_report = Instant::now();
                                report(p);
                            }
                        }
                        tap.push(frame);
                    }
                    Err(peercall_media::RecvError::Timeout) => {
                        if gate.on_idle(Instant::now()) == Action::Close {
                            delay.set(Duration::ZERO);
                            if let Some(p) = playback.take() {
                                report(&p);
                                tracing::info!(
                                    device = p.name(),
                                    "speaker closed: the call's audio ended"
                                );
                            }
                        }
                    }
                    Err(_) => return,
                }
            }
        })
        .map(|_| ())
}

/// Opens the speaker for a call's audio; `None` (logged) when it cannot be opened, and the
/// call goes on without it.
fn open(id: &str, echo_reference: Option<&SharedProcessor>) -> Option<SpeakerPlayback> {
    let settings = options::from_env(crate::tuning_env::process_env);
    match SpeakerPlayback::open(&DeviceChoice::parse(id), settings) {
        Ok(mut p) => {
            tracing::info!(
                period = settings.buffer_frames,
                prebuffer_ms = settings.prebuffer_ms,
                max_ms = settings.max_buffer_ms,
                "speaker period and queue"
            );
            if let Some(voice) = echo_reference {
                p.set_render_processor(Box::new(voice.clone()));
            }
            Some(p)
        }
        Err(e) => {
            tracing::warn!("no speaker, remote audio is not played: {e}");
            None
        }
    }
}

/// The speaker's counters, at debug level (device-rate samples).
fn report(p: &SpeakerPlayback) {
    let st = p.stats();
    tracing::debug!(
        played = st.played.load(Relaxed),
        underruns = st.underruns.load(Relaxed),
        skipped = st.skipped.load(Relaxed),
        queued_ms = p.buffered_ms(),
        latency_ms = p.latency().as_millis() as u64,
        "speaker"
    );
}
