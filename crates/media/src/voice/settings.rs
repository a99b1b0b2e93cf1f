//! The four switches of voice processing, each on by default.

/// Which voice processing runs on the microphone; with all four off the microphone's audio
/// is passed on untouched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoiceSettings {
    /// Remove what the speaker plays from the microphone (AEC3).
    pub echo_cancellation: bool,
    /// Suppress steady background noise.
    pub noise_suppression: bool,
    /// Bring speech to a steady level (AGC2 adaptive digital gain and limiter).
    pub auto_gain: bool,
    /// Remove rumble below the voice (WebRTC's high-pass filter: handling noise, a fan, a desk
    /// thump). Its own switch, as `googHighpassFilter` is in Chromium; but echo cancellation
    /// and noise suppression run it whatever this says (sonora, like libwebrtc, needs it for
    /// them), so it only matters with both off.
    pub high_pass: bool,
}

impl Default for VoiceSettings {
    fn default() -> Self {
        Self::ALL
    }
}

impl VoiceSettings {
    /// Everything on (the default).
    pub const ALL: Self = Self {
        echo_cancellation: true,
        noise_suppression: true,
        auto_gain: true,
        high_pass: true,
    };

    /// Everything off: the microphone's audio is sent as captured.
    pub const OFF: Self = Self {
        echo_cancellation: false,
        noise_suppression: false,
        auto_gain: false,
        high_pass: false,
    };

    /// Whether any processing runs.
    #[must_use]
    pub fn any(self) -> bool {
        self.echo_cancellation || self.noise_suppression || self.auto_gain || self.high_pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_by_default_and_any_follows_each_switch() {
        assert_eq!(VoiceSettings::default(), VoiceSettings::ALL);
        assert!(!VoiceSettings::OFF.any());
        for (settings, any) in [
            (VoiceSettings::ALL, true),
            (VoiceSettings::OFF, false),
            (
                VoiceSettings {
                    echo_cancellation: true,
                    ..VoiceSettings::OFF
                },
                true,
            ),
            (
                VoiceSettings {
                    noise_suppression: true,
                    ..VoiceSettings::OFF
                },
                true,
            ),
            (
                VoiceSettings {
                    auto_gain: true,
                    ..VoiceSettings::OFF
                },
                true,
            ),
            (
                VoiceSettings {
                    high_pass: true,
                    ..VoiceSettings::OFF
                },
                true,
            ),
        ] {
            assert_eq!(settings.any(), any, "{settings:?}");
        }
    }
}
