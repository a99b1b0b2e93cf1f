//! The engine settings a desktop app derives from its user's settings: device choices
//! (parsed by [`crate::devices`], where an empty id means the system default, as `default`
//! does, and the default camera falls back to the test pattern when it is opened) and the
//! ICE bind policy. Pure: the bind override comes in as an argument.

use peercall_media::VoiceSettings;

use crate::devices::{device_setting, AudioSource, VideoSource};
use crate::session::VideoSettings;
use crate::EngineConfig;

/// The user's settings, as the app stores them.
#[derive(Debug, Clone, Copy, Default)]
pub struct UserSettings<'a> {
    /// Name shown to others.
    pub display_name: &'a str,
    /// The server's access token (empty: none).
    pub server_token: &'a str,
    /// Camera id, `synthetic:test-pattern`, `none`, or empty for the system's camera.
    pub camera: &'a str,
    /// Microphone id, `synthetic:tone`, `none`, or empty for the system default.
    pub microphone: &'a str,
    /// Speaker id, or empty for the system default.
    pub speaker: &'a str,
    /// Video size sent.
    pub resolution: (u32, u32),
    /// Privacy: only TURN relay candidates, so peers never learn our addresses.
    pub relay_only: bool,
    /// Privacy on the LAN: host candidates as `.local` names, never our addresses
    /// (`SessionConfig::mdns_host_candidates`).
    pub hide_local_addresses: bool,
    /// Echo cancellation, noise suppression, auto gain (all on by default).
    pub voice: VoiceSettings,
}

/// What the machine offers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Machine<'a> {
    /// Comma-separated local addresses to bind for ICE instead of the default
    /// (`PEERCALL_ICE_BIND`; tests keep media on loopback with `127.0.0.1:0`).
    pub ice_bind: Option<&'a str>,
}

/// The engine configuration for an app connecting to `url`.
#[must_use]
pub fn app_engine_config(
    url: &str,
    user: &UserSettings<'_>,
    machine: &Machine<'_>,
) -> EngineConfig {
    let mut config = EngineConfig::new(url, user.display_name);
    if !user.server_token.is_empty() {
        config.signaling.token = Some(user.server_token.to_owned());
    }
    config.video = VideoSource::parse(user.camera);
    config.audio = AudioSource::parse(user.microphone);
    config.speaker = Some(device_setting(user.speaker));
    let (width, height) = user.resolution;
    config.session.video = VideoSettings::new(width, height, 30);
    config.session.bind_addrs = ice_bind_addrs(machine.ice_bind);
    config.session.relay_only = user.relay_only;
    config.session.mdns_host_candidates = user.hide_local_addresses;
    config.voice = user.voice;
    config
}

/// Where ICE gathers: every LAN interface (`0.0.0.0:0`) and loopback (so two apps on one
/// machine meet), unless `ice_bind` names the addresses.
#[must_use]
pub fn ice_bind_addrs(ice_bind: Option<&str>) -> Vec<String> {
    let listed: Vec<String> = ice_bind
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect();
    if listed.is_empty() {
        vec!["0.0.0.0:0".into(), "127.0.0.1:0".into()]
    } else {
        listed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ice_binds_lan_and_loopback_unless_told_otherwise() {
        let both = ["0.0.0.0:0", "127.0.0.1:0"];
        assert_eq!(ice_bind_addrs(None), both);
        assert_eq!(ice_bind_addrs(Some("")), both);
        assert_eq!(ice_bind_addrs(Some(" , ")), both);
        assert_eq!(ice_bind_addrs(Some("127.0.0.1:0")), ["127.0.0.1:0"]);
        assert_eq!(
            ice_bind_addrs(Some("10.0.0.2:0, 127.0.0.1:0")),
            ["10.0.0.2:0", "127.0.0.1:0"]
        );
    }

    #[test]
    fn empty_device_settings_mean_the_system_defaults() {
        let user = UserSettings {
            display_name: "Bob",
            resolution: (1280, 720),
            ..UserSettings::default()
        };
        let config = app_engine_config("ws://h/ws", &user, &Machine::default());
        assert_eq!(config.audio, AudioSource::Mic("default".into()));
        assert_eq!(config.speaker.as_deref(), Some("default"));
        assert_eq!(config.video, VideoSource::Camera("default".into()));
        assert_eq!(config.signaling.token, None);
        assert!(!config.session.relay_only);
        assert_eq!(config.voice, VoiceSettings::ALL);
        let private = UserSettings {
            relay_only: true,
            ..user
        };
        let config_private = app_engine_config("ws://h/ws", &private, &Machine::default());
        assert!(config_private.session.relay_only);
        assert!(!config.session.mdns_host_candidates);
        assert_eq!(
            (config.session.video.width, config.session.video.height),
            (1280, 720)
        );
    }

    #[test]
    fn chosen_devices_and_token_are_kept() {
        let user = UserSettings {
            display_name: "Bob",
            server_token: "s3cret",
            camera: "synthetic:test-pattern",
            microphone: "synthetic:tone",
            speaker: "alsa:pulse",
            resolution: (640, 480),
            relay_only: false,
            hide_local_addresses: true,
            voice: VoiceSettings {
                noise_suppression: false,
                ..VoiceSettings::ALL
            },
        };
        let machine = Machine {
            ice_bind: Some("127.0.0.1:0"),
        };
        let config = app_engine_config("ws://h/ws", &user, &machine);
        assert_eq!(config.video, VideoSource::TestPattern);
        assert_eq!(config.audio, AudioSource::Tone);
        assert_eq!(config.speaker.as_deref(), Some("alsa:pulse"));
        assert_eq!(config.signaling.token.as_deref(), Some("s3cret"));
        assert_eq!(config.session.bind_addrs, ["127.0.0.1:0"]);
        assert_eq!(config.voice, user.voice);
        assert!(config.session.mdns_host_candidates);
    }
}
