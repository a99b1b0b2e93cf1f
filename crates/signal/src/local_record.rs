//! The record that says which process hosts the desktop app's local server, the secret it
//! proves itself with and the token its `hello` needs: `$XDG_RUNTIME_DIR/peercall/local-<port>.json` (else a `runtime` directory
//! in the app's data dir). The directory is 0700 and the file 0600, both owned by this
//! user, so only this user's processes can have written it; it is written to a fresh
//! `O_EXCL` file and renamed into place, so a reader never sees half of it. A reader trusts
//! it only when all of that holds and its pid is alive; the secret then lets the client
//! check the server in the WebSocket handshake ([`crate::proof`]), and the token (never
//! empty, also on loopback) keeps out another user of the same machine, who cannot read it.
//!
//! The app hosts the server and publishes the record; [`RuntimeDir::find_for_url`] lets any
//! other client of this user (the app pointed at a plain loopback URL, `peercall-agent`)
//! find the token and secret of a loopback URL without configuration.

use std::fs::{self, DirBuilder, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::lan_proof::CertFingerprint;
use crate::proof::ServerSecret;
use serde::{Deserialize, Serialize};

/// The largest record read (a real one is ~150 bytes).
const MAX_RECORD_BYTES: u64 = 4096;

/// What the hosting app publishes.
#[derive(Clone, PartialEq, Eq)]
pub struct LocalRecord {
    pub port: u16,
    pub pid: u32,
    /// What the server proves it knows.
    pub secret: ServerSecret,
    /// The server's token: the join code when it hosts for the network, else a random one
    /// (`None` only in a record of an older version, whose server took no token).
    pub token: Option<String>,
    /// The SHA-256 of the certificate when the server speaks `wss://` (it hosts for the
    /// network): this user's clients accept exactly that certificate, on loopback.
    pub cert: Option<CertFingerprint>,
}

impl std::fmt::Debug for LocalRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalRecord")
            .field("port", &self.port)
            .field("pid", &self.pid)
            .field("cert", &self.cert)
            .finish_non_exhaustive()
    }
}

/// The file's form.
#[derive(Serialize, Deserialize)]
struct Wire {
    port: u16,
    pid: u32,
    secret: String,
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    cert: Option<String>,
}

/// Why the runtime directory or a record cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RuntimeError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Not ours, not private, or not what it should be: never trusted.
    #[error("{path}: {why}")]
    Untrusted { path: PathBuf, why: &'static str },
    #[error("{path}: not a local server record ({why})")]
    Malformed { path: PathBuf, why: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RuntimeError + '_ {
    move |source| RuntimeError::Io {
        path: path.to_owned(),
        source,
    }
}

fn untrusted(path: &Path, why: &'static str) -> RuntimeError {
    RuntimeError::Untrusted {
        path: path.to_owned(),
        why,
    }
}

/// Where the records live: `<base>/peercall`, 0700 and ours.
#[derive(Debug, Clone)]
pub struct RuntimeDir(PathBuf);

/// This process's effective user.
fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Whether `pid` is a live process this user may signal (signal 0 sends nothing).
pub fn pid_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: kill with signal 0 only checks; pid > 0 names one process (never a group).
    pid > 0 && unsafe { libc::kill(pid, 0) } == 0
}

/// `path`'s metadata (not following a symlink) must be ours and have exactly `mode`.
fn check_private(path: &Path, dir: bool, mode: u32) -> Result<(), RuntimeError> {
    let meta = fs::symlink_metadata(path).map_err(io(path))?;
    if dir && !meta.is_dir() || !dir && !meta.is_file() {
        return Err(untrusted(path, "not a plain directory or file"));
    }
    if meta.uid() != euid() {
        return Err(untrusted(path, "owned by another user"));
    }
    if meta.mode() & 0o777 != mode {
        return Err(untrusted(path, "readable or writable by others"));
    }
    Ok(())
}

impl RuntimeDir {
    /// `$XDG_RUNTIME_DIR/peercall`, or `<fallback>/runtime` without one (the app's data
    /// dir): created 0700 if missing; refused unless it is a directory, ours, 0700.
    pub fn open(xdg_runtime_dir: Option<&str>, fallback: &Path) -> Result<Self, RuntimeError> {
        let dir = match xdg_runtime_dir.filter(|d| Path::new(d).is_absolute()) {
            Some(base) => Path::new(base).join("peercall"),
            None => fallback.join("runtime"),
        };
        match DirBuilder::new().recursive(false).mode(0o700).create(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // The fallback's parent may not exist yet (a first run).
                if let Some(parent) = dir.parent() {
                    fs::create_dir_all(parent).map_err(io(parent))?;
                }
                DirBuilder::new()
                    .mode(0o700)
                    .create(&dir)
                    .map_err(io(&dir))?;
            }
            Err(e) => return Err(io(&dir)(e)),
        }
        check_private(&dir, true, 0o700)?;
        Ok(RuntimeDir(dir))
    }

    /// `$XDG_RUNTIME_DIR/peercall` for a client that is not the app (it cannot know the
    /// app's data dir): `None` without `XDG_RUNTIME_DIR`.
    pub fn from_env() -> Option<Result<Self, RuntimeError>> {
        let xdg = std::env::var("XDG_RUNTIME_DIR").ok()?;
        let xdg = Some(xdg.as_str()).filter(|d| Path::new(d).is_absolute())?;
        Some(Self::open(Some(xdg), Path::new(xdg)))
    }

    /// The record of the local server `url` names, if `url` is a plain `ws://` URL to this
    /// machine (loopback) and a trustworthy record for its port names a live process.
    pub fn find_for_url(&self, url: &str) -> Result<Option<LocalRecord>, RuntimeError> {
        match loopback_port(url) {
            Some(port) => self.find(port),
            None => Ok(None),
        }
    }

    /// For a client of this user pointed at a plain loopback URL with no token (the app
    /// with `ws://127.0.0.1:PORT/ws` typed in Settings, `peercall-agent --server …`): the
    /// token and the secret of the local server there, from its record. Nothing changes
    /// when a token or a proof is already set, the URL is not a loopback `ws://` URL, or no
    /// trustworthy record names a live host. When the record says the server speaks
    /// `wss://` (it hosts for the network), the URL becomes `wss://` and the client accepts
    /// exactly the record's certificate. Returns whether it filled them in.
    #[cfg(feature = "client")]
    pub fn fill_client_config(
        &self,
        config: &mut crate::client::ClientConfig,
    ) -> Result<bool, RuntimeError> {
        if config.token.as_deref().is_some_and(|t| !t.is_empty()) || config.server_proof.is_some() {
            return Ok(false);
        }
        let Some(record) = self.find_for_url(&config.url)? else {
            return Ok(false);
        };
        config.token = record.token;
        config.server_proof = Some(record.secret);
        if let Some(cert) = record.cert {
            if let Some(rest) = config.url.strip_prefix("ws://") {
                config.url = format!("wss://{rest}");
            }
            config.cert_pin = Some(crate::client::CertPin::new(Some(cert)));
        }
        Ok(true)
    }

    fn record_path(&self, port: u16) -> PathBuf {
        self.0.join(format!("local-{port}.json"))
    }

    /// The record of the server on `port`, if a trustworthy one names a live process.
    /// `Ok(None)`: none, or its process is gone. `Err`: one exists but is not to be trusted.
    pub fn find(&self, port: u16) -> Result<Option<LocalRecord>, RuntimeError> {
        let path = self.record_path(port);
        if let Err(e) = fs::symlink_metadata(&path) {
            return match e.kind() {
                std::io::ErrorKind::NotFound => Ok(None),
                _ => Err(io(&path)(e)),
            };
        }
        check_private(&path, false, 0o600)?;
        let record = read_record(&path)?;
        if record.port != port {
            return Err(RuntimeError::Malformed {
                path,
                why: format!("names port {}", record.port),
            });
        }
        Ok(pid_alive(record.pid).then_some(record))
    }

    /// Publishes `record` (replacing a stale one); the guard removes it when dropped.
    pub fn publish(&self, record: &LocalRecord) -> Result<Published, RuntimeError> {
        let path = self.record_path(record.port);
        let tmp = self.0.join(format!(
            ".local-{}.{}.{:016x}.tmp",
            record.port,
            record.pid,
            rand::random::<u64>()
        ));
        let wire = Wire {
            port: record.port,
            pid: record.pid,
            secret: record.secret.to_hex(),
            token: record.token.clone(),
            cert: record.cert.map(|c| c.to_hex()),
        };
        let json = serde_json::to_vec(&wire).map_err(|e| RuntimeError::Malformed {
            path: path.clone(),
            why: e.to_string(),
        })?;
        write_private(&tmp, &path, &json).map_err(io(&path))?;
        Ok(Published {
            path,
            pid: record.pid,
        })
    }
}

/// Writes `bytes` to `path` so that no one else can read them and no one can redirect the
/// write: into the fresh file `tmp` (`O_EXCL`, `O_NOFOLLOW`, 0600 whatever the umask),
/// synced, then renamed over `path`; `tmp` is removed if anything fails.
pub fn write_private(tmp: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let written = OpenOptions::new()
        .write(true)
        .create_new(true) // O_EXCL: never through a planted file or link
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(tmp)
        .and_then(|mut file| {
            // The mode above is masked by the umask: say it again.
            file.set_permissions(fs::Permissions::from_mode(0o600))?;
            file.write_all(bytes)?;
            file.sync_all()
        })
        .and_then(|()| fs::rename(tmp, path));
    if written.is_err() {
        let _ = fs::remove_file(tmp);
    }
    written
}

/// The port of a plain `ws://` URL to this machine (`127.x.y.z`, `[::1]`, `localhost`),
/// the only URLs a local server record is looked up for (a record of a `wss://` server
/// turns them into `wss://`, see [`RuntimeDir::fill_client_config`]).
pub fn loopback_port(url: &str) -> Option<u16> {
    let rest = url.strip_prefix("ws://")?;
    let default_port = 80;
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.contains('@') {
        return None;
    }
    if let Ok(addr) = authority.parse::<std::net::SocketAddr>() {
        return addr.ip().is_loopback().then_some(addr.port());
    }
    if let Ok(ip) = authority
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
    {
        return ip.is_loopback().then_some(default_port);
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, port.parse().ok()?),
        None => (authority, default_port),
    };
    host.eq_ignore_ascii_case("localhost").then_some(port)
}

fn read_record(path: &Path) -> Result<LocalRecord, RuntimeError> {
    let mut text = String::new();
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .and_then(|file| file.take(MAX_RECORD_BYTES).read_to_string(&mut text))
        .map_err(io(path))?;
    let malformed = |why: String| RuntimeError::Malformed {
        path: path.to_owned(),
        why,
    };
    let wire: Wire = serde_json::from_str(&text).map_err(|e| malformed(e.to_string()))?;
    let secret = ServerSecret::from_hex(&wire.secret).map_err(|e| malformed(e.to_string()))?;
    let cert = wire
        .cert
        .map(|c| CertFingerprint::from_hex(&c))
        .transpose()
        .map_err(|e| malformed(e.to_string()))?;
    Ok(LocalRecord {
        port: wire.port,
        pid: wire.pid,
        secret,
        token: wire.token.filter(|t| !t.is_empty()),
        cert,
    })
}

/// A published record; dropping it removes the file if it still names this process.
#[derive(Debug)]
pub struct Published {
    path: PathBuf,
    pid: u32,
}

impl Drop for Published {
    fn drop(&mut self) {
        if read_record(&self.path).is_ok_and(|r| r.pid == self.pid) {
            let _ = fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
#[path = "local_record_tests.rs"]
mod tests;
