//! Remote audio: RTP packets go into the jitter buffer (NetEQ-lite,
//! [`peercall_media::audio::neteq`]) as they arrive; a playout thread pulls 10 ms every
//! 10 ms of the local clock into the audio-out queue and publishes the buffer's figures
//! in the call's [`Counters`]. Concealment, FEC, RED, reordering and time-stretching are
//! all the buffer's; this file only moves packets, time and samples (RED packets are split
//! by [`super::audio_format`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use peercall_media::audio::neteq::{DelayConfig, NetEq, NetEqStats, PULL_SAMPLES};
use peercall_media::clock::now_us;
use peercall_media::{AudioFrame, MediaError};
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};

use super::audio_format::Received;
use super::events::SessionEvent;
use super::receive::Receivers;
use super::sync::{Kind, Playing, SyncDriver};
use crate::stats::Counters;
use crate::tuning_env::{process_env, read_u32};

/// The playout clock's period.
const PULL_PERIOD: Duration = Duration::from_millis(10);
/// Behind by up to this (the thread was starved), the pulls missed are made at once
/// (the buffer's level stays right); beyond it the clock restarts from now.
const MAX_LAG: Duration = Duration::from_millis(500);
/// Packets further apart than this are logged (debug), to tell a late path or a starved
/// receive task from a late playout thread when an underrun is looked into.
const ARRIVAL_GAP: Duration = Duration::from_millis(50);
/// A pull made this much after its deadline is logged (debug), for the same reason.
const PULL_LATE: Duration = Duration::from_millis(20);
/// Pulls between two stats publications (every 100 ms).
const STATS_EVERY: u64 = 10;
/// `PEERCALL_AUDIO_SYNC_WAIT=0`: the buffer does not hold audio for lip sync (the voice
/// is not made to wait for slower video), so a benchmark sees the buffer's own delay.
const SYNC_WAIT_ENV: &str = "PEERCALL_AUDIO_SYNC_WAIT";

type Shared = Arc<Mutex<NetEq>>;

impl Receivers {
    /// Reads the remote audio track into a jitter buffer played out by its own thread.
    pub(super) async fn read_audio(self: Arc<Self>, track: Arc<dyn TrackRemote>) {
        let neteq = match NetEq::new(DelayConfig::default()) {
            Ok(n) => Arc::new(Mutex::new(n)),
            Err(e) => {
                let _ = self.events.send(SessionEvent::error(MediaError::from(e)));
                return;
            }
        };
        let ended = Arc::new(AtomicBool::new(false));
        let playout = {
            let (me, neteq, ended) = (self.clone(), neteq.clone(), ended.clone());
            std::thread::Builder::new()
                .name("audio-playout".into())
                .spawn(move || me.playout_loop(&neteq, &ended))
        };
        if let Err(e) = playout {
            let _ = self.events.send(SessionEvent::error(e));
            return;
        }
        let mut losses = LossCounter::default();
        let mut last_arrival: Option<Instant> = None;
        while let Some(event) = track.poll().await {
            let TrackRemoteEvent::OnRtpPacket(packet) = event else {
                continue;
            };
            let c = &self.counters;
            Counters::add(&c.audio_packets_received, 1);
            Counters::add(&c.audio_bytes_received, packet.payload.len() as u64);
            losses.on_sequence(packet.header.sequence_number, c);
            self.sync.set_received_ssrc(Kind::Audio, packet.header.ssrc);
            let formats = self.audio_formats.get();
            let (seq, ts, now) = (
                packet.header.sequence_number,
                packet.header.timestamp,
                Instant::now(),
            );
            if let Some(gap) = last_arrival.map(|t| now.saturating_duration_since(t)) {
                if gap > ARRIVAL_GAP {
                    // Tells a late path (or a starved receive task) from a playout stall
                    // when an underrun is looked into.
                    tracing::debug!(
                        gap_ms = gap.as_millis() as u64,
                        seq,
                        "audio: no packet for a while"
                    );
                }
            }
            last_arrival = Some(now);
            let received = match formats.classify(packet.header.payload_type, &packet.payload) {
                Ok(r) => r,
                Err(e) => {
                    tracing::debug!("audio packet {seq} dropped: {e}");
                    continue;
                }
            };
            let Ok(mut buffer) = neteq.lock() else { break };
            match received {
                Received::Opus(payload) => buffer.insert(seq, ts, payload, now),
                Received::Red(blocks) => buffer.insert_red(seq, ts, &blocks, now),
                Received::Other => {}
            }
        }
        ended.store(true, Ordering::Relaxed);
    }

    /// Pulls 10 ms every 10 ms until the track or the session ends.
    fn playout_loop(&self, neteq: &Shared, ended: &AtomicBool) {
        // The speaker's feeder: late here is a hole there (peercall_media's realtime.rs).
        if let Err(e) = peercall_media::audio::realtime::promote_current_thread() {
            tracing::debug!("audio playout thread at normal priority: {e}");
        }
        let mut next = Instant::now();
        let mut pulls = 0u64;
        let mut sync = SyncDriver::new(self.sync.clone());
        let sync_wait = read_u32(&process_env, SYNC_WAIT_ENV, 0, 1) != Some(0);
        if !sync_wait {
            tracing::info!("{SYNC_WAIT_ENV}=0: the voice does not wait for video");
        }
        while !ended.load(Ordering::Relaxed) && !self.closed.load(Ordering::Relaxed) {
            let now = Instant::now();
            if next > now {
                std::thread::sleep(next - now);
            } else if now - next > MAX_LAG {
                next = now;
            }
            // This pull's place on the playout clock: the jitter buffer measures its
            // playout delay against it, so a pull the scheduler made late (and the ones
            // made at once to catch up) does not look like audio played late or early.
            let due = next;
            next += PULL_PERIOD;
            if now.saturating_duration_since(due) > PULL_LATE {
                tracing::debug!(
                    late_ms = now.saturating_duration_since(due).as_millis() as u64,
                    "audio playout: pull behind its deadline"
                );
            }
            let (pull, stats) = {
                let Ok(mut buffer) = neteq.lock() else { return };
                // What goes out now is heard once the speaker has played what is ahead.
                let at_us = now_us() as i64;
                let playing = buffer.playout_timestamp().map(|rtp| Playing { rtp, at_us });
                let speaker = self.speaker_delay.get();
                let now = Instant::now();
                if let Some(d) = sync.on_audio(playing, speaker, now, at_us, &self.counters) {
                    if sync_wait {
                        buffer.set_sync_delay_ms(d.audio.as_secs_f64() * 1000.0);
                    }
                }
                let pull = buffer.pull(due);
                pulls += 1;
                let stats = pulls.is_multiple_of(STATS_EVERY).then(|| buffer.stats());
                (pull, stats)
            };
            if let Some(stats) = stats {
                publish(&self.counters, &stats);
            }
            debug_assert_eq!(pull.samples.len(), PULL_SAMPLES);
            self.audio_out.push(AudioFrame {
                samples: pull.samples,
                capture_time_us: now_us(),
            });
        }
    }
}

/// Copies the buffer's totals into the call's counters.
fn publish(c: &Counters, s: &NetEqStats) {
    Counters::set(&c.audio_samples_played, s.samples_out);
    Counters::set(&c.audio_concealed_samples, s.concealed_samples);
    Counters::set(&c.audio_fec_samples, s.fec_samples);
    Counters::set(&c.audio_red_samples, s.red_samples);
    Counters::set(
        &c.audio_stretched_samples,
        s.accelerate_samples + s.expand_samples,
    );
    Counters::set(&c.audio_underruns, s.underruns);
    Counters::set(&c.audio_late_packets, s.late_packets);
    Counters::set(&c.audio_delay_p50_us, (s.delay_p50_ms * 1000.0) as u64);
    Counters::set(&c.audio_delay_p95_us, (s.delay_p95_ms * 1000.0) as u64);
    Counters::set(&c.audio_target_delay_us, (s.target_ms * 1000.0) as u64);
}

/// Counts sequence gaps as lost packets, and takes one back when a reordered packet
/// fills a gap.
#[derive(Debug, Default)]
struct LossCounter {
    highest: Option<u16>,
}

impl LossCounter {
    fn on_sequence(&mut self, seq: u16, c: &Counters) {
        let Some(high) = self.highest else {
            self.highest = Some(seq);
            return;
        };
        let ahead = seq.wrapping_sub(high);
        if ahead == 0 {
            return;
        }
        if ahead < 0x8000 {
            Counters::add(&c.audio_packets_lost, u64::from(ahead - 1));
            self.highest = Some(seq);
        } else {
            let _ = c
                .audio_packets_lost
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                    Some(v.saturating_sub(1))
                });
        }
    }
}
