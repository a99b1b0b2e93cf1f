//! The seam between microphone capture and the Opus encoder where echo cancellation and
//! noise suppression go (a later issue fills it). Processors see every 20 ms capture frame
//! and every 20 ms frame sent to the speaker (the far-end reference an echo canceller needs).

use crate::frame::AUDIO_FRAME_SAMPLES;

/// Processes 20 ms, 48 kHz mono frames in place. Called from the capture worker thread
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

#[cfg(test)]
mod tests {
    use super::*;

    struct Gain(f32);
    impl AudioProcessor for Gain {
        fn process_capture(&mut self, frame: &mut [f32]) {
            frame.iter_mut().for_each(|s| *s *= self.0);
        }
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
