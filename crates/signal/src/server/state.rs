//! State shared by every connection of one server.

use super::admission::Admission;
use super::config::Config;
use super::metrics::Metrics;
use super::registry::Registry;
use base64::Engine;
use sha1::{Digest, Sha1};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use subtle::ConstantTimeEq;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// One server's shared state.
pub struct Shared {
    pub config: Config,
    pub metrics: Metrics,
    pub shutdown: CancellationToken,
    pub tracker: TaskTracker,
    pub admission: Arc<Admission>,
    registry: Mutex<super::registry::Registry>,
    next_conn: AtomicU64,
    token_digest: Option<[u8; 20]>,
    /// What proves this server to a LAN joiner ([`crate::lan_proof`]), if it is a LAN host.
    pub lan_key: Option<crate::lan_proof::LanKey>,
}

impl Shared {
    pub fn new(config: Config) -> Self {
        let token_digest = config.token.as_deref().map(digest);
        Shared {
            registry: Mutex::new(Registry::new(
                config.limits.room_size,
                config.limits.resume_queue,
                config.limits.outbound_bytes,
            )),
            admission: Arc::new(Admission::new(
                config.limits.max_connections,
                config.limits.max_connections_per_ip,
            )),
            config,
            metrics: Metrics::default(),
            shutdown: CancellationToken::new(),
            tracker: TaskTracker::new(),
            next_conn: AtomicU64::new(1),
            token_digest,
            lan_key: None,
        }
    }

    /// With the key of the LAN proof (derived at bind from the token and the certificate).
    pub fn with_lan_key(self, lan_key: Option<crate::lan_proof::LanKey>) -> Self {
        Shared { lan_key, ..self }
    }

    /// The registry. Every critical section is short and never awaits.
    pub fn registry(&self) -> MutexGuard<'_, Registry> {
        self.registry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A fresh connection number.
    pub fn next_conn(&self) -> u64 {
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    /// Whether the server has a token.
    pub fn requires_token(&self) -> bool {
        self.token_digest.is_some()
    }

    /// Whether `given` satisfies the token requirement. Both sides are hashed first and
    /// compared in constant time, so neither content nor length leaks through timing.
    pub fn token_ok(&self, given: Option<&str>) -> bool {
        match (&self.token_digest, given) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(want), Some(given)) => bool::from(want.ct_eq(&digest(given))),
        }
    }
}

fn digest(s: &str) -> [u8; 20] {
    Sha1::digest(s.as_bytes()).into()
}

/// An unguessable random id: `bytes` random bytes, base64url without padding.
pub fn random_id(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::fill(&mut buf[..]);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}
