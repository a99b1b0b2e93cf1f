//! Microphone and speaker enumeration through `cpal`, plus the synthetic tone microphone.

use crate::error::DeviceError;
use crate::source::ToneConfig;
use cpal::traits::{DeviceTrait, HostTrait};

/// Id of the synthetic tone microphone, 440 Hz (always listed).
pub const TONE_MIC_ID: &str = "synthetic:tone";
/// Id of the second synthetic microphone: the same beeps on a [`HIGH_TONE_HZ`] tone (always
/// listed), so a switch between two synthetic microphones changes what is heard.
pub const TONE_HIGH_MIC_ID: &str = "synthetic:tone-high";
/// The second synthetic microphone's frequency, Hz: a fifth above the first one's 440.
pub const HIGH_TONE_HZ: f32 = 660.0;

/// What a synthetic microphone plays: `base` for [`TONE_MIC_ID`], `base` at
/// [`HIGH_TONE_HZ`] for [`TONE_HIGH_MIC_ID`], `None` for any other id.
#[must_use]
pub fn synthetic_tone(id: &str, base: ToneConfig) -> Option<ToneConfig> {
    match id {
        TONE_MIC_ID => Some(base),
        TONE_HIGH_MIC_ID => Some(ToneConfig {
            frequency_hz: HIGH_TONE_HZ,
            ..base
        }),
        _ => None,
    }
}

/// Which device to use: the system default, or one by its stable id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DeviceChoice {
    /// Whatever the OS considers the default (follows changes of the default).
    SystemDefault,
    /// A device by its stable id as listed.
    Id(String),
}

impl DeviceChoice {
    /// The settings' and command line's form: a listed id, or the system default for an
    /// empty id or `default` (both spellings mean the same everywhere).
    #[must_use]
    pub fn parse(id: &str) -> Self {
        match id.trim() {
            "" | "default" => Self::SystemDefault,
            id => Self::Id(id.to_owned()),
        }
    }
}

/// A microphone or speaker as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioDeviceInfo {
    /// Stable id (cpal's `host:device` id, or [`TONE_MIC_ID`]).
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// Whether it is the current system default.
    pub is_default: bool,
    /// Whether it is a synthetic source rather than hardware.
    pub synthetic: bool,
}

/// Microphones: the two tone microphones first, then every cpal input device.
pub fn list_microphones() -> Vec<AudioDeviceInfo> {
    let tone = |id: &str, name: &str| AudioDeviceInfo {
        id: id.into(),
        name: name.into(),
        is_default: false,
        synthetic: true,
    };
    let mut list = vec![
        tone(TONE_MIC_ID, "Test tone (synthetic)"),
        tone(TONE_HIGH_MIC_ID, "Test tone, high (synthetic)"),
    ];
    list.extend(list_cpal(true));
    list
}

/// Speakers: every cpal output device.
pub fn list_speakers() -> Vec<AudioDeviceInfo> {
    list_cpal(false)
}

fn list_cpal(input: bool) -> Vec<AudioDeviceInfo> {
    let host = cpal::default_host();
    let default_id = if input {
        host.default_input_device()
    } else {
        host.default_output_device()
    }
    .and_then(|d| d.id().ok())
    .map(|id| id.to_string());
    let devices = match if input {
        host.input_devices().map(|d| d.collect::<Vec<_>>())
    } else {
        host.output_devices().map(|d| d.collect::<Vec<_>>())
    } {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!("cannot enumerate audio devices: {e}");
            return Vec::new();
        }
    };
    let mut seen = std::collections::HashSet::new();
    devices
        .into_iter()
        .filter_map(|d| {
            let id = d.id().ok()?.to_string();
            let description = d
                .description()
                .map(|desc| desc.name().to_string())
                .unwrap_or_default();
            let name = person_facing_name(&id, &description)?;
            // One entry per name: a card's `sysdefault` and `front` describe the same thing.
            (seen.insert(id.clone()) && seen.insert(name.clone())).then(|| AudioDeviceInfo {
                is_default: default_id.as_deref() == Some(id.as_str()),
                id,
                name,
                synthetic: false,
            })
        })
        .collect()
}

/// How a device appears in a list a person picks from, or `None` for what nobody picks by
/// hand: ALSA's converter, mixing and routing plugins (`lavrate`, `jack`, `upmix`, `dmix`, raw
/// `hw`, …) and `default` itself (every list offers the system default on its own). ALSA's
/// sound servers get short names; a sound card its description's first line.
pub fn person_facing_name(id: &str, description: &str) -> Option<String> {
    let first_line = description.lines().next().unwrap_or_default().trim();
    let Some(pcm) = id.strip_prefix("alsa:") else {
        // Another host's device: its own description, else its id.
        return Some(
            if first_line.is_empty() {
                id
            } else {
                first_line
            }
            .to_owned(),
        );
    };
    let named = |fallback: &str| {
        Some(
            if first_line.is_empty() {
                fallback
            } else {
                first_line
            }
            .to_owned(),
        )
    };
    match pcm.split(':').next().unwrap_or_default() {
        "pulse" => Some("PulseAudio sound server".into()),
        "pipewire" => Some("PipeWire sound server".into()),
        "sysdefault" | "front" | "hdmi" | "iec958" => named(pcm),
        _ => None,
    }
}

/// Finds a cpal device for a choice (never the synthetic microphone).
pub(crate) fn find_cpal(choice: &DeviceChoice, input: bool) -> Result<cpal::Device, DeviceError> {
    let host = cpal::default_host();
    let kind = if input { "microphone" } else { "speaker" };
    match choice {
        DeviceChoice::SystemDefault => if input {
            host.default_input_device()
        } else {
            host.default_output_device()
        }
        .ok_or_else(|| {
            DeviceError::NoAudioDevice(format!(
                "no default {kind}; is a sound server running? (for tests: scripts/start-pulseaudio.sh)"
            ))
        }),
        DeviceChoice::Id(id) => {
            let parsed: cpal::DeviceId = id
                .parse()
                .map_err(|_| DeviceError::NotFound(id.clone()))?;
            host.device_by_id(&parsed)
                .ok_or_else(|| DeviceError::NotFound(id.clone()))
        }
    }
}

/// Maps a cpal error to ours.
pub(crate) fn map_cpal(device: &str, e: &cpal::Error) -> DeviceError {
    match e.kind() {
        cpal::ErrorKind::DeviceBusy => DeviceError::Busy(device.to_string()),
        cpal::ErrorKind::DeviceNotAvailable => DeviceError::NotFound(device.to_string()),
        cpal::ErrorKind::HostUnavailable => DeviceError::NoAudioDevice(e.to_string()),
        _ => DeviceError::Open {
            device: device.to_string(),
            reason: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_sound_servers_and_cards_by_description_not_alsa_plugins() {
        let cases = [
            (
                "alsa:default",
                "Playback/recording through the PulseAudio sound server",
                None,
            ),
            (
                "alsa:pulse",
                "PulseAudio Sound Server",
                Some("PulseAudio sound server"),
            ),
            (
                "alsa:pipewire",
                "PipeWire Sound Server",
                Some("PipeWire sound server"),
            ),
            (
                "alsa:sysdefault:CARD=PCH",
                "HDA Intel PCH, ALC892 Analog\nDefault Audio Device",
                Some("HDA Intel PCH, ALC892 Analog"),
            ),
            (
                "alsa:hdmi:CARD=PCH,DEV=0",
                "HDA Intel PCH, HDMI 0\nHDMI Audio Output",
                Some("HDA Intel PCH, HDMI 0"),
            ),
            (
                "alsa:front:CARD=Webcam,DEV=0",
                "",
                Some("front:CARD=Webcam,DEV=0"),
            ),
            (
                "alsa:lavrate",
                "Rate Converter Plugin Using Libav/FFmpeg Library",
                None,
            ),
            (
                "alsa:samplerate",
                "Rate Converter Plugin Using Samplerate Library",
                None,
            ),
            (
                "alsa:speexrate",
                "Rate Converter Plugin Using Speex Resampler",
                None,
            ),
            ("alsa:jack", "JACK Audio Connection Kit", None),
            ("alsa:oss", "Open Sound System", None),
            ("alsa:speex", "Plugin using Speex DSP", None),
            ("alsa:upmix", "Plugin for channel upmix (4,6,8)", None),
            ("alsa:vdownmix", "Plugin for channel downmix (stereo)", None),
            ("alsa:null", "Discard all samples", None),
            (
                "alsa:dmix:CARD=PCH,DEV=0",
                "HDA Intel PCH\nDirect sample mixing device",
                None,
            ),
            (
                "alsa:hw:CARD=PCH,DEV=0",
                "HDA Intel PCH\nDirect hardware device",
                None,
            ),
            (
                "alsa:plughw:CARD=PCH,DEV=0",
                "HDA Intel PCH\nHardware device with conversions",
                None,
            ),
            (
                "alsa:surround51:CARD=PCH,DEV=0",
                "HDA Intel PCH\n5.1 Surround output",
                None,
            ),
            (
                "coreaudio:42",
                "MacBook Pro Microphone",
                Some("MacBook Pro Microphone"),
            ),
            ("wasapi:{x}", "", Some("wasapi:{x}")),
        ];
        for (id, description, want) in cases {
            assert_eq!(person_facing_name(id, description).as_deref(), want, "{id}");
        }
    }

    #[test]
    fn the_two_tone_microphones_are_listed_first_and_play_different_notes() {
        let list = list_microphones();
        assert_eq!(list[0].id, TONE_MIC_ID);
        assert_eq!(list[1].id, TONE_HIGH_MIC_ID);
        assert!(list[0].synthetic && list[1].synthetic);
        let base = ToneConfig::default();
        assert_eq!(synthetic_tone(TONE_MIC_ID, base), Some(base));
        let high = synthetic_tone(TONE_HIGH_MIC_ID, base).expect("a tone");
        assert_eq!(high.frequency_hz, HIGH_TONE_HZ);
        assert_ne!(high.frequency_hz, base.frequency_hz);
        assert_eq!(high.beep, base.beep);
        assert_eq!(synthetic_tone("alsa:pulse", base), None);
    }

    #[test]
    fn empty_and_default_both_mean_the_system_default() {
        for id in ["", "default", "  ", " default "] {
            assert_eq!(
                DeviceChoice::parse(id),
                DeviceChoice::SystemDefault,
                "{id:?}"
            );
        }
    }

    #[test]
    fn anything_else_is_a_device_id() {
        for id in [
            TONE_MIC_ID,
            "alsa:pulse",
            "alsa:hw:CARD=PCH,DEV=0",
            "Default",
        ] {
            assert_eq!(DeviceChoice::parse(id), DeviceChoice::Id(id.to_owned()));
        }
    }
}
