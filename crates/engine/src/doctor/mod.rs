//! The connectivity check ("Check connection" in the app, `peercall-agent --doctor`):
//! is the signaling server reachable (TLS valid, token accepted), what address does a
//! STUN server see and how does the NAT map ports, does the TURN server grant a relay
//! with the minted credentials, do the chosen camera, microphone and speaker open. Each
//! check has a time limit; a dead server fails its line and the lines that need it are
//! skipped with why.
//!
//! The drivers gather [`findings`]; [`lines`] (pure, table-tested) says what they mean.

pub mod findings;
pub mod lines;

mod devices;
mod server;
mod udp;
mod urls;

use std::time::Duration;

use peercall_signal::client::ClientConfig;

pub use lines::{any_failed, Check, Line, Status};

use crate::devices::{AudioSource, VideoSource};
use crate::session::VideoSettings;
use crate::EngineConfig;

/// What to check.
#[derive(Debug, Clone)]
pub struct DoctorConfig {
    /// The signaling server (URL, token; `connect_timeout` bounds the server check).
    pub signaling: ClientConfig,
    /// The camera to open.
    pub video: VideoSource,
    /// Its capture size.
    pub video_settings: VideoSettings,
    /// The microphone to open.
    pub audio: AudioSource,
    /// The speaker to open (`None`: none chosen).
    pub speaker: Option<String>,
    /// Time for each STUN exchange and each TURN allocation.
    pub udp_timeout: Duration,
    /// Time for each device to open.
    pub device_timeout: Duration,
}

impl DoctorConfig {
    /// The check of what `engine` would use: its server, token and devices.
    #[must_use]
    pub fn for_engine(engine: &EngineConfig) -> Self {
        let mut signaling = engine.signaling.clone();
        signaling.connect_timeout = Duration::from_secs(5);
        Self {
            signaling,
            video: engine.video.clone(),
            video_settings: engine.session.video,
            audio: engine.audio.clone(),
            speaker: engine.speaker.clone(),
            udp_timeout: Duration::from_secs(3),
            device_timeout: Duration::from_secs(5),
        }
    }
}

/// Runs every check; the lines in a fixed order: server, STUN, NAT, TURN, camera,
/// microphone, speaker.
pub async fn run(config: DoctorConfig) -> Vec<Line> {
    let url = config.signaling.url.clone();
    let network = async {
        let (found, ice_servers) = server::check(config.signaling.clone()).await;
        let mut out = vec![lines::server_line(&url, &found)];
        if matches!(found, findings::ServerFinding::Joined { .. }) {
            let udp = udp::check(&ice_servers, config.udp_timeout).await;
            out.extend(lines::network_lines(&udp));
        } else {
            out.extend(lines::skipped_after_server());
        }
        out
    };
    let limit = config.device_timeout;
    let devices = async {
        let camera = devices::camera(config.video.clone(), config.video_settings, limit).await;
        let mic = devices::microphone(config.audio.clone(), limit).await;
        let speaker = devices::speaker(config.speaker.clone(), limit).await;
        vec![
            lines::device_line(Check::Camera, &camera),
            lines::device_line(Check::Microphone, &mic),
            lines::device_line(Check::Speaker, &speaker),
        ]
    };
    let (mut out, devices) = tokio::join!(network, devices);
    out.extend(devices);
    out
}

/// The lines as text, one a line (`[ ok ] Server: … — advice`).
#[must_use]
pub fn render_text(lines: &[Line]) -> String {
    let mut out = String::new();
    for line in lines {
        let mark = match line.status {
            Status::Ok => " ok ",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
            Status::Skipped => "skip",
        };
        out.push_str(&format!(
            "[{mark}] {}: {}\n",
            line.check.label(),
            line.detail
        ));
        if !line.advice.is_empty() {
            out.push_str(&format!("       → {}\n", line.advice));
        }
    }
    out
}
