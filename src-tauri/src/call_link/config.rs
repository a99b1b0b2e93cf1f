//! The engine settings that follow from the user's settings: the policy lives in
//! `peercall_engine::app_config` (tested there); this reads the environment.

use peercall_engine::app_config::{app_engine_config, Machine, UserSettings};
use peercall_engine::EngineConfig;

use crate::settings::Settings;

pub fn engine_config(url: &str, settings: &Settings) -> EngineConfig {
    let user = UserSettings {
        display_name: &settings.display_name,
        server_token: &settings.server_token,
        camera: &settings.camera,
        microphone: &settings.microphone,
        speaker: &settings.speaker,
        resolution: settings.resolution.size(),
        relay_only: settings.relay_only,
        hide_local_addresses: settings.hide_local_addresses,
        voice: settings.voice.into(),
    };
    let ice_bind = std::env::var("PEERCALL_ICE_BIND").ok();
    let machine = Machine {
        ice_bind: ice_bind.as_deref(),
    };
    app_engine_config(url, &user, &machine)
}
