//! The LAN host's certificate: ECDSA P-256, self-signed (rcgen), made the first time this
//! app hosts for the network and kept with its key in `lan-certificate.json` next to
//! `settings.json` (0600 in the 0700 data dir), so the joiners' pins stay valid across
//! restarts. No root vouches for it: joiners prove it with the join code
//! (`peercall_signal::lan_proof`), this user's other apps with the record's fingerprint.

use std::fs::{self, OpenOptions};
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use peercall_signal::lan_proof::CertFingerprint;
use peercall_signal::server::TlsConfig;
use serde::{Deserialize, Serialize};

const FILE: &str = "lan-certificate.json";
/// The largest file read (a real one is ~1 KB).
const MAX_BYTES: u64 = 16 * 1024;

/// The certificate and key the LAN host serves, and the certificate's fingerprint.
#[derive(Clone)]
pub struct HostCertificate {
    pub tls: TlsConfig,
    pub fingerprint: CertFingerprint,
}

/// The file's form.
#[derive(Serialize, Deserialize)]
struct Stored {
    cert_pem: String,
    key_pem: String,
}

/// Why the certificate can be neither read nor made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CertError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("making the certificate: {0}")]
    Make(#[from] rcgen::Error),
}

/// The certificate kept in `dir`, else a new one written there first.
pub fn load_or_make(dir: &Path) -> Result<HostCertificate, CertError> {
    let path = dir.join(FILE);
    if let Some(found) = read(&path) {
        return Ok(found);
    }
    let made = make()?;
    write(&path, &made).map_err(|source| CertError::Io {
        path: path.clone(),
        source,
    })?;
    tracing::info!(fingerprint = ?made.fingerprint, "made the LAN host's certificate");
    Ok(made)
}

/// A fresh ECDSA P-256 self-signed certificate.
pub fn make() -> Result<HostCertificate, CertError> {
    let made = rcgen::generate_simple_self_signed(vec!["peercall-lan-host".to_owned()])?;
    Ok(HostCertificate {
        fingerprint: CertFingerprint::of_der(made.cert.der()),
        tls: TlsConfig {
            cert_pem: made.cert.pem().into_bytes(),
            key_pem: made.signing_key.serialize_pem().into_bytes(),
        },
    })
}

/// The stored certificate, unless missing or unusable (then a new one replaces it).
fn read(path: &Path) -> Option<HostCertificate> {
    let mut text = String::new();
    let opened = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path);
    if let Err(err) = opened.and_then(|f| f.take(MAX_BYTES).read_to_string(&mut text)) {
        if err.kind() != std::io::ErrorKind::NotFound {
            tracing::warn!(%err, path = %path.display(), "cannot read the LAN certificate; making another");
        }
        return None;
    }
    let stored: Stored = serde_json::from_str(&text)
        .map_err(
            |err| tracing::warn!(%err, "the LAN certificate file is malformed; making another"),
        )
        .ok()?;
    let fingerprint = CertFingerprint::of_pem(stored.cert_pem.as_bytes())?;
    Some(HostCertificate {
        fingerprint,
        tls: TlsConfig {
            cert_pem: stored.cert_pem.into_bytes(),
            key_pem: stored.key_pem.into_bytes(),
        },
    })
}

/// Written to a fresh 0600 file (`O_EXCL`, `O_NOFOLLOW`) and renamed into place.
fn write(path: &Path, cert: &HostCertificate) -> std::io::Result<()> {
    let stored = Stored {
        cert_pem: String::from_utf8_lossy(&cert.tls.cert_pem).into_owned(),
        key_pem: String::from_utf8_lossy(&cert.tls.key_pem).into_owned(),
    };
    let json = serde_json::to_vec(&stored).map_err(std::io::Error::other)?;
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("{:016x}.tmp", rand::random::<u64>()));
    peercall_signal::local_record::write_private(&tmp, path, &json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    fn temp_dir() -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("peercall-cert-{:016x}", rand::random::<u64>()));
        fs::create_dir(&dir).expect("temp dir");
        dir
    }

    #[test]
    fn the_certificate_is_made_once_private_and_kept() {
        let dir = temp_dir();
        let first = load_or_make(&dir).expect("made");
        let file = dir.join(FILE);
        assert_eq!(fs::metadata(&file).expect("file").mode() & 0o777, 0o600);
        let again = load_or_make(&dir).expect("read");
        assert_eq!(again.fingerprint, first.fingerprint, "kept across restarts");
        assert_eq!(again.tls.key_pem, first.tls.key_pem);
        // ECDSA P-256, and the fingerprint is the certificate's.
        let key = String::from_utf8_lossy(&first.tls.key_pem).into_owned();
        let key = rcgen::KeyPair::from_pem(&key).expect("a key");
        assert_eq!(key.algorithm(), &rcgen::PKCS_ECDSA_P256_SHA256);
        assert_eq!(
            CertFingerprint::of_pem(&first.tls.cert_pem),
            Some(first.fingerprint)
        );
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_damaged_file_is_replaced_by_a_new_certificate() {
        let dir = temp_dir();
        let first = load_or_make(&dir).expect("made");
        fs::write(
            dir.join(FILE),
            b"{\"cert_pem\": \"nothing\", \"key_pem\": \"\"}",
        )
        .expect("damaged");
        let second = load_or_make(&dir).expect("made again");
        assert_ne!(second.fingerprint, first.fingerprint);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn two_hosts_get_two_certificates() {
        let (a, b) = (make().expect("a"), make().expect("b"));
        assert_ne!(a.fingerprint, b.fingerprint);
    }
}
