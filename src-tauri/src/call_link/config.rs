//! The engine settings that follow from the user's settings.

use peercall_engine::devices::{AudioSource, VideoSource};
use peercall_engine::EngineConfig;
use peercall_media::camera::TEST_PATTERN_ID;

use crate::settings::Settings;

/// The engine settings that follow from the user's settings.
pub fn engine_config(url: &str, settings: &Settings) -> EngineConfig {
    let mut config = EngineConfig::new(url, settings.display_name.clone());
    if !settings.server_token.is_empty() {
        config.signaling.token = Some(settings.server_token.clone());
    }
    config.video = match settings.camera.as_str() {
        "" => first_camera(),
        id => VideoSource::parse(id),
    };
    config.audio = match settings.microphone.as_str() {
        "" => AudioSource::Mic("default".into()),
        id => AudioSource::parse(id),
    };
    config.speaker = Some(if settings.speaker.is_empty() {
        "default".into()
    } else {
        settings.speaker.clone()
    });
    let (width, height) = settings.resolution.size();
    config.session.video = peercall_engine::session::VideoSettings::new(width, height, 30);
    // `0.0.0.0:0` gathers every LAN interface; loopback too so two apps on one machine meet.
    config.session.bind_addrs = match std::env::var("PEERCALL_ICE_BIND") {
        Ok(addrs) => addrs.split(',').map(str::to_owned).collect(),
        Err(_) => vec!["0.0.0.0:0".into(), "127.0.0.1:0".into()],
    };
    config.preview = true;
    config
}

/// The system's camera when it has one, else the test pattern (so a call still shows video).
fn first_camera() -> VideoSource {
    match peercall_media::camera::list_native_cameras().first() {
        Some(camera) => VideoSource::Camera(camera.id.clone()),
        None => VideoSource::parse(TEST_PATTERN_ID),
    }
}
