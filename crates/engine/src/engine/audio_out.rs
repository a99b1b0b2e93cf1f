//! Remote audio out: plays decoded audio on the chosen speaker (if any) and passes it
//! on to the engine's audio tap (for meters, tests and the agent's tone detector).

use std::sync::Arc;
use std::time::Duration;

use peercall_media::audio::{SpeakerOptions, SpeakerPlayback};
use peercall_media::{AudioFrame, DeviceChoice, QueueReceiver, QueueSender};

/// Starts the thread. Runs until the input queue's sender side is gone.
pub fn spawn(
    input: QueueReceiver<AudioFrame>,
    tap: Arc<QueueSender<AudioFrame>>,
    speaker: Option<String>,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("audio-out".into())
        .spawn(move || {
            let mut playback = speaker.and_then(|id| {
                match SpeakerPlayback::open(&DeviceChoice::parse(&id), SpeakerOptions::default()) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        tracing::warn!("no speaker, remote audio is not played: {e}");
                        None
                    }
                }
            });
            loop {
                match input.recv_timeout(Duration::from_millis(200)) {
                    Ok(frame) => {
                        if let Some(p) = playback.as_mut() {
                            p.play(&frame.samples);
                        }
                        tap.push(frame);
                    }
                    Err(peercall_media::RecvError::Timeout) => {}
                    Err(_) => return,
                }
            }
        })
        .map(|_| ())
}
