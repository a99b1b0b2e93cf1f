//! Real-time scheduling for the few threads a call's sound depends on: the device
//! callback's thread, PulseAudio's client thread (`threaded-ml`, which the ALSA plugin
//! starts for each stream), the engine's playout and audio-out threads.
//!
//! Why: through PulseAudio's ALSA plugin the server asks for the next 85 ms block when
//! its queue is down to one block, and the whole chain (client thread → callback thread
//! → server) must answer within that block. At normal priority, beside a busy webview on
//! two cores, those threads waited on the run queue for up to 100–700 ms (measured from
//! `/proc/<pid>/task/<tid>/schedstat` during the GUI call-audio test): the server ran dry,
//! the plugin reported an underrun, and the user heard a hole. Each of these threads
//! needs well under 1 % of a core, so running them real-time costs the rest nothing.
//!
//! `SCHED_RR` at [`PRIORITY`], just under PulseAudio's own I/O threads (5). Refused
//! without `CAP_SYS_NICE` or an `RLIMIT_RTPRIO` (most desktops grant one to audio
//! users; CI runs as root): then everything stays as it was. Linux only.

use std::io;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;

/// `SCHED_RR` priority of the audio threads.
pub const PRIORITY: i32 = 4;

/// Runs the calling thread under `SCHED_RR` [`PRIORITY`].
pub fn promote_current_thread() -> io::Result<()> {
    promote(0)
}

/// Promotes this process's threads named one of `names` that still run at normal
/// priority; returns how many were promoted.
pub fn promote_threads_named(names: &[&str]) -> io::Result<usize> {
    let mut promoted = 0;
    for entry in std::fs::read_dir("/proc/self/task")? {
        let Ok(entry) = entry else { continue };
        let Some(tid) = entry
            .file_name()
            .to_str()
            .and_then(|t| t.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(comm) = std::fs::read_to_string(entry.path().join("comm")) else {
            continue;
        };
        if names.contains(&comm.trim_end()) && !is_realtime(tid) {
            match promote(tid) {
                Ok(()) => promoted += 1,
                // The thread ended between the listing and now.
                Err(e) if e.raw_os_error() == Some(libc::ESRCH) => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(promoted)
}

/// A speaker's promotions: its callback thread promotes itself on its first call (one
/// system call, no I/O, nothing logged there) and notes how it went; the thread feeding
/// the speaker then promotes PulseAudio's client threads and logs the outcome, once.
#[derive(Debug, Clone, Default)]
pub(crate) struct SpeakerThreads {
    /// 0: the callback has not run yet; 1: promoted; otherwise minus the OS error.
    worker: Arc<AtomicI32>,
}

impl SpeakerThreads {
    /// In the device callback.
    pub(crate) fn on_callback(&self) {
        if self.worker.load(Ordering::Relaxed) == 0 {
            let outcome = match promote_current_thread() {
                Ok(()) => 1,
                Err(e) => -e.raw_os_error().unwrap_or(1).max(1),
            };
            self.worker.store(outcome, Ordering::Relaxed);
        }
    }

    /// On the feeding thread; `true` once done (the callback has run and what followed
    /// is logged).
    pub(crate) fn follow_up(&self, device: &str) -> bool {
        match self.worker.load(Ordering::Relaxed) {
            0 => false,
            1 => {
                match promote_threads_named(&["threaded-ml"]) {
                    Ok(n) => tracing::info!(
                        device,
                        pulse_client_threads = n,
                        "speaker threads run real-time (SCHED_RR {PRIORITY})"
                    ),
                    Err(e) => tracing::info!(
                        device,
                        "speaker callback runs real-time, PulseAudio's client thread not: {e}"
                    ),
                }
                true
            }
            err => {
                let e = io::Error::from_raw_os_error(-err);
                tracing::info!(
                    device,
                    "speaker threads at normal priority (real-time refused: {e})"
                );
                true
            }
        }
    }
}

#[cfg(target_os = "linux")]
fn promote(tid: i32) -> io::Result<()> {
    let param = libc::sched_param {
        sched_priority: PRIORITY,
    };
    // SAFETY: a valid sched_param; tid 0 is the calling thread, others are this
    // process's threads (a thread gone since is an ESRCH error, nothing else).
    let rc = unsafe {
        libc::sched_setscheduler(tid, libc::SCHED_RR | libc::SCHED_RESET_ON_FORK, &param)
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(target_os = "linux")]
fn is_realtime(tid: i32) -> bool {
    // SAFETY: reads the policy of a thread of this process; no pointers.
    let policy = unsafe { libc::sched_getscheduler(tid) } & !libc::SCHED_RESET_ON_FORK;
    policy == libc::SCHED_RR || policy == libc::SCHED_FIFO
}

#[cfg(not(target_os = "linux"))]
fn promote(_tid: i32) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

#[cfg(not(target_os = "linux"))]
fn is_realtime(_tid: i32) -> bool {
    false
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_promoted_thread_runs_round_robin_or_the_refusal_is_a_permission_error() {
        std::thread::spawn(|| match promote_current_thread() {
            Ok(()) => assert!(is_realtime(0)),
            Err(e) => assert_eq!(e.kind(), io::ErrorKind::PermissionDenied, "{e}"),
        })
        .join()
        .unwrap();
    }

    #[test]
    fn threads_are_found_by_name_and_promoted_once() {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let (started_tx, started) = std::sync::mpsc::channel::<()>();
        let named = std::thread::Builder::new()
            .name("rt-probe-x".into())
            .spawn(move || {
                // The name is set from inside the new thread: it is there once this runs.
                started_tx.send(()).unwrap();
                let _ = rx.recv();
            })
            .unwrap();
        started.recv().unwrap();
        match promote_threads_named(&["rt-probe-x"]) {
            Ok(n) => {
                assert_eq!(n, 1);
                assert_eq!(promote_threads_named(&["rt-probe-x"]).unwrap(), 0);
            }
            Err(e) => assert_eq!(e.kind(), io::ErrorKind::PermissionDenied, "{e}"),
        }
        tx.send(()).unwrap();
        named.join().unwrap();
    }
}
