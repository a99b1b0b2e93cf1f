//! For tests that run something under `scripts/netem-run.sh`: whether this machine can
//! (root, `unshare -n`, `iptables-legacy`), and where the script is. Shared by this
//! crate's own namespace tests and the agent's impaired-call tests.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `scripts/netem-run.sh` in this repository.
#[must_use]
pub fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/netem-run.sh")
}

/// Why namespace tests cannot run here, if they cannot.
#[must_use]
pub fn missing_prerequisite() -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some("not root (a network namespace and an iptables rule need root)".into());
    }
    let ok = |cmd: &mut Command| cmd.output().is_ok_and(|o| o.status.success());
    if !ok(Command::new("unshare").args(["-n", "true"])) {
        return Some("`unshare -n` does not work here (util-linux missing or not allowed)".into());
    }
    let path = format!(
        "{}:/usr/sbin:/sbin",
        std::env::var("PATH").unwrap_or_default()
    );
    if !ok(Command::new("iptables-legacy")
        .arg("--version")
        .env("PATH", &path))
    {
        return Some("iptables-legacy not found (apt-get install iptables)".into());
    }
    None
}

/// True when a namespace test can run; otherwise prints why and returns false — or
/// panics under `CI=true`, since CI has everything it needs.
///
/// # Panics
/// Under `CI=true` when a prerequisite is missing.
#[must_use]
pub fn prerequisites(test: &str) -> bool {
    let Some(why) = missing_prerequisite() else {
        return true;
    };
    assert!(
        !std::env::var("CI").is_ok_and(|v| v == "true"),
        "{test}: cannot run the network namespace test in CI: {why}"
    );
    // Straight to stderr: libtest captures eprintln! of a passing test, and a skip must show.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {why} (under CI=true this fails instead)"
    );
    false
}

/// Runs the calling test binary's ignored test `child_test` (exact name) inside
/// `scripts/netem-run.sh` under `spec` with this seed, the emulator binary `netem_bin` and
/// extra environment; returns its output. The child sees the impaired namespace.
///
/// # Panics
/// When the test binary's path is unknown or the script cannot be started.
#[must_use]
pub fn run_child_test(
    spec: &str,
    seed: u64,
    child_test: &str,
    netem_bin: &Path,
    env: &[(&str, &str)],
) -> Output {
    let exe = std::env::current_exe().expect("the test binary's path");
    Command::new(script())
        .envs(env.iter().copied())
        .arg(spec)
        .arg(exe)
        .args(["--exact", child_test, "--ignored", "--nocapture"])
        .args(["--test-threads=1", "--quiet"])
        .env("PEERCALL_NETEM_BIN", netem_bin)
        .env("NETEM_SEED", seed.to_string())
        .output()
        .expect("running scripts/netem-run.sh")
}
