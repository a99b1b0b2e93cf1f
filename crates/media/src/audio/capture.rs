//! Microphone capture: a cpal input stream (or the synthetic tone) delivering 10 ms,
//! 48 kHz mono [`AudioFrame`]s through a drop-oldest queue, after the
//! [`AudioProcessor`] seam.
//!
//! The cpal callback only converts to mono and pushes into a lock-free ring (no locks, no
//! allocation); a worker thread resamples, cuts 10 ms frames, stamps and processes them.

use super::devices::{find_cpal, map_cpal, synthetic_tone, DeviceChoice};
use super::resample::Resampler;
use crate::clock::now_us;
use crate::error::DeviceError;
use crate::frame::{AudioFrame, AUDIO_FRAME_SAMPLES, AUDIO_RATE};
use crate::processing::{AudioProcessor, Passthrough};
use crate::queue::{drop_oldest_queue, QueueReceiver, QueueSender};
use crate::source::{ToneConfig, ToneSource};
use cpal::traits::{DeviceTrait, StreamTrait};
use cpal::{FromSample, Sample, SizedSample};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How to run a microphone.
pub struct MicOptions {
    /// Frames the consumer may fall behind before the oldest is dropped.
    pub queue_frames: usize,
    /// Echo cancel / noise suppression stage (default: pass-through).
    pub processor: Box<dyn AudioProcessor>,
    /// What the synthetic tone microphone plays.
    pub tone: ToneConfig,
    /// Device buffer size in frames (cpal `BufferSize::Fixed`); 1024 works with PulseAudio.
    pub buffer_frames: u32,
    /// Ask the device for this rate instead of 48 kHz (audio is resampled to 48 kHz).
    pub device_rate: Option<u32>,
}

impl Default for MicOptions {
    fn default() -> Self {
        Self {
            // 200 ms of 10 ms frames.
            queue_frames: 20,
            processor: Box::new(Passthrough),
            tone: ToneConfig::default(),
            buffer_frames: 1024,
            device_rate: None,
        }
    }
}

/// A running microphone. Dropping it stops capture.
pub struct MicCapture {
    frames: QueueReceiver<AudioFrame>,
    name: String,
    stop: Arc<AtomicBool>,
    worker: Option<JoinHandle<()>>,
    overflows: Arc<AtomicU64>,
    last_error: Arc<Mutex<Option<String>>>,
    _stream: Option<cpal::Stream>,
}

impl MicCapture {
    /// Opens a microphone ([`TONE_MIC_ID`](super::TONE_MIC_ID) and
    /// [`TONE_HIGH_MIC_ID`](super::TONE_HIGH_MIC_ID) select the synthetic tones).
    pub fn open(choice: &DeviceChoice, options: MicOptions) -> Result<Self, DeviceError> {
        let (tx, rx) = drop_oldest_queue(options.queue_frames);
        let stop = Arc::new(AtomicBool::new(false));
        let overflows = Arc::new(AtomicU64::new(0));
        let last_error = Arc::new(Mutex::new(None));
        let tone = match choice {
            DeviceChoice::Id(id) => synthetic_tone(id, options.tone),
            DeviceChoice::SystemDefault => None,
        };
        if let Some(tone) = tone {
            let stop2 = stop.clone();
            let worker = std::thread::Builder::new()
                .name("tone-mic".into())
                .spawn(move || run_tone(tone, options.processor, tx, &stop2))
                .map_err(|_| DeviceError::Thread("tone microphone"))?;
            return Ok(Self {
                frames: rx,
                name: "Test tone (synthetic)".into(),
                stop,
                worker: Some(worker),
                overflows,
                last_error,
                _stream: None,
            });
        }
        let device = find_cpal(choice, true)?;
        let name = device
            .description()
            .map(|d| d.name().to_string())
            .unwrap_or_else(|_| "microphone".into());
        let supported = device
            .default_input_config()
            .map_err(|e| map_cpal(&name, &e))?;
        let channels = supported.channels().max(1);
        let rate = options
            .device_rate
            .unwrap_or_else(|| supported_rate(&device, channels, supported.sample_rate()));
        let config = cpal::StreamConfig {
            channels,
            sample_rate: rate,
            buffer_size: cpal::BufferSize::Fixed(options.buffer_frames),
        };
        // Half a second of device audio between callback and worker.
        let (producer, consumer) = rtrb::RingBuffer::<f32>::new(rate as usize / 2);
        let err_slot = last_error.clone();
        let stream = build_input(
            &device,
            supported.sample_format(),
            &config,
            producer,
            overflows.clone(),
            err_slot,
        )
        .map_err(|e| map_cpal(&name, &e))?;
        stream.play().map_err(|e| map_cpal(&name, &e))?;
        tracing::info!(device = %name, rate, channels, "microphone opened");
        let resampler =
            Resampler::new(rate, AUDIO_RATE).ok_or_else(|| DeviceError::NoUsableFormat {
                device: name.clone(),
                reason: format!("cannot resample {rate} Hz"),
            })?;
        let stop2 = stop.clone();
        let worker = std::thread::Builder::new()
            .name("mic-worker".into())
            .spawn(move || run_worker(consumer, resampler, options.processor, tx, &stop2))
            .map_err(|_| DeviceError::Thread("microphone worker"))?;
        Ok(Self {
            frames: rx,
            name,
            stop,
            worker: Some(worker),
            overflows,
            last_error,
            _stream: Some(stream),
        })
    }

    /// The captured 10 ms frames.
    pub fn frames(&self) -> &QueueReceiver<AudioFrame> {
        &self.frames
    }

    /// Human-readable device name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Samples lost because the worker fell behind the device.
    pub fn overflows(&self) -> u64 {
        self.overflows.load(Ordering::Relaxed)
    }

    /// The last error the device reported, if any (e.g. it was unplugged).
    pub fn take_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|mut e| e.take())
    }
}

impl Drop for MicCapture {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

/// 48 kHz if the device offers it at this channel count, else its default rate.
fn supported_rate(device: &cpal::Device, channels: u16, default: u32) -> u32 {
    let offers_48k = device.supported_input_configs().is_ok_and(|mut it| {
        it.any(|c| {
            c.channels() == channels
                && c.min_sample_rate() <= AUDIO_RATE
                && c.max_sample_rate() >= AUDIO_RATE
        })
    });
    if offers_48k {
        AUDIO_RATE
    } else {
        default
    }
}

fn build_input(
    device: &cpal::Device,
    format: cpal::SampleFormat,
    config: &cpal::StreamConfig,
    producer: rtrb::Producer<f32>,
    overflows: Arc<AtomicU64>,
    err_slot: Arc<Mutex<Option<String>>>,
) -> Result<cpal::Stream, cpal::Error> {
    use cpal::SampleFormat as F;
    match format {
        F::I16 => build_typed::<i16>(device, config, producer, overflows, err_slot),
        F::U16 => build_typed::<u16>(device, config, producer, overflows, err_slot),
        F::I32 => build_typed::<i32>(device, config, producer, overflows, err_slot),
        F::U8 => build_typed::<u8>(device, config, producer, overflows, err_slot),
        F::F64 => build_typed::<f64>(device, config, producer, overflows, err_slot),
        _ => build_typed::<f32>(device, config, producer, overflows, err_slot),
    }
}

fn build_typed<T>(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    mut producer: rtrb::Producer<f32>,
    overflows: Arc<AtomicU64>,
    err_slot: Arc<Mutex<Option<String>>>,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample,
    f32: FromSample<T>,
{
    let channels = usize::from(config.channels.max(1));
    let scale = 1.0 / channels as f32;
    let mut errors = super::error_log::ErrorLog::new("microphone");
    device.build_input_stream::<T, _, _>(
        *config,
        move |data: &[T], _| {
            // Real-time context: no locks, no allocation.
            for frame in data.chunks_exact(channels) {
                let mono = frame.iter().map(|&s| f32::from_sample(s)).sum::<f32>() * scale;
                if producer.push(mono).is_err() {
                    overflows.fetch_add(1, Ordering::Relaxed);
                }
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

fn run_worker(
    mut consumer: rtrb::Consumer<f32>,
    mut resampler: Resampler,
    mut processor: Box<dyn AudioProcessor>,
    tx: QueueSender<AudioFrame>,
    stop: &AtomicBool,
) {
    let mut raw = Vec::with_capacity(8192);
    let mut pending: Vec<f32> = Vec::with_capacity(8192);
    while !stop.load(Ordering::Relaxed) {
        raw.clear();
        let n = consumer.slots();
        if let Ok(chunk) = consumer.read_chunk(n) {
            raw.extend(chunk);
        }
        if raw.is_empty() {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        }
        resampler.process(&raw, &mut pending);
        let now = now_us();
        let mut start = 0;
        while pending.len() - start >= AUDIO_FRAME_SAMPLES {
            // Samples from this frame's first to the newest one just read.
            let backlog = (pending.len() - start) as u64;
            let mut samples = pending[start..start + AUDIO_FRAME_SAMPLES].to_vec();
            processor.process_capture(&mut samples);
            let frame = AudioFrame {
                samples,
                capture_time_us: now.saturating_sub(backlog * 1_000_000 / u64::from(AUDIO_RATE)),
            };
            if !tx.push(frame) {
                return;
            }
            start += AUDIO_FRAME_SAMPLES;
        }
        pending.drain(..start);
    }
}

/// Plays the tone in real time: one frame every 10 ms on the capture clock, handed on as
/// soon as its last sample is due (as a device would deliver it).
fn run_tone(
    config: ToneConfig,
    mut processor: Box<dyn AudioProcessor>,
    tx: QueueSender<AudioFrame>,
    stop: &AtomicBool,
) {
    let mut source = ToneSource::new(config);
    let frame_us = 1_000_000 * AUDIO_FRAME_SAMPLES as u64 / u64::from(AUDIO_RATE);
    let mut next = now_us();
    while !stop.load(Ordering::Relaxed) {
        let now = now_us();
        // A frame is complete once its last sample has been "recorded".
        if now < next + frame_us {
            std::thread::sleep(Duration::from_micros((next + frame_us - now).min(5_000)));
            continue;
        }
        if now > next + 10 * frame_us {
            next = now - frame_us; // fell far behind (suspended?): resynchronise
        }
        let mut samples = vec![0.0; AUDIO_FRAME_SAMPLES];
        source.fill(&mut samples, next);
        processor.process_capture(&mut samples);
        if !tx.push(AudioFrame {
            samples,
            capture_time_us: next,
        }) {
            return;
        }
        next += frame_us;
    }
}
