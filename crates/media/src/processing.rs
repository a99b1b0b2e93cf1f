//! The seam between microphone capture and the Opus encoder where echo cancellation and
//! noise suppression go (a later issue fills it). Processors see every 10 ms capture frame
//! and every 10 ms frame sent to the speaker (the far-end reference an echo canceller needs).

use crate::frame::AUDIO_FRAME_SAMPLES;
use std::sync::{Arc, Mutex};

/// Processes 10 ms, 48 kHz mono frames in place. Called from the capture worker thread
/// (never from an audio callback), so implementations may allocate, but should be quick.
pub trait AudioProcessor: Send {
    /// Processes one captured (near-end) frame of [`AUDIO_FRAME_SAMPLES`] samples in place.
    fn process_capture(&mut self, frame: &mut [f32]);

    /// Sees one frame that is about to be played (far-end reference). Default: ignored.
    fn process_render(&mut self, _frame: &[f32]) {}
}

/// Leaves audio untouched.
#[derive(Debug, Default, Clone, Copy)]
pub struct Passthrough;

impl AudioProcessor for Passthrough {
    fn process_capture(&mut self, _frame: &mut [f32]) {}
}

/// Runs processors one after another.
#[derive(Default)]
pub struct ProcessorChain {
    stages: Vec<Box<dyn AudioProcessor>>,
}

impl ProcessorChain {
    /// An empty chain (passes audio through).
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a stage.
    pub fn push(&mut self, stage: Box<dyn AudioProcessor>) {
        self.stages.push(stage);
    }
}

impl AudioProcessor for ProcessorChain {
    fn process_capture(&mut self, frame: &mut [f32]) {
        debug_assert_eq!(frame.len(), AUDIO_FRAME_SAMPLES);
        for s in &mut self.stages {
            s.process_capture(frame);
        }
    }

    fn process_render(&mut self, frame: &[f32]) {
        for s in &mut self.stages {
            s.process_render(frame);
        }
    }
}

/// One processor used from two places: give one clone to the microphone
/// ([`MicOptions::processor`](crate::audio::MicOptions)) and one to the speaker
/// ([`SpeakerPlayback::set_render_processor`](crate::audio::SpeakerPlayback::set_render_processor)),
/// so an echo canceller sees both the near end and the far-end reference. Both sides run
/// off the audio callbacks, so the lock never blocks a real-time thread.
#[derive(Clone)]
pub struct SharedProcessor(Arc<Mutex<Box<dyn AudioProcessor>>>);

impl SharedProcessor {
    /// Wraps a processor for sharing.
    pub fn new(inner: Box<dyn AudioProcessor>) -> Self {
        Self(Arc::new(Mutex::new(inner)))
    }
}

impl AudioProcessor for SharedProcessor {
    fn process_capture(&mut self, frame: &mut [f32]) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .process_capture(frame);
    }

    fn process_render(&mut self, frame: &[f32]) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .process_render(frame);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Gain(f32);
    impl AudioProcessor for Gain {
        fn process_capture(&mut self, frame: &mut [f32]) {
            frame.iter_mut().for_each(|s| *s *= self.0);
        }
    }

    /// Subtracts the last far-end frame: a toy echo canceller.
    #[derive(Default)]
    struct Subtract(Vec<f32>);
    impl AudioProcessor for Subtract {
        fn process_capture(&mut self, frame: &mut [f32]) {
            for (s, r) in frame.iter_mut().zip(&self.0) {
                *s -= r;
            }
        }
        fn process_render(&mut self, frame: &[f32]) {
            self.0 = frame.to_vec();
        }
    }

    #[test]
    fn a_shared_processor_sees_both_directions() {
        let mut capture_side = SharedProcessor::new(Box::new(Subtract::default()));
        let mut render_side = capture_side.clone();
        render_side.process_render(&[0.5; AUDIO_FRAME_SAMPLES]);
        let mut near = vec![0.75f32; AUDIO_FRAME_SAMPLES];
        capture_side.process_capture(&mut near);
        assert!(near.iter().all(|&s| (s - 0.25).abs() < 1e-6));
    }

    #[test]
    fn a_chain_applies_its_stages_in_order() {
        let mut chain = ProcessorChain::new();
        chain.push(Box::new(Gain(0.5)));
        chain.push(Box::new(Passthrough));
        chain.push(Box::new(Gain(4.0)));
        let mut frame = vec![0.25f32; AUDIO_FRAME_SAMPLES];
        chain.process_capture(&mut frame);
        assert!(frame.iter().all(|&s| (s - 0.5).abs() < 1e-6));
    }
}
