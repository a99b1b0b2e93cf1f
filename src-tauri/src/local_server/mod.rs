//! The zero-config default: use the local server another app of this user hosts, else host
//! the embedded one (the same crate as the standalone server).
//!
//! - [`plan`]: what the hosted server is (loopback only with a random token, or the
//!   network with a join code)
//! - [`runtime`]: the record that names the hosting process, the secret it proves itself
//!   with, its token and (for the network) its certificate, so a process squatting on the
//!   port is never trusted and another user of this machine cannot get in
//!   (`peercall_signal::local_record`)
//! - [`cert`]: the LAN host's self-signed certificate, kept next to the settings
//! - [`join`]: the joiner's side: the host's join code proves its certificate, pinned per URL

pub mod cert;
pub mod join;
pub mod plan;
pub use peercall_signal::local_record as runtime;

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

use peercall_signal::client::{CertPin, ClientConfig};
use peercall_signal::lan_proof::CertFingerprint;
use peercall_signal::proof::ServerSecret;
use peercall_signal::server::{Server, ServerError, ServerHandle};

use plan::Reach;
use runtime::{LocalRecord, Published, RuntimeDir, RuntimeError};

/// The port the embedded server uses, so other apps on the machine and the LAN can find it.
pub const LOCAL_PORT: u16 = 7788;

/// How long a loser of the race to host waits for the winner's record.
const RECORD_WAIT: Duration = Duration::from_secs(3);

/// Where the app should connect, what it must check and send there, and the server it
/// hosts (if it had to).
pub struct LocalSignaling {
    pub url: String,
    /// Set when this app hosts the server: the address others can join.
    pub hosting: Option<String>,
    /// The join code when this app hosts for the local network.
    pub lan_code: Option<String>,
    /// What the server must prove it knows before anything is sent.
    pub secret: ServerSecret,
    /// The server's token (the host's join code, or the loopback server's random one),
    /// sent once the server proved itself.
    pub token: Option<String>,
    /// The server's certificate when it speaks `wss://` (it hosts for the network).
    pub cert: Option<CertFingerprint>,
    /// The hosted server and its record, held for the app's life.
    hosted: Option<(ServerHandle, Published)>,
    /// The server's mDNS announcement while it hosts for the network (`lan_discovery`).
    announced: Option<crate::lan_discovery::Announced>,
}

/// What the clients of a local server already check and send: a new host that takes over
/// keeps both, so their reconnects get in.
#[derive(Clone)]
pub struct Known {
    pub secret: ServerSecret,
    pub token: Option<String>,
}

impl LocalSignaling {
    /// The secret and token this app's clients use.
    pub fn known(&self) -> Known {
        Known {
            secret: self.secret.clone(),
            token: self.token.clone(),
        }
    }

    /// What this app's signaling client checks and sends: the URL, the record's secret,
    /// the token and (over `wss://`) exactly the host's certificate.
    pub fn apply(&self, signaling: &mut ClientConfig) {
        signaling.url = self.url.clone();
        signaling.server_proof = Some(self.secret.clone());
        signaling.token = self.token.clone();
        signaling.cert_pin = self.cert.map(|fp| CertPin::new(Some(fp)));
    }

    /// Stops the hosted server (if this app hosts it) and removes its record.
    pub async fn stop(self) {
        drop(self.announced);
        if let Some((handle, published)) = self.hosted {
            drop(published);
            handle.shutdown().await;
        }
    }
}

/// Why the local server could be neither found nor hosted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LocalServerError {
    /// Nothing answered on the port and the embedded server could not start on it.
    #[error(transparent)]
    Host(#[from] ServerError),
    /// The private directory for the server's record is unusable.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    /// The LAN host's certificate can be neither read nor made.
    #[error("the certificate for hosting on the network: {0}")]
    Certificate(#[from] cert::CertError),
    /// Something that is not this user's Peercall holds the port.
    #[error("port {0} is taken by something that is not your Peercall")]
    PortTaken(u16),
}

/// Where the local server's files live: its record's private directory and the app's data
/// dir (the LAN certificate). Derefs to the record's directory.
pub struct LocalDirs {
    pub runtime: RuntimeDir,
    pub data: PathBuf,
}

impl std::ops::Deref for LocalDirs {
    type Target = RuntimeDir;
    fn deref(&self) -> &RuntimeDir {
        &self.runtime
    }
}

/// The private directory of the local server's record (`$XDG_RUNTIME_DIR/peercall`, else
/// `runtime` in the app's data dir) and the app's data dir.
pub fn runtime_dir<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
) -> Result<LocalDirs, LocalServerError> {
    use tauri::Manager;
    let data = app
        .path()
        .app_data_dir()
        .map_err(|err| RuntimeError::Untrusted {
            path: err.to_string().into(),
            why: "no app data dir",
        })?;
    let xdg = std::env::var("XDG_RUNTIME_DIR").ok();
    let runtime = RuntimeDir::open(xdg.as_deref().filter(|d| !d.is_empty()), &data)?;
    Ok(LocalDirs { runtime, data })
}

/// A plain loopback URL typed in Settings without a token (`ws://127.0.0.1:PORT/ws`) names
/// this user's local server: its token and secret come from the record, so it needs no
/// configuration (`peercall_signal::local_record::RuntimeDir::fill_client_config`).
/// Any other URL, or no trustworthy record, leaves `signaling` as it is. Returns whether
/// it filled them in.
pub fn fill_from_record<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    signaling: &mut peercall_signal::client::ClientConfig,
) -> bool {
    let filled = runtime_dir(app)
        .map_err(|err| err.to_string())
        .and_then(|runtime| {
            runtime
                .fill_client_config(signaling)
                .map_err(|err| err.to_string())
        });
    match filled {
        Ok(true) => {
            tracing::info!(url = %signaling.url, "using the token of this user's local server there");
            true
        }
        Ok(false) => false,
        Err(err) => {
            tracing::warn!(%err, "ignoring the local server record");
            false
        }
    }
}

fn port() -> u16 {
    std::env::var("PEERCALL_LOCAL_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(LOCAL_PORT)
}

fn loopback_url(port: u16, tls: bool) -> String {
    let scheme = if tls { "wss" } else { "ws" };
    format!("{scheme}://127.0.0.1:{port}/ws")
}

/// Finds the local server this user's apps host, or hosts it: for the local network with
/// `lan_code` as the join code, else for this machine only. `known`: the secret and token
/// of the server this app used so far, kept when it takes over (its clients' reconnects
/// then prove the new host and get in); fresh ones otherwise. Hosting for the network
/// always takes the join code as the token, and `wss://` with the app's certificate.
pub async fn find_or_host(
    runtime: &LocalDirs,
    lan_code: Option<&str>,
    known: Option<&Known>,
) -> Result<LocalSignaling, LocalServerError> {
    let port = port();
    if let Some(found) = find(runtime, port).await {
        return Ok(client_of(found));
    }
    let secret = known.map_or_else(ServerSecret::random, |k| k.secret.clone());
    let (reach, token) = match lan_code {
        Some(code) => (
            Reach::Network(cert::load_or_make(&runtime.data)?),
            code.to_owned(),
        ),
        None => (
            Reach::Loopback,
            known
                .and_then(|k| k.token.clone())
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| plan::new_local_token(rand::random())),
        ),
    };
    let cert = match &reach {
        Reach::Network(cert) => Some(cert.fingerprint),
        Reach::Loopback => None,
    };
    let config = plan::hosted_config(port, reach, &token, secret.clone());
    let handle = match Server::bind(config).await {
        Ok(handle) => handle,
        Err(ServerError::Bind { source, .. }) if source.kind() == std::io::ErrorKind::AddrInUse => {
            // Another app may be starting its server right now: wait for its record.
            return wait_for_record(runtime, port).await.map(client_of);
        }
        Err(err) => return Err(err.into()),
    };
    let record = LocalRecord {
        port,
        pid: std::process::id(),
        secret: secret.clone(),
        token: Some(token.clone()),
        cert,
    };
    let published = runtime.publish(&record)?;
    let tls = cert.is_some();
    let hosting = match (lan_code, lan_address()) {
        (Some(_), Some(ip)) => format!("wss://{ip}:{port}/ws"),
        _ => loopback_url(port, tls),
    };
    tracing::info!(%hosting, lan = lan_code.is_some(), "hosting the embedded signaling server");
    let announced = lan_code.and_then(|_| crate::lan_discovery::announce(port, &hosting));
    Ok(LocalSignaling {
        url: loopback_url(port, tls),
        hosting: Some(hosting),
        lan_code: lan_code.map(str::to_owned),
        secret,
        token: Some(token),
        cert,
        hosted: Some((handle, published)),
        announced,
    })
}

fn client_of(record: LocalRecord) -> LocalSignaling {
    let url = loopback_url(record.port, record.cert.is_some());
    tracing::info!(%url, pid = record.pid, "using the local server another app hosts");
    LocalSignaling {
        url,
        hosting: None,
        lan_code: None,
        secret: record.secret,
        token: record.token,
        cert: record.cert,
        hosted: None,
        announced: None,
    }
}

/// A trustworthy record of a live host whose port answers. An untrusted record is
/// ignored (hosting here replaces it).
async fn find(runtime: &RuntimeDir, port: u16) -> Option<LocalRecord> {
    let record = match runtime.find(port) {
        Ok(record) => record?,
        Err(err) => {
            tracing::warn!(%err, "ignoring the local server record");
            return None;
        }
    };
    // A host killed without removing its record, whose pid was reused: nothing listens.
    let probe = tokio::time::timeout(
        Duration::from_millis(500),
        tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port)),
    )
    .await;
    matches!(probe, Ok(Ok(_))).then_some(record)
}

async fn wait_for_record(runtime: &RuntimeDir, port: u16) -> Result<LocalRecord, LocalServerError> {
    let deadline = tokio::time::Instant::now() + RECORD_WAIT;
    loop {
        if let Some(record) = find(runtime, port).await {
            return Ok(record);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(LocalServerError::PortTaken(port));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// This machine's address on the local network, as the route to a public address would use
/// (a UDP "connect" sends nothing).
pub(crate) fn lan_address() -> Option<IpAddr> {
    let socket = std::net::UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    socket.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_unspecified() && !ip.is_loopback()).then_some(ip)
}
