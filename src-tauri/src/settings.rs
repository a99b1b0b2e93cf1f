//! User settings, persisted with tauri-plugin-store in `settings.json` in the app's data dir
//! (`~/.local/share/org.peercall.desktop/` on Linux: the store resolves relative paths there).

use std::collections::BTreeMap;

use peercall_media::VoiceSettings;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_store::StoreExt;

#[path = "private_file.rs"]
mod private_file;

use crate::local_server::join::ServerPins;
use crate::local_server::plan::{is_join_code, new_join_code};
use crate::AppError;

const STORE_FILE: &str = "settings.json";
const KEY: &str = "settings";
/// This profile's persistent private id for the signaling server (`hello.client`).
const CLIENT_ID_KEY: &str = "clientId";
/// The certificates of LAN hosts pinned per server URL (`local_server::join`).
const PINS_KEY: &str = "serverPins";
const MAX_NAME_CHARS: usize = 64;
/// Servers whose token is remembered.
const MAX_SERVER_TOKENS: usize = 32;

/// Camera capture size the user asks for (the camera gets as close as it can).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub enum Resolution {
    #[serde(rename = "640x480")]
    Vga,
    #[default]
    #[serde(rename = "1280x720")]
    Hd,
    #[serde(rename = "1920x1080")]
    FullHd,
}

impl Resolution {
    /// Width and height in pixels.
    pub fn size(self) -> (u32, u32) {
        match self {
            Resolution::Vga => (640, 480),
            Resolution::Hd => (1280, 720),
            Resolution::FullHd => (1920, 1080),
        }
    }
}

/// Everything the user chooses; missing fields take their defaults so older files still load.
/// Device ids are those of `list_devices`; an empty id means the system default. `Debug`
/// shows neither the token nor the join code.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// Shown to other peers; empty until the first-run prompt is answered.
    pub display_name: String,
    /// Signaling server URL; empty means the embedded local-network default.
    pub server_url: String,
    /// Token the server may require (sent in `hello`).
    pub server_token: String,
    pub camera: String,
    pub microphone: String,
    pub speaker: String,
    pub resolution: Resolution,
    /// Privacy: calls use only TURN relay candidates, so peers never learn this
    /// machine's addresses (needs a server that hands out a TURN server).
    pub relay_only: bool,
    /// Privacy on the LAN: host candidates go as random `.local` names (answered over
    /// mDNS), never this machine's addresses, as browsers do.
    pub hide_local_addresses: bool,
    /// Processing of the microphone's sound (each switch on unless turned off).
    pub voice: VoiceProcessing,
    /// "Host calls for my local network": when this app hosts the built-in server it
    /// listens on every interface and wants [`Settings::join_code`]; off, it listens on
    /// loopback only (this computer).
    pub lan_hosting: bool,
    /// The code others type to join this app's server (made when LAN hosting is first
    /// turned on, then kept so they type it once).
    pub join_code: String,
    /// The token (or join code) last used with each server URL, so going back to a
    /// server needs no retyping and another server never gets its token.
    pub server_tokens: BTreeMap<String, String>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |s: &str| if s.is_empty() { "" } else { "<redacted>" };
        f.debug_struct("Settings")
            .field("display_name", &self.display_name)
            .field("server_url", &self.server_url)
            .field("server_token", &redacted(&self.server_token))
            .field("camera", &self.camera)
            .field("microphone", &self.microphone)
            .field("speaker", &self.speaker)
            .field("resolution", &self.resolution)
            .field("relay_only", &self.relay_only)
            .field("hide_local_addresses", &self.hide_local_addresses)
            .field("voice", &self.voice)
            .field("lan_hosting", &self.lan_hosting)
            .field("join_code", &redacted(&self.join_code))
            .field(
                "server_tokens",
                &self.server_tokens.keys().collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// The microphone's processing switches, each on by default (a file without them, or
/// without one of them, loads with it on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", default)]
pub struct VoiceProcessing {
    /// Cancel the echo of what the speaker plays.
    pub echo_cancellation: bool,
    /// Suppress steady background noise.
    pub noise_suppression: bool,
    /// Keep the voice at a steady level.
    pub auto_gain: bool,
    /// Filter rumble below the voice out.
    pub high_pass: bool,
}

impl Default for VoiceProcessing {
    fn default() -> Self {
        VoiceSettings::default().into()
    }
}

impl From<VoiceSettings> for VoiceProcessing {
    fn from(v: VoiceSettings) -> Self {
        Self {
            echo_cancellation: v.echo_cancellation,
            noise_suppression: v.noise_suppression,
            auto_gain: v.auto_gain,
            high_pass: v.high_pass,
        }
    }
}

impl From<VoiceProcessing> for VoiceSettings {
    fn from(v: VoiceProcessing) -> Self {
        Self {
            echo_cancellation: v.echo_cancellation,
            noise_suppression: v.noise_suppression,
            auto_gain: v.auto_gain,
            high_pass: v.high_pass,
        }
    }
}

impl Settings {
    /// The join code when the user hosts for the local network.
    pub fn lan_code(&self) -> Option<&str> {
        (self.lan_hosting && is_join_code(&self.join_code)).then_some(self.join_code.as_str())
    }

    /// With LAN hosting on, a join code (a fresh one from `random` unless it has one).
    pub fn with_join_code(mut self, random: [u8; 10]) -> Self {
        if self.lan_hosting && !is_join_code(&self.join_code) {
            self.join_code = new_join_code(random);
        }
        self
    }

    /// Remembers the token of the server URL (forgets it when the token was cleared); at
    /// most [`MAX_SERVER_TOKENS`] servers are kept.
    pub fn remember_token(mut self) -> Self {
        if self.server_url.is_empty() {
            return self;
        }
        if self.server_token.is_empty() {
            self.server_tokens.remove(&self.server_url);
        } else if self.server_tokens.len() < MAX_SERVER_TOKENS
            || self.server_tokens.contains_key(&self.server_url)
        {
            self.server_tokens
                .insert(self.server_url.clone(), self.server_token.clone());
        }
        self
    }

    /// Normalises and checks user input (the protocol's name rule: 1–64 chars, no control chars).
    pub fn validated(mut self) -> Result<Self, AppError> {
        self.display_name = self.display_name.trim().to_owned();
        self.server_url = self.server_url.trim().to_owned();
        self.server_token = self.server_token.trim().to_owned();
        let chars = self.display_name.chars().count();
        if chars == 0 || chars > MAX_NAME_CHARS {
            return Err(AppError::InvalidSetting(format!(
                "display name must be 1–{MAX_NAME_CHARS} characters"
            )));
        }
        if self.display_name.chars().any(char::is_control) {
            return Err(AppError::InvalidSetting(
                "display name must not contain control characters".into(),
            ));
        }
        let websocket_url =
            self.server_url.starts_with("ws://") || self.server_url.starts_with("wss://");
        if !self.server_url.is_empty() && !websocket_url {
            return Err(AppError::InvalidSetting(
                "server URL must start with ws:// or wss://".into(),
            ));
        }
        Ok(self)
    }
}

/// The store's file (and the app's data dir) made private before the store reads or writes
/// it: it holds the server token and the join code.
fn private_store<R: Runtime>(
    app: &AppHandle<R>,
) -> Result<std::sync::Arc<tauri_plugin_store::Store<R>>, AppError> {
    let path = app
        .path()
        .app_data_dir()
        .map_err(AppError::DataDir)?
        .join(STORE_FILE);
    if let Err(err) = private_file::make_private(&path) {
        tracing::warn!(%err, path = %path.display(), "cannot make the settings file private");
    }
    Ok(app.store(STORE_FILE)?)
}

pub fn load<R: Runtime>(app: &AppHandle<R>) -> Result<Settings, AppError> {
    let store = private_store(app)?;
    Ok(store
        .get(KEY)
        .and_then(|value| serde_json::from_value(value).ok())
        .unwrap_or_default())
}

pub fn save<R: Runtime>(app: &AppHandle<R>, settings: &Settings) -> Result<(), AppError> {
    let store = private_store(app)?;
    let value =
        serde_json::to_value(settings).map_err(|err| AppError::InvalidSetting(err.to_string()))?;
    store.set(KEY, value);
    store.save()?;
    Ok(())
}

/// This profile's installation id for the signaling server (`hello.client`): made once at
/// random and kept in the store, so a relaunched app replaces its own previous session
/// instead of listing it.
pub fn client_id<R: Runtime>(app: &AppHandle<R>) -> Result<String, AppError> {
    let store = private_store(app)?;
    if let Some(id) = store
        .get(CLIENT_ID_KEY)
        .and_then(|v| v.as_str().map(str::to_owned))
        .filter(|id| peercall_signal::protocol::valid_client_id(id))
    {
        return Ok(id);
    }
    let id = new_client_id(rand::random());
    store.set(CLIENT_ID_KEY, serde_json::Value::String(id.clone()));
    store.save()?;
    Ok(id)
}

/// The certificates pinned per server URL (LAN hosts proven by their join code), kept in
/// the store beside the settings (never sent to the UI).
pub fn server_pins<R: Runtime>(app: &AppHandle<R>) -> Result<ServerPins, AppError> {
    let store = private_store(app)?;
    Ok(store
        .get(PINS_KEY)
        .and_then(|value| serde_json::from_value(value).ok())
        .unwrap_or_default())
}

pub fn save_server_pins<R: Runtime>(app: &AppHandle<R>, pins: &ServerPins) -> Result<(), AppError> {
    let store = private_store(app)?;
    let value = serde_json::to_value(pins)?;
    store.set(PINS_KEY, value);
    store.save()?;
    Ok(())
}

/// 16 random bytes as 32 hex digits.
fn new_client_id(bytes: [u8; 16]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str) -> Settings {
        Settings {
            display_name: name.into(),
            ..Settings::default()
        }
    }

    #[test]
    fn client_ids_are_valid_for_the_protocol_and_differ() {
        let a = new_client_id([0; 16]);
        assert_eq!(a, "0".repeat(32));
        assert!(peercall_signal::protocol::valid_client_id(&a));
        let b = new_client_id([0xab; 16]);
        assert!(peercall_signal::protocol::valid_client_id(&b));
        assert_ne!(a, b);
    }

    #[test]
    fn trims_and_accepts_a_normal_name() {
        assert_eq!(named("  Alice ").validated().unwrap().display_name, "Alice");
    }

    #[test]
    fn rejects_empty_overlong_and_control_names() {
        assert!(named("   ").validated().is_err());
        assert!(named(&"x".repeat(65)).validated().is_err());
        assert!(named("a\u{7}b").validated().is_err());
        assert!(named(&"é".repeat(64)).validated().is_ok());
    }

    #[test]
    fn rejects_non_websocket_server_urls() {
        let s = Settings {
            server_url: "http://x".into(),
            ..named("A")
        };
        assert!(s.validated().is_err());
        let s = Settings {
            server_url: "wss://example.org/ws".into(),
            ..named("A")
        };
        assert!(s.validated().is_ok());
    }

    #[test]
    fn old_files_with_missing_fields_still_load() {
        let s: Settings = serde_json::from_str(r#"{"displayName":"Bob"}"#).unwrap();
        assert_eq!(s, named("Bob"));
        assert_eq!(s.resolution, Resolution::Hd);
    }

    #[test]
    fn voice_processing_is_on_unless_the_file_turns_a_switch_off() {
        let s: Settings = serde_json::from_str(r#"{"displayName":"Bob"}"#).unwrap();
        assert_eq!(VoiceSettings::from(s.voice), VoiceSettings::ALL);
        // A file from before the rumble filter had its own switch loads with it on.
        let s: Settings = serde_json::from_str(r#"{"voice":{"noiseSuppression":false}}"#).unwrap();
        assert_eq!(
            VoiceSettings::from(s.voice),
            VoiceSettings {
                noise_suppression: false,
                ..VoiceSettings::ALL
            }
        );
        let off = Settings {
            voice: VoiceSettings::OFF.into(),
            ..named("A")
        };
        let json = serde_json::to_value(&off).unwrap();
        assert_eq!(
            json["voice"],
            serde_json::json!({"echoCancellation": false, "noiseSuppression": false, "autoGain": false, "highPass": false})
        );
        let back: Settings = serde_json::from_value(json).unwrap();
        assert_eq!(back, off);
    }

    #[test]
    fn lan_hosting_gets_a_join_code_once_and_keeps_it() {
        let off = named("A");
        assert_eq!(off.clone().with_join_code([1; 10]).join_code, "");
        assert_eq!(off.lan_code(), None);
        let on = Settings {
            lan_hosting: true,
            ..named("A")
        }
        .with_join_code([1; 10]);
        let code = on.join_code.clone();
        assert_eq!(on.lan_code(), Some(code.as_str()));
        assert_eq!(on.clone().with_join_code([2; 10]).join_code, code);
        // Turned off and on again: the same code (the others typed it once).
        let again = Settings {
            lan_hosting: true,
            ..Settings {
                lan_hosting: false,
                ..on
            }
        };
        assert_eq!(again.with_join_code([3; 10]).join_code, code);
        // A code that is not one of ours is replaced, never used as the token.
        let odd = Settings {
            lan_hosting: true,
            join_code: "x".into(),
            ..named("A")
        };
        assert_eq!(odd.lan_code(), None);
        assert_ne!(odd.with_join_code([4; 10]).join_code, "x");
    }

    #[test]
    fn tokens_are_remembered_per_server() {
        let a = Settings {
            server_url: "ws://192.168.1.5:7788/ws".into(),
            server_token: "ABCDE-FGHJK".into(),
            ..named("A")
        }
        .remember_token();
        let b = Settings {
            server_url: "wss://example.org/ws".into(),
            server_token: "other".into(),
            ..a
        }
        .remember_token();
        assert_eq!(
            b.server_tokens
                .get("ws://192.168.1.5:7788/ws")
                .map(String::as_str),
            Some("ABCDE-FGHJK")
        );
        assert_eq!(
            b.server_tokens
                .get("wss://example.org/ws")
                .map(String::as_str),
            Some("other")
        );
        let cleared = Settings {
            server_token: String::new(),
            ..b
        }
        .remember_token();
        assert!(!cleared.server_tokens.contains_key("wss://example.org/ws"));
        let mut many = named("A");
        for i in 0..100 {
            many.server_url = format!("ws://h{i}/ws");
            many.server_token = "t".into();
            many = many.remember_token();
        }
        assert_eq!(many.server_tokens.len(), MAX_SERVER_TOKENS);
    }

    #[test]
    fn debug_output_hides_the_token_and_the_join_code() {
        let s = Settings {
            server_tokens: [("ws://h/ws".to_owned(), "sekrit-too".to_owned())].into(),
            server_token: "sekrit-token".into(),
            lan_hosting: true,
            join_code: "ABCDE-FGHJK".into(),
            ..named("A")
        };
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("sekrit") && !shown.contains("ABCDE"),
            "{shown}"
        );
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn resolutions_travel_as_their_size() {
        let s: Settings = serde_json::from_str(r#"{"resolution":"640x480"}"#).unwrap();
        assert_eq!(s.resolution.size(), (640, 480));
        assert_eq!(
            serde_json::to_value(Resolution::FullHd).unwrap(),
            "1920x1080"
        );
    }
}
