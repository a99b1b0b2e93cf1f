//! `--speaker-monitor`: records the monitor of the PulseAudio sink the agent plays into
//! with `parec` (a child process: the product crates take no libpulse dependency for a
//! measurement), stamping each read on the capture clock as it arrives
//! (`speaker_heard.rs` turns that into beep onsets).
//!
//! `parec` over the alternatives: cpal could record the monitor through ALSA's `pulse`
//! plugin, but that adds the plugin's own period buffering (and its timestamps) to what
//! is measured, and it would pick its source from `PULSE_SOURCE`, which the agent's own
//! microphone reads too; `parec` with a 10 ms fragment hands samples over within
//! milliseconds of the server rendering them, and the smallest delay over the recording
//! is what anchors it.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use peercall_media::clock::now_us;
use peercall_media::AUDIO_RATE;

use crate::speaker_heard::SpeakerHeard;

/// `--speaker-monitor auto`: the monitor of `PULSE_SINK` if set, else of the default sink.
pub const AUTO: &str = "auto";

/// Why the monitor could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    #[error("cannot start parec (pulseaudio-utils): {0}")]
    Spawn(#[source] std::io::Error),
    #[error("parec gave no output pipe")]
    NoPipe,
    #[error("recording thread: {0}")]
    Thread(#[source] std::io::Error),
}

/// The PulseAudio source to record for `--speaker-monitor <value>`.
#[must_use]
pub fn source_name(value: &str, pulse_sink: Option<&str>) -> String {
    match (value, pulse_sink) {
        (AUTO, Some(sink)) if !sink.is_empty() => format!("{sink}.monitor"),
        (AUTO, _) => "@DEFAULT_MONITOR@".to_owned(),
        (named, _) => named.to_owned(),
    }
}

/// A running recording. [`SpeakerMonitor::finish`] stops it.
pub struct SpeakerMonitor {
    source: String,
    child: Child,
    reader: Option<JoinHandle<()>>,
    heard: Arc<Mutex<SpeakerHeard>>,
}

impl SpeakerMonitor {
    /// Starts `parec` on `source`.
    pub fn start(source: &str) -> Result<Self, MonitorError> {
        let mut child = Command::new("parec")
            .args(["-d", source, "--format=float32le", "--channels=1"])
            .arg(format!("--rate={AUDIO_RATE}"))
            .args(["--latency-msec=10", "--raw"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(MonitorError::Spawn)?;
        let Some(mut out) = child.stdout.take() else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(MonitorError::NoPipe);
        };
        let heard = Arc::new(Mutex::new(SpeakerHeard::default()));
        let into = heard.clone();
        let reader = std::thread::Builder::new()
            .name("speaker-monitor".into())
            .spawn(move || {
                // 10 ms of f32 at a time at most; a partial sample waits for the next read.
                let mut buf = vec![0u8; 4 * AUDIO_RATE as usize / 100];
                let mut have = 0usize;
                let mut samples = Vec::with_capacity(buf.len() / 4);
                loop {
                    let n = match out.read(&mut buf[have..]) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    let arrival = now_us();
                    have += n;
                    let whole = have - have % 4;
                    samples.clear();
                    samples.extend(
                        buf[..whole]
                            .chunks_exact(4)
                            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                    );
                    buf.copy_within(whole..have, 0);
                    have -= whole;
                    if let Ok(mut h) = into.lock() {
                        h.read(&samples, arrival);
                    }
                }
            })
            .map_err(MonitorError::Thread);
        let reader = match reader {
            Ok(r) => r,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(e);
            }
        };
        tracing::info!(source, "recording the speaker's monitor");
        Ok(Self {
            source: source.to_owned(),
            child,
            reader: Some(reader),
            heard,
        })
    }

    /// Stops the recording; what it heard and the source's name.
    pub fn finish(mut self) -> (SpeakerHeard, String) {
        self.stop();
        let mut guard = self.heard.lock().unwrap_or_else(PoisonError::into_inner);
        let heard = std::mem::take(&mut *guard);
        drop(guard);
        (heard, std::mem::take(&mut self.source))
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
    }
}

impl Drop for SpeakerMonitor {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_is_the_monitor_of_the_sink_played_into() {
        assert_eq!(source_name(AUTO, Some("bob_sink")), "bob_sink.monitor");
        assert_eq!(source_name(AUTO, None), "@DEFAULT_MONITOR@");
        assert_eq!(source_name(AUTO, Some("")), "@DEFAULT_MONITOR@");
        assert_eq!(source_name("x.monitor", Some("bob_sink")), "x.monitor");
    }
}
