//! Network namespaces for the agent's lab tests: create one, run commands in it, and on
//! drop kill whatever still runs inside and delete it (its veths and bridges go with it).
//! Also whether this machine can build them at all: like `peercall_netem::namespace`,
//! a missing prerequisite skips the test, except under `CI=true`, where it fails.

use std::ffi::OsStr;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

/// A network namespace this test created.
pub struct Netns {
    pub name: String,
}

/// A name no other namespace of this machine has: the process id, a counter and a role.
pub fn unique_name(role: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("pc{}x{n}-{role}", std::process::id())
}

/// Runs a command and panics with its output if it fails.
pub fn run(cmd: &mut Command) {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `ip ARGS…` in the root namespace.
pub fn ip(args: &[&str]) {
    run(Command::new("ip").args(args));
}

/// Deletes the namespaces of lab test processes that no longer run (a killed test
/// leaves its namespaces behind; the name holds the creator's pid).
fn reap_stale() {
    let Ok(out) = Command::new("ip").args(["netns", "list"]).output() else {
        return;
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let name = line.split_whitespace().next().unwrap_or_default();
        let pid = name
            .strip_prefix("pc")
            .and_then(|rest| rest.split_once('x'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok());
        let stale = pid.is_some_and(|p| !std::path::Path::new(&format!("/proc/{p}")).exists());
        if stale {
            drop(Netns {
                name: name.to_owned(),
            });
        }
    }
}

impl Netns {
    /// Creates the namespace with its loopback up.
    pub fn add(role: &str) -> Self {
        static REAP: std::sync::Once = std::sync::Once::new();
        REAP.call_once(reap_stale);
        let ns = Self {
            name: unique_name(role),
        };
        ip(&["netns", "add", &ns.name]);
        ns.sh(&["ip", "link", "set", "lo", "up"]);
        ns
    }

    /// A command that runs `program` inside the namespace (`ip netns exec` execs it, so
    /// the child's pid is the program's).
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.name]).arg(program);
        cmd
    }

    /// Runs `args` inside the namespace and panics if it fails.
    pub fn sh(&self, args: &[&str]) {
        let (program, rest) = args.split_first().expect("a command");
        run(self.command(program).args(rest));
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        if let Ok(out) = Command::new("ip")
            .args(["netns", "pids", &self.name])
            .output()
        {
            for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                let _ = Command::new("kill").args(["-9", pid]).status();
            }
        }
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

/// Why the lab cannot be built here, if it cannot.
pub fn missing_prerequisite(programs: &[&str]) -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some("not root (network namespaces need root)".into());
    }
    let path = format!(
        "{}:/usr/sbin:/sbin",
        std::env::var("PATH").unwrap_or_default()
    );
    for program in programs {
        let found = std::env::split_paths(&path).any(|dir| dir.join(program).is_file());
        if !found {
            return Some(format!("`{program}` not found (scripts/setup.sh --test)"));
        }
    }
    let probe = unique_name("probe");
    let ok = Command::new("ip")
        .args(["netns", "add", &probe])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let _ = Command::new("ip").args(["netns", "del", &probe]).status();
    (!ok).then(|| "`ip netns add` does not work here".into())
}

/// True when the lab can be built; otherwise prints why and returns false — or panics
/// under `CI=true`, where everything it needs is installed.
///
/// # Panics
/// Under `CI=true` when a prerequisite is missing.
#[must_use]
pub fn prerequisites(test: &str, programs: &[&str]) -> bool {
    let Some(why) = missing_prerequisite(programs) else {
        return true;
    };
    assert!(
        !std::env::var("CI").is_ok_and(|v| v == "true"),
        "{test}: cannot build the network lab in CI: {why}"
    );
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {why} (under CI=true this fails instead)"
    );
    false
}
