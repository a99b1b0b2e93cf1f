//! Finding hosts on the local network (issue 15), the shell's side of
//! `peercall-discovery`: while this app hosts for the network it announces its server
//! ([`announce`], held by the hosted server in `local_server`, so it stops with it); all the
//! time it browses for the others and sends the UI the list ([`LanHostsChanged`]), each
//! with where it was found. Picking one fills in the server URL; the join code is still
//! typed once (nothing announced carries it).

use std::sync::{Mutex, MutexGuard};

use peercall_discovery::{Announcement, Announcer, Browser, FoundHost};
use serde::Serialize;
use specta::Type;
use tauri::{AppHandle, Manager};
use tauri_specta::Event;

/// `PEERCALL_LAN_DISCOVERY=off` turns announcing and browsing off: the GUI tests run the
/// app in the machine's own network namespace, where mDNS would leave the machine.
const SWITCH: &str = "PEERCALL_LAN_DISCOVERY";

fn enabled() -> bool {
    let on = std::env::var(SWITCH).map_or(true, |v| v != "off");
    if !on {
        tracing::info!("{SWITCH}=off: not announcing or looking for hosts on the local network");
    }
    on
}

/// The full name of this app's own announcement, left out of its own list.
static OWN: Mutex<Option<String>> = Mutex::new(None);

fn own() -> Option<String> {
    lock(&OWN).clone()
}

/// A poisoned lock only means an earlier holder panicked; the value is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// A Peercall app hosting calls on the local network.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LanHost {
    /// The host's name (its machine name).
    pub name: String,
    /// The server URL to join it with (`ws://10.0.0.5:7788/ws`).
    pub url: String,
    /// Where it was found: "10.0.0.5 on wlan0".
    pub found_on: String,
}

impl From<FoundHost> for LanHost {
    fn from(h: FoundHost) -> Self {
        Self {
            name: h.name,
            url: h.url,
            found_on: h.found_on,
        }
    }
}

/// The hosts found on the local network, sent whole on every change.
#[derive(Debug, Clone, PartialEq, Serialize, Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct LanHostsChanged {
    pub hosts: Vec<LanHost>,
}

/// The latest list, for a UI that asks (on load).
#[derive(Default)]
pub struct LanHosts(Mutex<Vec<LanHost>>);

/// This app's announcement while it hosts for the network; dropping it says goodbye.
pub struct Announced {
    _announcer: Announcer,
}

impl Drop for Announced {
    fn drop(&mut self) {
        *lock(&OWN) = None;
    }
}

/// Announces this app's server on `port` under the machine's name; `hosting` (the URL
/// others join) says whether it speaks TLS. A failure (no multicast here) is logged:
/// hosting works without it, the others type the address.
pub fn announce(port: u16, hosting: &str) -> Option<Announced> {
    if !enabled() {
        return None;
    }
    let what = Announcement {
        name: machine_name(),
        port,
        tls: hosting.starts_with("wss://"),
    };
    match Announcer::start(&what) {
        Ok(announcer) => {
            *lock(&OWN) = Some(announcer.fullname().to_owned());
            Some(Announced {
                _announcer: announcer,
            })
        }
        Err(err) => {
            tracing::warn!(%err, "cannot announce this server on the local network");
            None
        }
    }
}

/// Browses for the others for the app's life, sending [`LanHostsChanged`] on each change.
pub fn spawn_browser(app: AppHandle) {
    app.manage(LanHosts::default());
    if !enabled() {
        return;
    }
    tauri::async_runtime::spawn(async move {
        let browser = match Browser::start(None) {
            Ok(browser) => browser,
            Err(err) => {
                tracing::warn!(%err, "cannot look for hosts on the local network");
                return;
            }
        };
        let mut found = browser.hosts();
        while found.changed().await.is_ok() {
            let own = own();
            let hosts: Vec<LanHost> = found
                .borrow_and_update()
                .iter()
                .filter(|h| Some(&h.fullname) != own.as_ref())
                .cloned()
                .map(LanHost::from)
                .collect();
            *lock(&app.state::<LanHosts>().0) = hosts.clone();
            if let Err(err) = (LanHostsChanged { hosts }).emit(&app) {
                tracing::debug!(%err, "lan hosts not sent to the UI");
            }
        }
    });
}

/// The hosts found so far on the local network.
#[tauri::command]
#[specta::specta]
pub fn lan_hosts(hosts: tauri::State<'_, LanHosts>) -> Vec<LanHost> {
    lock(&hosts.0).clone()
}

/// The machine's name, what the others' lobbies show for this host.
fn machine_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|n| n.trim().to_owned())
        .ok()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "Peercall".to_owned())
}
