//! [`VoiceProcessor`]: `sonora`'s audio processing module behind the [`AudioProcessor`]
//! seam, configured from [`VoiceSettings`].

use sonora::config::{
    AdaptiveDigital, EchoCanceller, GainController2, HighPassFilter, NoiseSuppression,
};
use sonora::{AudioProcessing, Config, StreamConfig};

use super::VoiceSettings;
use crate::frame::AUDIO_RATE;
use crate::processing::AudioProcessor;

/// Samples in the 10 ms frames `sonora` works on (48 kHz mono).
pub const VOICE_CHUNK_SAMPLES: usize = AUDIO_RATE as usize / 100;

/// What can go wrong in voice processing.
#[derive(Debug, thiserror::Error)]
pub enum VoiceError {
    /// The processing module refused the audio.
    #[error("voice processing failed: {0}")]
    Apm(#[from] sonora::Error),
    /// A frame that is not [`VOICE_CHUNK_SAMPLES`] long.
    #[error("voice processing takes {VOICE_CHUNK_SAMPLES}-sample frames, got {0}")]
    FrameSize(usize),
}

/// Echo cancellation, noise suppression, high-pass and automatic gain for 48 kHz mono
/// audio (see the [module documentation](super)). Feed it what the speaker plays with
/// [`process_render`](Self::process_render) and the microphone with
/// [`process_capture`](Self::process_capture), 10 ms at a time; as an [`AudioProcessor`]
/// it takes the engine's 20 ms frames.
pub struct VoiceProcessor {
    /// `None` when every switch is off: audio passes untouched.
    apm: Option<AudioProcessing>,
    settings: VoiceSettings,
    out: Vec<f32>,
    failures: u64,
}

impl std::fmt::Debug for VoiceProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VoiceProcessor")
            .field("settings", &self.settings)
            .field("failures", &self.failures)
            .finish_non_exhaustive()
    }
}

/// The `sonora` configuration for `settings` (`None`: nothing to run).
fn apm_config(settings: VoiceSettings) -> Option<Config> {
    settings.any().then(|| Config {
        high_pass_filter: settings.high_pass.then(HighPassFilter::default),
        echo_canceller: settings.echo_cancellation.then(EchoCanceller::default),
        noise_suppression: settings.noise_suppression.then(NoiseSuppression::default),
        gain_controller2: settings.auto_gain.then(|| GainController2 {
            // The OS microphone volume is the user's: only digital gain here.
            input_volume_controller: false,
            adaptive_digital: Some(AdaptiveDigital::default()),
            ..GainController2::default()
        }),
        ..Config::default()
    })
}

impl VoiceProcessor {
    /// A processor running what `settings` switch on.
    #[must_use]
    pub fn new(settings: VoiceSettings) -> Self {
        let stream = StreamConfig::new(AUDIO_RATE, 1);
        let apm = apm_config(settings).map(|config| {
            AudioProcessing::builder()
                .config(config)
                .capture_config(stream)
                .render_config(stream)
                .build()
        });
        Self {
            apm,
            settings,
            out: vec![0.0; VOICE_CHUNK_SAMPLES],
            failures: 0,
        }
    }

    /// What runs.
    #[must_use]
    pub fn settings(&self) -> VoiceSettings {
        self.settings
    }

    /// Shows 10 ms the speaker is about to play (the echo reference).
    pub fn process_render(&mut self, chunk: &[f32]) -> Result<(), VoiceError> {
        if chunk.len() != VOICE_CHUNK_SAMPLES {
            return Err(VoiceError::FrameSize(chunk.len()));
        }
        let Some(apm) = self.apm.as_mut() else {
            return Ok(());
        };
        if !self.settings.echo_cancellation {
            return Ok(());
        }
        apm.process_render_f32(&[chunk], &mut [&mut self.out])?;
        Ok(())
    }

    /// Processes 10 ms of microphone audio in place.
    pub fn process_capture(&mut self, chunk: &mut [f32]) -> Result<(), VoiceError> {
        if chunk.len() != VOICE_CHUNK_SAMPLES {
            return Err(VoiceError::FrameSize(chunk.len()));
        }
        let Some(apm) = self.apm.as_mut() else {
            return Ok(());
        };
        apm.process_capture_f32(&[chunk], &mut [&mut self.out])?;
        chunk.copy_from_slice(&self.out);
        Ok(())
    }

    /// The echo canceller's own estimate of its echo return loss enhancement (dB), once
    /// it has one.
    #[must_use]
    pub fn erle_db(&self) -> Option<f64> {
        self.apm
            .as_ref()
            .and_then(|a| a.statistics().echo_return_loss_enhancement)
    }

    /// The echo canceller's estimate of the speaker-to-microphone delay (ms).
    #[must_use]
    pub fn delay_ms(&self) -> Option<i32> {
        self.apm.as_ref().and_then(|a| a.statistics().delay_ms)
    }

    /// Logs a failure (the first, then every thousandth: a frame a second would flood).
    fn failed(&mut self, side: &str, e: &VoiceError) {
        if self.failures.is_multiple_of(1000) {
            tracing::warn!(side, failures = self.failures + 1, "{e}");
        }
        self.failures += 1;
    }
}

impl AudioProcessor for VoiceProcessor {
    fn process_capture(&mut self, frame: &mut [f32]) {
        for chunk in frame.chunks_mut(VOICE_CHUNK_SAMPLES) {
            if let Err(e) = VoiceProcessor::process_capture(self, chunk) {
                self.failed("microphone", &e);
            }
        }
    }

    fn process_render(&mut self, frame: &[f32]) {
        for chunk in frame.chunks(VOICE_CHUNK_SAMPLES) {
            if let Err(e) = VoiceProcessor::process_render(self, chunk) {
                self.failed("speaker", &e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::AUDIO_FRAME_SAMPLES;

    #[test]
    fn each_switch_turns_its_stage_on() {
        assert!(apm_config(VoiceSettings::OFF).is_none());
        let all = apm_config(VoiceSettings::ALL).expect("config");
        assert!(all.echo_canceller.is_some());
        assert!(all.noise_suppression.is_some());
        assert!(all.high_pass_filter.is_some());
        let agc = all.gain_controller2.expect("agc");
        assert!(agc.adaptive_digital.is_some());
        assert!(!agc.input_volume_controller);
        let ns_only = apm_config(VoiceSettings {
            noise_suppression: true,
            ..VoiceSettings::OFF
        })
        .expect("config");
        assert!(ns_only.echo_canceller.is_none());
        assert!(ns_only.noise_suppression.is_some());
        assert!(ns_only.gain_controller2.is_none());
        assert!(ns_only.high_pass_filter.is_none());
        let hp_only = apm_config(VoiceSettings {
            high_pass: true,
            ..VoiceSettings::OFF
        })
        .expect("config");
        assert!(hp_only.high_pass_filter.is_some());
        assert!(hp_only.echo_canceller.is_none());
        assert!(hp_only.noise_suppression.is_none());
        assert!(hp_only.gain_controller2.is_none());
    }

    #[test]
    fn all_off_passes_audio_untouched() {
        let mut p = VoiceProcessor::new(VoiceSettings::OFF);
        let frame: Vec<f32> = (0..AUDIO_FRAME_SAMPLES)
            .map(|i| (i as f32 * 0.05).sin() * 0.3)
            .collect();
        let mut out = frame.clone();
        AudioProcessor::process_render(&mut p, &frame);
        AudioProcessor::process_capture(&mut p, &mut out);
        assert_eq!(out, frame);
    }

    #[test]
    fn the_high_pass_removes_a_dc_offset_and_its_switch_keeps_it() {
        let dc_after_2s = |settings| {
            let mut p = VoiceProcessor::new(settings);
            let mut last = vec![];
            for _ in 0..100 {
                let mut frame = vec![0.25f32; AUDIO_FRAME_SAMPLES];
                AudioProcessor::process_capture(&mut p, &mut frame);
                last = frame;
            }
            last.iter().sum::<f32>() / last.len() as f32
        };
        let filtered = dc_after_2s(VoiceSettings {
            high_pass: true,
            ..VoiceSettings::OFF
        });
        assert!(filtered.abs() < 0.01, "DC left after 2 s: {filtered}");
        let kept = dc_after_2s(VoiceSettings {
            auto_gain: true,
            ..VoiceSettings::OFF
        });
        assert!(
            kept.abs() > 0.05,
            "the high-pass ran while switched off: DC {kept}"
        );
    }

    #[test]
    fn a_chunk_of_the_wrong_size_is_an_error_not_a_panic() {
        let mut p = VoiceProcessor::new(VoiceSettings::ALL);
        assert!(matches!(
            p.process_capture(&mut [0.0; 100]),
            Err(VoiceError::FrameSize(100))
        ));
        assert!(matches!(
            p.process_render(&[0.0; 481]),
            Err(VoiceError::FrameSize(481))
        ));
        // Through the seam, a short frame is processed as far as it goes and logged.
        let mut frame = vec![0.0f32; 700];
        AudioProcessor::process_capture(&mut p, &mut frame);
        assert_eq!(p.failures, 1);
    }

    #[test]
    fn is_send() {
        fn send<T: Send>() {}
        send::<VoiceProcessor>();
    }
}
