//! Remote audio out: plays decoded audio on the chosen speaker (if any) and passes it
//! on to the engine's audio tap (for meters, tests and the agent's tone detector).
//! What the speaker plays is shown to the voice processor as the echo reference.

use std::sync::Arc;
use std::time::Duration;

use peercall_media::audio::{SpeakerOptions, SpeakerPlayback};
use peercall_media::{AudioFrame, DeviceChoice, QueueReceiver, QueueSender, SharedProcessor};

/// Starts the thread. Runs until the input queue's sender side is gone.
pub fn spawn(
    input: QueueReceiver<AudioFrame>,
    tap: Arc<QueueSender<AudioFrame>>,
    speaker: Option<String>,
    echo_reference: Option<SharedProcessor>,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("audio-out".into())
        .spawn(move || {
            let mut playback = speaker.and_then(|id| {
                match SpeakerPlayback::open(&DeviceChoice::parse(&id), SpeakerOptions::default()) {
                    Ok(mut p) => {
                        if let Some(voice) = echo_reference {
                            p.set_render_processor(Box::new(voice));
                        }
                        Some(p)
                    }
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
