use super::*;

/// A fresh base directory under the system's temp dir, removed on drop.
struct Base(PathBuf);

impl Base {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("peercall-rt-{:016x}", rand::random::<u64>()));
        fs::create_dir(&dir).expect("temp dir");
        Base(dir)
    }

    fn runtime(&self) -> RuntimeDir {
        RuntimeDir::open(self.0.to_str(), Path::new("/nonexistent")).expect("runtime dir")
    }
}

impl Drop for Base {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn record(port: u16, pid: u32) -> LocalRecord {
    LocalRecord {
        port,
        pid,
        secret: ServerSecret::random(),
        token: Some("ABCDE-FGHJK".into()),
        cert: None,
    }
}

fn mode_of(path: &Path) -> u32 {
    fs::metadata(path).expect("metadata").mode() & 0o777
}

/// A pid that was just alive and is not any more.
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true")
        .spawn()
        .expect("spawn true");
    let pid = child.id();
    child.wait().expect("reaped");
    pid
}

#[test]
fn a_published_record_is_private_found_and_removed_with_its_guard() {
    let base = Base::new();
    let rt = base.runtime();
    assert_eq!(mode_of(&base.0.join("peercall")), 0o700);
    assert!(rt.find(7788).expect("no record is fine").is_none());
    let mine = record(7788, std::process::id());
    let guard = rt.publish(&mine).expect("published");
    assert_eq!(mode_of(&rt.record_path(7788)), 0o600);
    assert_eq!(rt.find(7788).expect("trusted"), Some(mine.clone()));
    assert!(rt.find(7789).expect("other port").is_none());
    // A second publish (a takeover) replaces it atomically; no temp files are left.
    let guard2 = rt.publish(&mine).expect("replaced");
    drop(guard);
    drop(guard2);
    assert!(rt.find(7788).expect("gone").is_none());
    assert_eq!(fs::read_dir(&rt.0).expect("dir").count(), 0);
}

#[test]
fn a_record_of_a_dead_process_is_ignored() {
    let base = Base::new();
    let rt = base.runtime();
    let _guard = rt.publish(&record(7788, dead_pid())).expect("published");
    assert!(rt.find(7788).expect("stale is not an error").is_none());
}

#[test]
fn records_others_could_have_written_are_refused() {
    let base = Base::new();
    let rt = base.runtime();
    let path = rt.record_path(7788);
    let _guard = rt
        .publish(&record(7788, std::process::id()))
        .expect("published");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
    assert!(matches!(rt.find(7788), Err(RuntimeError::Untrusted { .. })));
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).expect("chmod");
    // A link to a private-looking file elsewhere.
    let elsewhere = base.0.join("elsewhere.json");
    fs::rename(&path, &elsewhere).expect("move");
    std::os::unix::fs::symlink(&elsewhere, &path).expect("symlink");
    assert!(matches!(rt.find(7788), Err(RuntimeError::Untrusted { .. })));
    fs::remove_file(&path).expect("unlink");
    // Another user's file (only root can make one here).
    if euid() == 0 {
        fs::rename(&elsewhere, &path).expect("move back");
        std::os::unix::fs::chown(&path, Some(65534), None).expect("chown");
        assert!(matches!(rt.find(7788), Err(RuntimeError::Untrusted { .. })));
    }
}

#[test]
fn a_runtime_dir_others_can_enter_is_refused() {
    let base = Base::new();
    let dir = base.0.join("peercall");
    DirBuilder::new().mode(0o755).create(&dir).expect("mkdir");
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod");
    assert!(matches!(
        RuntimeDir::open(base.0.to_str(), Path::new("/nonexistent")),
        Err(RuntimeError::Untrusted { .. })
    ));
}

#[test]
fn without_xdg_runtime_dir_the_app_data_dir_holds_it() {
    let base = Base::new();
    let data = base.0.join("data");
    let rt = RuntimeDir::open(None, &data).expect("fallback");
    assert_eq!(rt.0, data.join("runtime"));
    assert_eq!(mode_of(&rt.0), 0o700);
    // A relative XDG_RUNTIME_DIR is ignored (the spec wants an absolute path).
    assert_eq!(
        RuntimeDir::open(Some("rel"), &data).expect("fallback").0,
        rt.0
    );
}

#[test]
fn malformed_records_and_wrong_ports_are_refused() {
    let base = Base::new();
    let rt = base.runtime();
    let _guard = rt
        .publish(&record(7788, std::process::id()))
        .expect("published");
    fs::rename(rt.record_path(7788), rt.record_path(7790)).expect("rename");
    assert!(matches!(rt.find(7790), Err(RuntimeError::Malformed { .. })));
    fs::write(rt.record_path(7790), b"{\"port\":7790}").expect("write");
    assert!(matches!(rt.find(7790), Err(RuntimeError::Malformed { .. })));
}

#[test]
fn records_never_show_their_secret_in_debug() {
    let r = record(1, 2);
    let shown = format!("{r:?}");
    assert!(!shown.contains(&r.secret.to_hex()) && !shown.contains("ABCDE"));
}

#[test]
fn only_plain_loopback_urls_name_a_local_record() {
    for (url, port) in [
        ("ws://127.0.0.1:7788/ws", Some(7788)),
        ("ws://127.0.0.1:7788", Some(7788)),
        ("ws://127.1.2.3:9/ws?x=1", Some(9)),
        ("ws://[::1]:7788/ws", Some(7788)),
        ("ws://localhost:7788/ws", Some(7788)),
        ("ws://LOCALHOST/ws", Some(80)),
        ("ws://127.0.0.1/ws", Some(80)),
        ("wss://127.0.0.1:7788/ws", None),
        ("ws://10.0.0.9:7788/ws", None),
        ("ws://localhost.example.com:7788/ws", None),
        ("ws://user@127.0.0.1:7788/ws", None),
        ("ws://127.0.0.1:notaport/ws", None),
        ("http://127.0.0.1:7788/ws", None),
    ] {
        assert_eq!(loopback_port(url), port, "{url}");
    }
}

#[test]
fn a_loopback_url_finds_the_record_of_its_port() {
    let base = Base::new();
    let rt = base.runtime();
    let mine = record(7788, std::process::id());
    let _guard = rt.publish(&mine).expect("published");
    let found = rt.find_for_url("ws://127.0.0.1:7788/ws").expect("trusted");
    assert_eq!(found, Some(mine));
    assert_eq!(
        rt.find_for_url("ws://127.0.0.1:7789/ws").expect("none"),
        None
    );
    assert_eq!(
        rt.find_for_url("ws://10.0.0.9:7788/ws").expect("none"),
        None
    );
}

#[test]
fn a_record_of_a_wss_server_carries_its_certificate() {
    let base = Base::new();
    let rt = base.runtime();
    let mine = LocalRecord {
        cert: Some(CertFingerprint::of_der(b"the host's certificate")),
        ..record(7788, std::process::id())
    };
    let _guard = rt.publish(&mine).expect("published");
    assert_eq!(rt.find(7788).expect("trusted"), Some(mine));
}

#[cfg(feature = "client")]
#[test]
fn a_plain_loopback_url_becomes_wss_with_the_records_certificate() {
    let base = Base::new();
    let rt = base.runtime();
    let cert = CertFingerprint::of_der(b"the host's certificate");
    let mine = LocalRecord {
        cert: Some(cert),
        ..record(7788, std::process::id())
    };
    let _guard = rt.publish(&mine).expect("published");
    let mut config = crate::client::ClientConfig::new("ws://127.0.0.1:7788/ws", "Alice");
    assert!(rt.fill_client_config(&mut config).expect("trusted"));
    assert_eq!(config.url, "wss://127.0.0.1:7788/ws");
    assert_eq!(config.cert_pin.as_ref().and_then(|p| p.get()), Some(cert));
    assert_eq!(config.token, mine.token);
    assert_eq!(config.server_proof, Some(mine.secret));
}
