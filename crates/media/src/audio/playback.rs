//! Speaker playback: 48 kHz mono in, device format out.
//!
//! [`SpeakerPlayback::play`] resamples to the device rate on the caller's thread and pushes
//! into a lock-free ring. The cpal callback takes it a device block at a time
//! (`device_queue.rs`): silent until a block plus `prebuffer_ms` is queued, plays, waits
//! for that much again after running dry, and skips the oldest audio when more than
//! `max_buffer_ms` piles up (bounded latency). Clock drift between the card and the
//! caller is followed by time-stretching (`drift.rs`), so neither of those should happen
//! in a long call.

use super::device_queue::DeviceQueue;
use super::devices::{find_cpal, map_cpal, DeviceChoice};
use super::drift::DriftKeeper;
use super::realtime::SpeakerThreads;
use super::resample::Resampler;
use crate::clock::now_us;
use crate::error::DeviceError;
use crate::frame::{AUDIO_FRAME_SAMPLES, AUDIO_RATE};
use crate::processing::AudioProcessor;
use cpal::traits::{DeviceTrait, StreamTrait};
use cpal::{FromSample, SizedSample};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How to run a speaker.
#[derive(Debug, Clone, Copy)]
pub struct SpeakerOptions {
    /// Audio queued beyond one device block before playback starts (and restarts after
    /// an underrun): what is left after each block to cover a late feeder.
    pub prebuffer_ms: u32,
    /// Above this much queued audio the oldest is skipped (never below two device blocks
    /// plus the prebuffer: what the device takes back to back after an xrun). 120 ms: a
    /// device stall leaves its audio queued, and at 200 the queue was trimmed back only to
    /// ~140 ms, which the drift keeper then held (the speaker's share of mouth-to-ear under
    /// load 168-170 ms against 69 at 120; the GUI `call-audio` test no worse at load 12).
    pub max_buffer_ms: u32,
    /// Device period in frames (cpal keeps two of them in the ALSA buffer, full). Through
    /// PulseAudio's ALSA plugin 1024 frames (21 ms) once ran dry whenever the callback thread
    /// was late (22–33 % of a call's audio missing in the GUI test), and 4096 (85 ms) was
    /// chosen; with the speaker threads real-time and the queue started at a block plus the
    /// prebuffer (issue 16.7) 1024 loses no more than 4096 did (GUI `call-audio`, load 4–5:
    /// 50–100 ms silent of 8 s against 0–400 ms), and the voice is heard 124 ms sooner
    /// (`scripts/bench-mouth-to-ear.sh`: 208 ms against 332 ms on loopback).
    pub buffer_frames: u32,
    /// Ask the device for this rate instead of 48 kHz (audio is resampled to it).
    pub device_rate: Option<u32>,
}

impl Default for SpeakerOptions {
    fn default() -> Self {
        Self {
            prebuffer_ms: 40,
            max_buffer_ms: 120,
            buffer_frames: 1024,
            device_rate: None,
        }
    }
}

/// Counters of a speaker (all in device-rate samples).
#[derive(Debug, Default)]
pub struct PlaybackStats {
    /// Samples played from the queue.
    pub played: AtomicU64,
    /// Times the queue ran dry while playing.
    pub underruns: AtomicU64,
    /// Times playback started: the first, and each restart after running dry.
    pub starts: AtomicU64,
    /// Samples skipped to bound latency or because the ring was full.
    pub skipped: AtomicU64,
    /// Samples (48 kHz) added or removed by time-stretching to follow the card's clock.
    pub drift_corrected: AtomicU64,
}

/// A running speaker. Dropping it stops playback.
pub struct SpeakerPlayback {
    producer: rtrb::Producer<f32>,
    resampler: Resampler,
    scratch: Vec<f32>,
    rate: u32,
    min_queue_ms: u32,
    name: String,
    stats: Arc<PlaybackStats>,
    /// When the device will have played the last block it was given, µs on
    /// [`now_us`]'s clock (0 before the first callback).
    device_end_us: Arc<AtomicU64>,
    last_error: Arc<Mutex<Option<String>>>,
    render: Option<Box<dyn AudioProcessor>>,
    render_pending: Vec<f32>,
    drift: DriftKeeper,
    starts_seen: u64,
    threads: SpeakerThreads,
    threads_done: bool,
    _stream: cpal::Stream,
}

impl SpeakerPlayback {
    /// Opens a speaker.
    pub fn open(choice: &DeviceChoice, options: SpeakerOptions) -> Result<Self, DeviceError> {
        let device = find_cpal(choice, false)?;
        let name = device
            .description()
            .map(|d| d.name().to_string())
            .unwrap_or_else(|_| "speaker".into());
        let supported = device
            .default_output_config()
            .map_err(|e| map_cpal(&name, &e))?;
        let channels = supported.channels().max(1);
        let offers_48k = device.supported_output_configs().is_ok_and(|mut it| {
            it.any(|c| {
                c.channels() == channels
                    && c.min_sample_rate() <= AUDIO_RATE
                    && c.max_sample_rate() >= AUDIO_RATE
            })
        });
        let rate = if let Some(rate) = options.device_rate {
            rate
        } else if offers_48k {
            AUDIO_RATE
        } else {
            supported.sample_rate()
        };
        let config = cpal::StreamConfig {
            channels,
            sample_rate: rate,
            buffer_size: cpal::BufferSize::Fixed(options.buffer_frames),
        };
        let ms = |v: u32| (u64::from(rate) * u64::from(v) / 1000) as usize;
        let block = options.buffer_frames as usize;
        let capacity =
            ms(options.max_buffer_ms).max(ms(options.prebuffer_ms) + 2 * block) * 2 + ms(100);
        let (producer, consumer) = rtrb::RingBuffer::<f32>::new(capacity);
        let stats = Arc::new(PlaybackStats::default());
        let device_end_us = Arc::new(AtomicU64::new(0));
        let last_error = Arc::new(Mutex::new(None));
        let jb = DeviceQueue::new(
            consumer,
            ms(options.prebuffer_ms).max(1),
            ms(options.max_buffer_ms).max(ms(options.prebuffer_ms) + 1),
            stats.clone(),
        );
        use cpal::SampleFormat as F;
        let errs = last_error.clone();
        let threads = SpeakerThreads::default();
        let rt = threads.clone();
        let end = device_end_us.clone();
        let stream = match supported.sample_format() {
            F::I16 => build_typed::<i16>(&device, &config, jb, errs, rt, end),
            F::U16 => build_typed::<u16>(&device, &config, jb, errs, rt, end),
            F::I32 => build_typed::<i32>(&device, &config, jb, errs, rt, end),
            F::U8 => build_typed::<u8>(&device, &config, jb, errs, rt, end),
            _ => build_typed::<f32>(&device, &config, jb, errs, rt, end),
        }
        .map_err(|e| map_cpal(&name, &e))?;
        stream.play().map_err(|e| map_cpal(&name, &e))?;
        tracing::info!(device = %name, rate, channels, "speaker opened");
        let resampler =
            Resampler::new(AUDIO_RATE, rate).ok_or_else(|| DeviceError::NoUsableFormat {
                device: name.clone(),
                reason: format!("cannot resample to {rate} Hz"),
            })?;
        Ok(Self {
            producer,
            resampler,
            scratch: Vec::with_capacity(4096),
            rate,
            min_queue_ms: (u64::from(options.buffer_frames) * 1000 / u64::from(rate)) as u32
                + options.prebuffer_ms,
            name,
            stats,
            device_end_us,
            last_error,
            render: None,
            render_pending: Vec::with_capacity(2 * AUDIO_FRAME_SAMPLES),
            drift: DriftKeeper::default(),
            starts_seen: 0,
            threads,
            threads_done: false,
            _stream: stream,
        })
    }

    /// Queues 48 kHz mono samples. Returns how many device-rate samples were queued
    /// (fewer than produced only if the ring was full). Once the queue has settled, a
    /// pitch period is now and then removed or repeated so that it stays where it settled
    /// while the card's clock runs faster or slower than ours (`drift.rs`).
    pub fn play(&mut self, samples: &[f32]) -> usize {
        if !self.threads_done {
            self.threads_done = self.threads.follow_up(&self.name);
        }
        if let Some(render) = self.render.as_mut() {
            self.render_pending.extend_from_slice(samples);
            let mut start = 0;
            while self.render_pending.len() - start >= AUDIO_FRAME_SAMPLES {
                render.process_render(&self.render_pending[start..start + AUDIO_FRAME_SAMPLES]);
                start += AUDIO_FRAME_SAMPLES;
            }
            self.render_pending.drain(..start);
        }
        // The level to hold is learned anew from each start: before it the queue holds
        // whatever piled up while the device was not asking (a sound server takes a second
        // or two to start a stream), and a level learned from that was held for the call.
        let starts = self.stats.starts.load(Ordering::Relaxed);
        if starts != self.starts_seen {
            self.starts_seen = starts;
            self.drift.reset();
        }
        let mut block = samples.to_vec();
        let changed = self.drift.adjust(f64::from(self.buffered_ms()), &mut block);
        if changed != 0 {
            self.stats
                .drift_corrected
                .fetch_add(changed.unsigned_abs(), Ordering::Relaxed);
        }
        self.scratch.clear();
        self.resampler.process(&block, &mut self.scratch);
        let n = self.scratch.len().min(self.producer.slots());
        if let Ok(mut chunk) = self.producer.write_chunk_uninit(n) {
            let (a, b) = chunk.as_mut_slices();
            let split = a.len();
            for (dst, &src) in a.iter_mut().zip(&self.scratch[..split]) {
                dst.write(src);
            }
            for (dst, &src) in b.iter_mut().zip(&self.scratch[split..n]) {
                dst.write(src);
            }
            // SAFETY: all `n` slots were written just above.
            unsafe { chunk.commit_all() };
        }
        let dropped = self.scratch.len() - n;
        if dropped > 0 {
            self.stats
                .skipped
                .fetch_add(dropped as u64, Ordering::Relaxed);
        }
        n
    }

    /// Shows every played 10 ms frame to `processor` (the far-end reference for echo
    /// cancellation; see [`SharedProcessor`](crate::processing::SharedProcessor)).
    pub fn set_render_processor(&mut self, processor: Box<dyn AudioProcessor>) {
        self.render = Some(processor);
        self.render_pending.clear();
    }

    /// Audio queued and not yet played, in milliseconds.
    pub fn buffered_ms(&self) -> u32 {
        let queued = self.producer.buffer().capacity() - self.producer.slots();
        (queued as u64 * 1000 / u64::from(self.rate)) as u32
    }

    /// How long audio queued now takes to be heard: what is queued ahead of it plus what
    /// the device still holds (the block it was last given, and the device's own delay
    /// before that block starts, as the host reports it). The two move in opposite
    /// directions between callbacks, so the sum stays put while the queue is steady.
    pub fn latency(&self) -> Duration {
        let queued = self.producer.buffer().capacity() - self.producer.slots();
        let queued_us = queued as u64 * 1_000_000 / u64::from(self.rate);
        let end = self.device_end_us.load(Ordering::Relaxed);
        let device_us = end.saturating_sub(now_us());
        Duration::from_micros(queued_us + device_us)
    }

    /// How much audio a feeder that tops the queue up (rather than pacing by the clock)
    /// must keep queued: one device block plus the prebuffer. Playback starts, and
    /// restarts after running dry, only once this much is queued (`device_queue.rs`).
    pub fn min_queue_ms(&self) -> u32 {
        self.min_queue_ms
    }

    /// Device sample rate.
    pub fn device_rate(&self) -> u32 {
        self.rate
    }

    /// Human-readable device name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Counters.
    pub fn stats(&self) -> &PlaybackStats {
        &self.stats
    }

    /// The last error the device reported, if any.
    pub fn take_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|mut e| e.take())
    }
}

fn build_typed<T>(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    mut jb: DeviceQueue,
    err_slot: Arc<Mutex<Option<String>>>,
    threads: SpeakerThreads,
    device_end_us: Arc<AtomicU64>,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample + FromSample<f32>,
{
    let channels = usize::from(config.channels.max(1));
    let rate = u64::from(config.sample_rate.max(1));
    let mut errors = super::error_log::ErrorLog::new("speaker");
    device.build_output_stream::<T, _, _>(
        *config,
        move |out: &mut [T], info: &cpal::OutputCallbackInfo| {
            // Real-time context: no locks, no allocation.
            threads.on_callback();
            let frames = out.len() / channels;
            let stamp = info.timestamp();
            let ahead = stamp.playback.duration_since(stamp.callback).as_micros() as u64;
            let block = frames as u64 * 1_000_000 / rate;
            device_end_us.store(now_us() + ahead + block, Ordering::Relaxed);
            jb.begin_block(frames);
            for frame in out.chunks_exact_mut(channels) {
                let s = T::from_sample(jb.next_sample());
                frame.fill(s);
            }
        },
        move |e| {
            errors.on_stream_error(&e);
            if let Ok(mut slot) = err_slot.try_lock() {
                *slot = Some(e.to_string());
            }
        },
        Some(Duration::from_secs(5)),
    )
}
