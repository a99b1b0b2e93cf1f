//! Command-line options.

use std::time::Duration;

use clap::{Parser, ValueEnum};
use peercall_engine::session::FecMode;
use peercall_media::VoiceSettings;

/// `--fec`: when video FEC is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FecArg {
    Off,
    Jitter,
    Loss,
}

impl From<FecArg> for FecMode {
    fn from(arg: FecArg) -> Self {
        match arg {
            FecArg::Off => Self::Off,
            FecArg::Jitter => Self::Jitter,
            FecArg::Loss => Self::Loss,
        }
    }
}

/// A headless Peercall client: calls or answers, measures the call, reports.
#[derive(Debug, Parser)]
#[command(name = "peercall-agent", version)]
pub struct Args {
    /// Signaling server URL.
    #[arg(long, default_value = "ws://127.0.0.1:7788/ws")]
    pub server: String,
    /// Display name.
    #[arg(long, default_value = "agent")]
    pub name: String,
    /// Room to join (server default: lobby).
    #[arg(long)]
    pub room: Option<String>,
    /// Token, when the server requires one. Without it, a `ws://` loopback server hosted by
    /// this user's app gets the token from the app's record in `$XDG_RUNTIME_DIR/peercall`.
    #[arg(long, env = "PEERCALL_TOKEN")]
    pub token: Option<String>,
    /// Accept incoming calls at once.
    #[arg(long, conflicts_with_all = ["reject", "busy", "call"])]
    pub auto_answer: bool,
    /// Decline incoming calls at once.
    #[arg(long, conflicts_with_all = ["busy", "call"])]
    pub reject: bool,
    /// Answer incoming calls `busy` at once.
    #[arg(long, conflicts_with = "call")]
    pub busy: bool,
    /// Call the peer with this name (waits for it to appear).
    #[arg(long, value_name = "NAME")]
    pub call: Option<String>,
    /// Hang up after this many seconds of connected call.
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<f64>,
    /// Video source: test-pattern, test-pattern-checks, none, default (or empty), or a
    /// camera id.
    #[arg(long, default_value = "test-pattern")]
    pub video: String,
    /// Capture resolution, WxH.
    #[arg(long, default_value = "640x480", value_parser = parse_resolution)]
    pub resolution: (u32, u32),
    /// Frames per second.
    #[arg(long, default_value_t = 30)]
    pub fps: u32,
    /// Audio source: tone, tone-high (660 Hz), none, default (or empty), or a microphone id.
    #[arg(long, default_value = "tone")]
    pub audio: String,
    /// Play remote audio on this speaker (`default` for the system default).
    #[arg(long)]
    pub speaker: Option<String>,
    /// Record this PulseAudio source (the monitor of the sink `--speaker` plays into;
    /// `auto`: `$PULSE_SINK.monitor`, or the default sink's) with `parec`, find the remote
    /// tone's beeps in it and report mouth-to-ear as heard there (`avSync.speaker`).
    #[arg(long, value_name = "SOURCE", requires = "speaker")]
    pub speaker_monitor: Option<String>,
    /// Print a report at exit (only `json`).
    #[arg(long, value_parser = ["json"])]
    pub report: Option<String>,
    /// List cameras, microphones and speakers, then exit.
    #[arg(long)]
    pub list_devices: bool,
    /// Check the connection and the devices, print one line per check (server, STUN,
    /// NAT, TURN relay, camera, microphone, speaker; `--report json` for JSON), then exit:
    /// non-zero when a check failed.
    #[arg(long, conflicts_with_all = ["call", "auto_answer", "reject", "busy", "list_devices"])]
    pub doctor: bool,
    /// Local UDP address for media (`127.0.0.1:0` keeps a test on loopback).
    #[arg(long, default_value = "0.0.0.0:0")]
    pub bind: String,
    /// How long to wait for the callee to appear, seconds.
    #[arg(long, default_value_t = 10.0)]
    pub wait_peer: f64,
    /// Ring timeout, seconds.
    #[arg(long, default_value_t = 30.0)]
    pub ring_timeout: f64,
    /// Privacy: gather and send only TURN relay candidates, so the peer never learns
    /// this machine's addresses (needs the server to hand out a TURN server).
    #[arg(long)]
    pub relay_only: bool,
    /// Privacy on the LAN, as browsers do: send our host candidate as a random `.local`
    /// name (answered over mDNS) instead of the private address; no raw host addresses.
    #[arg(long)]
    pub mdns_candidates: bool,
    /// Video FEC (FlexFEC-03) on top of NACK and RTX: `jitter` offers it and sends
    /// repair packets where the path loses and jitters, `loss` wherever it loses, `off`
    /// does not offer it (docs/video-network.md).
    #[arg(long, value_enum, default_value_t = FecArg::Jitter)]
    pub fec: FecArg,
    /// Do not make the stream ahead wait for the other (lip sync); the offset between
    /// them is still measured and reported (to compare).
    #[arg(long)]
    pub no_lip_sync: bool,
    /// Ask the peer for a keyframe (a PLI) once, after this many of its frames were shown:
    /// checks that the peer's encoder answers our requests
    /// (`tests/interop/agent-chromium-keyframe.test.mjs`). Our received video waits for
    /// that keyframe, as after a frame lost for good.
    #[arg(long, value_name = "FRAMES", value_parser = clap::value_parser!(u64).range(1..))]
    pub request_keyframe_after_frames: Option<u64>,
    /// Send this chat line once the call is connected.
    #[arg(long, value_name = "TEXT")]
    pub chat: Option<String>,
    /// Do not cancel the speaker's echo in a real microphone's audio (the tone is never
    /// processed).
    #[arg(long)]
    pub no_echo_cancellation: bool,
    /// Do not suppress background noise in a real microphone's audio.
    #[arg(long)]
    pub no_noise_suppression: bool,
    /// Do not adjust a real microphone's level automatically.
    #[arg(long)]
    pub no_auto_gain: bool,
    /// Do not filter rumble below the voice out of a real microphone's audio.
    #[arg(long)]
    pub no_high_pass: bool,
}

impl Args {
    /// `--duration` as a duration.
    #[must_use]
    pub fn duration(&self) -> Option<Duration> {
        self.duration.map(Duration::from_secs_f64)
    }

    /// The voice processing switches (each on unless its `--no-…` flag is given).
    #[must_use]
    pub fn voice(&self) -> VoiceSettings {
        VoiceSettings {
            echo_cancellation: !self.no_echo_cancellation,
            noise_suppression: !self.no_noise_suppression,
            auto_gain: !self.no_auto_gain,
            high_pass: !self.no_high_pass,
        }
    }
}

fn parse_resolution(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("expected WxH, got {s:?}"))?;
    let w: u32 = w.parse().map_err(|_| format!("bad width in {s:?}"))?;
    let h: u32 = h.parse().map_err(|_| format!("bad height in {s:?}"))?;
    if w < 64 || h < 64 || w > 4096 || h > 4096 || !w.is_multiple_of(2) || !h.is_multiple_of(2) {
        return Err(format!("unsupported resolution {s}"));
    }
    Ok((w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolutions_parse() {
        assert_eq!(parse_resolution("1280x720"), Ok((1280, 720)));
        assert!(parse_resolution("1280").is_err());
        assert!(parse_resolution("0x0").is_err());
    }

    #[test]
    fn the_documented_command_lines_parse() {
        let a = Args::try_parse_from([
            "peercall-agent",
            "--server",
            "ws://127.0.0.1:7788/ws",
            "--name",
            "alice",
            "--call",
            "bob",
            "--duration",
            "10",
            "--report",
            "json",
        ])
        .expect("caller line");
        assert_eq!(a.call.as_deref(), Some("bob"));
        assert_eq!(a.chat, None);
        let b = Args::try_parse_from(["peercall-agent", "--auto-answer", "--chat", "hello there"])
            .expect("chat line");
        assert_eq!(b.chat.as_deref(), Some("hello there"));
        assert!(Args::try_parse_from(["peercall-agent", "--name", "bob", "--auto-answer"]).is_ok());
        assert!(Args::try_parse_from(["peercall-agent", "--auto-answer", "--call", "x"]).is_err());
        let k = Args::try_parse_from([
            "peercall-agent",
            "--call",
            "web",
            "--request-keyframe-after-frames",
            "90",
        ])
        .expect("keyframe line");
        assert_eq!(k.request_keyframe_after_frames, Some(90));
        assert_eq!(a.request_keyframe_after_frames, None);
        for bad in ["0", "-1", "many"] {
            assert!(
                Args::try_parse_from(["peercall-agent", "--request-keyframe-after-frames", bad])
                    .is_err(),
                "{bad}"
            );
        }
        let d = Args::try_parse_from(["peercall-agent", "--doctor", "--report", "json"])
            .expect("doctor line");
        assert!(d.doctor);
        let m = Args::try_parse_from([
            "peercall-agent",
            "--speaker",
            "default",
            "--speaker-monitor",
            "auto",
        ])
        .expect("monitor line");
        assert_eq!(m.speaker_monitor.as_deref(), Some("auto"));
        assert!(
            Args::try_parse_from(["peercall-agent", "--speaker-monitor", "auto"]).is_err(),
            "nothing to hear without a speaker"
        );
        assert!(Args::try_parse_from(["peercall-agent", "--doctor", "--call", "x"]).is_err());
    }

    #[test]
    fn voice_processing_is_on_unless_switched_off_one_by_one() {
        let parse = |flags: &[&str]| {
            let mut line = vec!["peercall-agent"];
            line.extend_from_slice(flags);
            Args::try_parse_from(line).expect("parses").voice()
        };
        assert_eq!(parse(&[]), VoiceSettings::ALL);
        assert_eq!(
            parse(&["--no-echo-cancellation"]),
            VoiceSettings {
                echo_cancellation: false,
                ..VoiceSettings::ALL
            }
        );
        assert_eq!(
            parse(&["--no-noise-suppression"]),
            VoiceSettings {
                noise_suppression: false,
                ..VoiceSettings::ALL
            }
        );
        assert_eq!(
            parse(&["--no-auto-gain"]),
            VoiceSettings {
                auto_gain: false,
                ..VoiceSettings::ALL
            }
        );
        assert_eq!(
            parse(&["--no-high-pass"]),
            VoiceSettings {
                high_pass: false,
                ..VoiceSettings::ALL
            }
        );
        assert_eq!(
            parse(&[
                "--no-echo-cancellation",
                "--no-noise-suppression",
                "--no-auto-gain",
                "--no-high-pass"
            ]),
            VoiceSettings::OFF
        );
    }
}
