//! Connecting to the signaling server of the settings (or the local one), and trying again
//! with backoff while that fails for a reason time can fix. Each attempt's failure is shown in
//! plain words with the countdown to the next one; a newer `connect` ends the loop.

mod failure;

use std::time::Duration;

use peercall_engine::{Engine, EngineEvent, EngineMedia};
use peercall_signal::client::{backoff_delay, ReconnectPolicy};
use tauri::{AppHandle, Manager};
use tauri_specta::Event;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::call_link::{self, ServerMode};
use crate::local_server;
use crate::local_server::join::ServerPins;
use crate::settings::Settings;
use crate::state::AppState;
use crate::ui_events::ConnectionStatus;
use crate::ui_states::ConnectionState;
use failure::{before_the_record, engine_failure, local_server_failure, Failure};

/// The first retry after 1–2 s, then doubling up to 15 s (the signal client's backoff).
fn policy() -> ReconnectPolicy {
    ReconnectPolicy {
        enabled: true,
        initial_delay: Duration::from_secs(2),
        max_delay: Duration::from_secs(15),
        max_attempts: None,
    }
}

type Parts = (
    Engine,
    UnboundedReceiver<EngineEvent>,
    EngineMedia,
    ServerMode,
);

/// Connects as connection `generation` (see [`AppState::begin_connection`]), retrying until
/// it works, fails for good, or a newer connection replaces it.
pub async fn run(app: AppHandle, settings: Settings, generation: u64) {
    let state = app.state::<AppState>();
    // Without it the app still works; only a crashed session lingers for the resume window.
    let client_id = crate::settings::client_id(&app)
        .map_err(|err| tracing::warn!(%err, "no client id"))
        .ok();
    for attempt in 1u32.. {
        if !state.is_current(generation) {
            return;
        }
        let failure = match open(&app, &settings, client_id.clone()).await {
            Ok((engine, events, media, server)) => {
                if !state.set_engine(engine.clone(), generation) {
                    engine.shutdown().await; // replaced while connecting
                    return;
                }
                let speaker = settings.speaker.clone();
                call_link::spawn(
                    app.clone(),
                    engine,
                    generation,
                    events,
                    media,
                    server,
                    speaker,
                );
                return;
            }
            Err(failure) => failure,
        };
        tracing::warn!(attempt, words = %failure.words, retry = failure.retry, "cannot connect");
        if !state.is_current(generation) {
            return;
        }
        if !failure.retry {
            status(
                &app,
                ConnectionState::Offline,
                failure.words,
                None,
                failure.code,
            );
            return;
        }
        let delay = backoff_delay(&policy(), attempt, jitter());
        status(
            &app,
            ConnectionState::Reconnecting,
            failure.words,
            Some(delay),
            failure.code,
        );
        tokio::time::sleep(delay).await;
    }
}

async fn open(
    app: &AppHandle,
    settings: &Settings,
    client_id: Option<String>,
) -> Result<Parts, Failure> {
    let state = app.state::<AppState>();
    let local = settings.server_url.is_empty();
    // A plain loopback URL whose host has not published its record yet (see
    // `failure::before_the_record`).
    let mut awaiting_record = false;
    // A LAN host proven by its join code: its certificate, pinned after the first success.
    let mut lan_pin = None;
    let (mut config, server) = if local {
        let runtime = local_server::runtime_dir(app).map_err(|err| local_server_failure(&err))?;
        let local = state
            .local_server(&runtime, settings.lan_code())
            .await
            .map_err(|err| local_server_failure(&err))?;
        let mut config = call_link::engine_config(&local.url, settings);
        // The local server proves itself before the hello (over wss:// with exactly its
        // certificate); its token is the host's.
        local.apply(&mut config.signaling);
        let hosting = local.hosting.clone();
        (config, ServerMode::Local { hosting })
    } else {
        let mut config = call_link::engine_config(&settings.server_url, settings);
        let filled = local_server::fill_from_record(app, &mut config.signaling);
        let pins = crate::settings::server_pins(app).unwrap_or_default();
        lan_pin = local_server::join::prepare(&mut config.signaling, &pins);
        awaiting_record = !filled
            && config.signaling.token.is_none()
            && local_server::runtime::loopback_port(&config.signaling.url).is_some();
        let parsed = url::Url::parse(&config.signaling.url).ok();
        if parsed.is_some_and(|u| travels_in_clear(&u, config.signaling.token.as_deref())) {
            tracing::warn!(
                url = %config.signaling.url,
                "the server token travels unencrypted (ws:// to another machine): anyone on the path can read it; use wss://"
            );
        }
        (config, ServerMode::Remote)
    };
    config.signaling.client_id = client_id;
    config.video_sinks = call_link::video_sinks(&state.bridge);
    let url = config.signaling.url.clone();
    match Engine::connect(config).await {
        Ok((engine, events, media)) => {
            if let Some(fingerprint) = lan_pin.and_then(|pin| pin.get()) {
                update_pins(app, |pins| pins.pin(&url, fingerprint));
            }
            Ok((engine, events, media, server))
        }
        Err(err) => {
            tracing::debug!(%err, %url, "engine connect failed");
            if local {
                // Read the record again (or host) on the next attempt.
                state.forget_local_client().await;
            }
            let failure = engine_failure(&err, &url);
            if awaiting_record {
                return Err(before_the_record(failure, &err));
            }
            Err(failure)
        }
    }
}

/// Changes the pinned certificates; `change` says whether it changed anything.
fn update_pins(app: &AppHandle, change: impl FnOnce(&mut ServerPins) -> bool) {
    let saved = crate::settings::server_pins(app).and_then(|mut pins| {
        if change(&mut pins) {
            crate::settings::save_server_pins(app, &pins)?;
        }
        Ok(())
    });
    if let Err(err) = saved {
        tracing::warn!(%err, "cannot keep the host's pinned certificate");
    }
}

/// Whether a token would cross the network in clear: `ws://` to a host that is not this machine.
fn travels_in_clear(url: &url::Url, token: Option<&str>) -> bool {
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => true,
    };
    url.scheme() == "ws" && token.is_some_and(|t| !t.is_empty()) && !loopback
}

fn status(
    app: &AppHandle,
    state: ConnectionState,
    detail: String,
    retry: Option<Duration>,
    code: Option<crate::error::ErrorCode>,
) {
    let status = ConnectionStatus {
        state,
        detail,
        hosting: None,
        retry_in_ms: retry.map(|d| u32::try_from(d.as_millis()).unwrap_or(u32::MAX)),
        code,
    };
    if let Err(err) = status.emit(app) {
        tracing::debug!(%err, "status not delivered");
    }
}

/// In [0, 1): spreads the retries of apps that lost the same server.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u8(0);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::travels_in_clear;

    #[test]
    fn a_token_over_ws_to_another_machine_travels_in_clear() {
        let url = |s: &str| url::Url::parse(s).unwrap();
        assert!(travels_in_clear(
            &url("ws://192.168.1.20:7788/ws"),
            Some("K7Q2")
        ));
        assert!(travels_in_clear(
            &url("ws://calls.example.org/ws"),
            Some("t")
        ));
        assert!(!travels_in_clear(
            &url("wss://calls.example.org/ws"),
            Some("t")
        ));
        assert!(!travels_in_clear(&url("ws://127.0.0.1:7788/ws"), Some("t")));
        assert!(!travels_in_clear(&url("ws://localhost:7788/ws"), Some("t")));
        assert!(!travels_in_clear(&url("ws://[::1]:7788/ws"), Some("t")));
        assert!(!travels_in_clear(&url("ws://192.168.1.20:7788/ws"), None));
        assert!(!travels_in_clear(
            &url("ws://192.168.1.20:7788/ws"),
            Some("")
        ));
    }
}
