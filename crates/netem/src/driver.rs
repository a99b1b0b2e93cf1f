//! The emulator's loop: packets from the queue go through the [`Impairment`] model; drops get
//! their verdict at once, the rest wait in a timer heap and are accepted when due. One thread
//! sleeps in `ppoll` until the next packet or the next release, whichever comes first.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::flow::FlowKey;
use crate::model::{Decision, DropReason, Impairment};
use crate::nfqueue::{NfQueue, Packet, Verdict};

/// A packet waiting for its release.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Held {
    release: Duration,
    /// Arrival order, so equal release times keep it.
    order: u64,
    id: u32,
    arrived: Duration,
    len: usize,
    flow: FlowKey,
}

/// What happened, for the exit summary and `--stats-json`.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub packets: u64,
    pub accepted: u64,
    pub dropped_loss: u64,
    pub dropped_limit: u64,
    pub bytes_accepted: u64,
    /// Added delay actually applied (verdict time minus arrival), over accepted packets.
    delay_sum: f64,
    delay_sq_sum: f64,
    pub delay_min: Option<Duration>,
    pub delay_max: Duration,
    /// How late verdicts went out against the model's release time.
    lateness_sum: f64,
    pub lateness_max: Duration,
    /// Lateness histogram in 10 µs buckets (the last bucket is "10 ms or more").
    lateness_hist: Vec<u64>,
    pub first_release: Option<Duration>,
    pub last_release: Option<Duration>,
    /// Times the socket overflowed (the kernel dropped packets we never saw).
    pub overruns: u64,
    /// Verdicts the kernel refused.
    pub verdict_errors: u64,
    /// Packets accepted at exit before their time.
    pub flushed: u64,
    /// CPU time the emulator used (user + system), and over what wall time.
    pub cpu: Duration,
    pub wall: Duration,
    /// Per sender (the model's flows), up to [`MAX_FLOW_STATS`] of them; later ones are
    /// counted under [`FlowKey::Other`].
    pub flows: HashMap<FlowKey, FlowStats>,
}

/// What happened to one flow's packets.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FlowStats {
    pub packets: u64,
    pub accepted: u64,
    pub dropped: u64,
    pub bytes_accepted: u64,
    pub first_release: Option<Duration>,
    pub last_release: Option<Duration>,
}

impl FlowStats {
    /// Bits per second accepted between the first and the last release, as
    /// [`Stats::throughput_bits`].
    pub fn throughput_bits(&self) -> f64 {
        throughput_bits(
            self.bytes_accepted,
            self.accepted,
            self.first_release,
            self.last_release,
        )
    }
}

/// Flows tracked one by one in the statistics.
pub const MAX_FLOW_STATS: usize = 1024;
/// Flows listed in the JSON statistics (the busiest).
const JSON_FLOWS: usize = 16;

fn throughput_bits(
    bytes: u64,
    packets: u64,
    first: Option<Duration>,
    last: Option<Duration>,
) -> f64 {
    match (first, last) {
        (Some(a), Some(b)) if b > a && packets > 1 => {
            let first_len = bytes as f64 / packets as f64;
            (bytes as f64 - first_len) * 8.0 / (b - a).as_secs_f64()
        }
        _ => 0.0,
    }
}

const HIST_BUCKET_US: u64 = 10;
const HIST_BUCKETS: usize = 1000;

impl Stats {
    /// The statistics of `flow` (or of [`FlowKey::Other`] once too many are tracked).
    fn flow(&mut self, flow: FlowKey) -> &mut FlowStats {
        let key = if self.flows.len() >= MAX_FLOW_STATS && !self.flows.contains_key(&flow) {
            FlowKey::Other
        } else {
            flow
        };
        self.flows.entry(key).or_default()
    }

    fn record_packet(&mut self, flow: FlowKey, dropped: bool) {
        self.packets += 1;
        let f = self.flow(flow);
        f.packets += 1;
        if dropped {
            f.dropped += 1;
        }
    }

    fn record_release(
        &mut self,
        arrived: Duration,
        due: Duration,
        at: Duration,
        len: usize,
        flow: FlowKey,
    ) {
        let f = self.flow(flow);
        f.accepted += 1;
        f.bytes_accepted += len as u64;
        f.first_release.get_or_insert(at);
        f.last_release = Some(at);
        self.accepted += 1;
        self.bytes_accepted += len as u64;
        let added = at.saturating_sub(arrived);
        let s = added.as_secs_f64();
        self.delay_sum += s;
        self.delay_sq_sum += s * s;
        self.delay_min = Some(self.delay_min.map_or(added, |m| m.min(added)));
        self.delay_max = self.delay_max.max(added);
        let late = at.saturating_sub(due);
        self.lateness_sum += late.as_secs_f64();
        self.lateness_max = self.lateness_max.max(late);
        if self.lateness_hist.is_empty() {
            self.lateness_hist = vec![0; HIST_BUCKETS];
        }
        let bucket = ((late.as_micros() as u64) / HIST_BUCKET_US).min(HIST_BUCKETS as u64 - 1);
        self.lateness_hist[bucket as usize] += 1;
        self.first_release.get_or_insert(at);
        self.last_release = Some(at);
    }

    pub fn dropped(&self) -> u64 {
        self.dropped_loss + self.dropped_limit
    }

    /// Mean added delay over accepted packets, in seconds.
    pub fn delay_mean(&self) -> f64 {
        if self.accepted == 0 {
            0.0
        } else {
            self.delay_sum / self.accepted as f64
        }
    }

    pub fn delay_stddev(&self) -> f64 {
        if self.accepted == 0 {
            return 0.0;
        }
        let n = self.accepted as f64;
        let mean = self.delay_sum / n;
        (self.delay_sq_sum / n - mean * mean).max(0.0).sqrt()
    }

    pub fn lateness_mean(&self) -> f64 {
        if self.accepted == 0 {
            0.0
        } else {
            self.lateness_sum / self.accepted as f64
        }
    }

    /// The lateness under which `q` (0..1) of the verdicts went out, to 10 µs.
    pub fn lateness_quantile(&self, q: f64) -> Duration {
        let total: u64 = self.lateness_hist.iter().sum();
        let target = (q * total as f64).ceil() as u64;
        let mut seen = 0;
        for (i, n) in self.lateness_hist.iter().enumerate() {
            seen += n;
            if seen >= target && seen > 0 {
                return Duration::from_micros((i as u64 + 1) * HIST_BUCKET_US);
            }
        }
        Duration::ZERO
    }

    /// Bytes accepted per second between the first and the last release (0 for fewer than
    /// two releases). Counts every packet after the first, so it is the link's throughput
    /// while busy.
    pub fn throughput_bits(&self) -> f64 {
        throughput_bits(
            self.bytes_accepted,
            self.accepted,
            self.first_release,
            self.last_release,
        )
    }

    /// The flows with the most bytes accepted first (ties: by key), at most `n`.
    pub fn busiest_flows(&self, n: usize) -> Vec<(FlowKey, FlowStats)> {
        let mut flows: Vec<(FlowKey, FlowStats)> =
            self.flows.iter().map(|(k, v)| (*k, *v)).collect();
        flows.sort_by(|a, b| {
            (b.1.bytes_accepted, b.1.packets)
                .cmp(&(a.1.bytes_accepted, a.1.packets))
                .then_with(|| a.0.cmp(&b.0))
        });
        flows.truncate(n);
        flows
    }

    /// The one-line summary printed at exit.
    pub fn summary(&self) -> String {
        format!(
            "peercall-netem: {} packets, {} dropped ({} loss, {} limit), mean delay added {:.2} ms \
             (stddev {:.2} ms), verdicts late by {:.3} ms mean / {:.3} ms p99 / {:.3} ms max",
            self.packets,
            self.dropped(),
            self.dropped_loss,
            self.dropped_limit,
            self.delay_mean() * 1e3,
            self.delay_stddev() * 1e3,
            self.lateness_mean() * 1e3,
            self.lateness_quantile(0.99).as_secs_f64() * 1e3,
            self.lateness_max.as_secs_f64() * 1e3,
        )
    }

    /// The statistics as JSON; `shared_rate` says whether `rate` and `limit` had one queue
    /// for all packets (else one per flow).
    pub fn to_json(
        &self,
        spec: &str,
        seed: u64,
        queue: u16,
        shared_rate: bool,
    ) -> serde_json::Value {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let flows: Vec<serde_json::Value> = self
            .busiest_flows(JSON_FLOWS)
            .into_iter()
            .map(|(k, f)| {
                serde_json::json!({
                    "flow": k.to_string(),
                    "packets": f.packets,
                    "accepted": f.accepted,
                    "dropped": f.dropped,
                    "bytes_accepted": f.bytes_accepted,
                    "throughput_kbit": f.throughput_bits() / 1e3,
                })
            })
            .collect();
        serde_json::json!({
            "spec": spec,
            "rate_scope": if shared_rate { "shared" } else { "per-flow" },
            "seed": seed,
            "queue": queue,
            "packets": self.packets,
            "accepted": self.accepted,
            "dropped": self.dropped(),
            "dropped_loss": self.dropped_loss,
            "dropped_limit": self.dropped_limit,
            "bytes_accepted": self.bytes_accepted,
            "delay_added_mean_ms": self.delay_mean() * 1e3,
            "delay_added_stddev_ms": self.delay_stddev() * 1e3,
            "delay_added_min_ms": self.delay_min.map_or(0.0, ms),
            "delay_added_max_ms": ms(self.delay_max),
            "lateness_mean_ms": self.lateness_mean() * 1e3,
            "lateness_p50_ms": ms(self.lateness_quantile(0.5)),
            "lateness_p99_ms": ms(self.lateness_quantile(0.99)),
            "lateness_max_ms": ms(self.lateness_max),
            "throughput_kbit": self.throughput_bits() / 1e3,
            "release_span_s": match (self.first_release, self.last_release) {
                (Some(a), Some(b)) => (b - a).as_secs_f64(),
                _ => 0.0,
            },
            "socket_overruns": self.overruns,
            "verdict_errors": self.verdict_errors,
            "flushed_at_exit": self.flushed,
            "cpu_s": self.cpu.as_secs_f64(),
            "wall_s": self.wall.as_secs_f64(),
            "flow_count": self.flows.len(),
            "flows": flows,
        })
    }
}

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// Blocks SIGTERM and SIGINT (they are only delivered inside `ppoll`, so a signal can never
/// fall between checking the flag and going to sleep), installs a handler that sets the stop
/// flag, and returns the mask to wait with.
fn install_signal_handlers() -> io::Result<libc::sigset_t> {
    // SAFETY: sigset and sigaction structs are plain data initialised by the libc calls; the
    // handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        let mut block: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut block);
        libc::sigaddset(&mut block, libc::SIGTERM);
        libc::sigaddset(&mut block, libc::SIGINT);
        let mut old: libc::sigset_t = std::mem::zeroed();
        if libc::pthread_sigmask(libc::SIG_BLOCK, &block, &mut old) != 0 {
            return Err(io::Error::last_os_error());
        }
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_signal as *const () as libc::sighandler_t;
        libc::sigemptyset(&mut sa.sa_mask);
        for sig in [libc::SIGTERM, libc::SIGINT] {
            if libc::sigaction(sig, &sa, std::ptr::null_mut()) != 0 {
                return Err(io::Error::last_os_error());
            }
            libc::sigdelset(&mut old, sig);
        }
        Ok(old)
    }
}

/// Asks for precise wake-ups: the default 50 µs timer slack would add to every release.
fn tighten_timer_slack() {
    // SAFETY: prctl(PR_SET_TIMERSLACK) takes a plain integer.
    let rc = unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong) };
    if rc != 0 {
        tracing::debug!("PR_SET_TIMERSLACK: {}", io::Error::last_os_error());
    }
}

/// Runs the emulator's thread at a real-time priority (SCHED_FIFO 10), as the kernel's netem
/// effectively runs, so a busy machine (builds, browsers, the call under test) does not delay
/// releases by whole scheduler slices. It only ever blocks in `ppoll` or works briefly, and the
/// kernel's RT throttling still bounds it. Failing (not root) is fine: it runs as usual.
pub fn raise_priority() -> bool {
    let param = libc::sched_param { sched_priority: 10 };
    // SAFETY: sched_setscheduler on this process with a valid sched_param.
    let rc = unsafe { libc::sched_setscheduler(0, libc::SCHED_FIFO, &param) };
    if rc != 0 {
        tracing::info!(
            "staying at normal priority: SCHED_FIFO refused: {}",
            io::Error::last_os_error()
        );
    }
    rc == 0
}

/// Runs until SIGTERM/SIGINT: binds queue `queue`, calls `on_bound` (to tell others it is
/// ready), then impairs every packet. At the end every held packet is accepted at once and
/// the queue unbound. Returns what happened.
pub fn run(queue: u16, mut model: Impairment, on_bound: impl FnOnce()) -> io::Result<Stats> {
    let waitmask = install_signal_handlers()?;
    tighten_timer_slack();
    let mut q = NfQueue::bind(queue).map_err(|e| {
        let hint = if e.raw_os_error() == Some(libc::EPERM) {
            " (another process has bound this queue, or CAP_NET_ADMIN is missing: run as root)"
        } else {
            ""
        };
        io::Error::new(e.kind(), format!("binding NFQUEUE {queue}: {e}{hint}"))
    })?;
    tracing::info!("bound NFQUEUE {queue}; impairment: {}", model.spec());
    on_bound();

    let epoch = Instant::now();
    let mut stats = Stats::default();
    let mut heap: BinaryHeap<Reverse<Held>> = BinaryHeap::new();
    let result = serve(&mut q, &mut model, epoch, &mut stats, &mut heap, &waitmask);

    // Let everything still held go now (also after an error): once the queue is unbound or
    // the socket closed, the kernel would drop it.
    let now = epoch.elapsed();
    while let Some(Reverse(h)) = heap.pop() {
        stats.flushed += 1;
        release(&mut q, &mut stats, &h, now);
    }
    let mut batch = Vec::new();
    if q.recv_all(&mut batch, &mut stats.overruns).is_ok() {
        for p in &batch {
            stats.record_packet(p.flow, false);
            stats.flushed += 1;
            if q.verdict(p.id, Verdict::Accept).is_err() {
                stats.verdict_errors += 1;
            }
        }
    }
    if let Err(e) = q.unbind() {
        tracing::warn!("unbinding NFQUEUE {queue}: {e}");
    }
    stats.wall = epoch.elapsed();
    stats.cpu = cpu_time();
    result.map(|()| stats)
}

/// The loop proper, until the stop flag is set or the socket fails.
fn serve(
    q: &mut NfQueue,
    model: &mut Impairment,
    epoch: Instant,
    stats: &mut Stats,
    heap: &mut BinaryHeap<Reverse<Held>>,
    waitmask: &libc::sigset_t,
) -> io::Result<()> {
    let mut batch: Vec<Packet> = Vec::with_capacity(256);
    let mut order = 0u64;
    while !STOP.load(Ordering::SeqCst) {
        // Release what is due.
        let mut now = epoch.elapsed();
        while heap.peek().is_some_and(|Reverse(h)| h.release <= now) {
            let Some(Reverse(h)) = heap.pop() else { break };
            release(q, stats, &h, now);
            now = epoch.elapsed();
        }
        let timeout = heap.peek().map(|Reverse(h)| h.release.saturating_sub(now));
        match q.wait(timeout, waitmask) {
            Ok(false) => continue,
            Ok(true) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
        batch.clear();
        q.recv_all(&mut batch, &mut stats.overruns)?;
        for p in &batch {
            let arrived = epoch.elapsed();
            let held = Held {
                release: arrived,
                order,
                id: p.id,
                arrived,
                len: p.len,
                flow: p.flow,
            };
            order += 1;
            let decision = model.decide(arrived, p.len, p.flow);
            stats.record_packet(p.flow, matches!(decision, Decision::Drop(_)));
            match decision {
                Decision::Drop(reason) => {
                    match reason {
                        DropReason::Loss => stats.dropped_loss += 1,
                        DropReason::Limit => stats.dropped_limit += 1,
                    }
                    if let Err(e) = q.verdict(p.id, Verdict::Drop) {
                        stats.verdict_errors += 1;
                        tracing::debug!("drop verdict for {}: {e}", p.id);
                    }
                }
                Decision::Release(at) if at <= arrived => release(q, stats, &held, arrived),
                Decision::Release(at) => heap.push(Reverse(Held {
                    release: at,
                    ..held
                })),
            }
        }
    }
    Ok(())
}

/// User plus system CPU time of this process so far.
fn cpu_time() -> Duration {
    // SAFETY: getrusage fills the zeroed struct it is given.
    let usage = unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_SELF, &mut u) != 0 {
            return Duration::ZERO;
        }
        u
    };
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64)
    };
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn release(q: &mut NfQueue, stats: &mut Stats, h: &Held, now: Duration) {
    match q.verdict(h.id, Verdict::Accept) {
        Ok(()) => stats.record_release(h.arrived, h.release, now, h.len, h.flow),
        Err(e) => {
            stats.verdict_errors += 1;
            tracing::debug!("accept verdict for {}: {e}", h.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_summarise_delay_lateness_and_throughput() {
        let mut s = Stats::default();
        let ms = Duration::from_millis;
        let udp_flow = FlowKey::Source {
            protocol: 17,
            addr: std::net::Ipv4Addr::LOCALHOST.into(),
            port: 5004,
        };
        // Three 1000-byte packets delayed 50 ms, released 10 µs, 20 µs and 2 ms late,
        // 8 ms apart.
        for (i, late_us) in [10u64, 20, 2000].into_iter().enumerate() {
            let arrived = ms(8 * i as u64);
            let due = arrived + ms(50);
            let flow = if i == 2 { FlowKey::Other } else { udp_flow };
            s.record_release(
                arrived,
                due,
                due + Duration::from_micros(late_us),
                1000,
                flow,
            );
        }
        s.packets = 4;
        s.dropped_loss = 1;
        assert_eq!(s.accepted, 3);
        assert!((s.delay_mean() * 1e3 - (50.0 + 2.03 / 3.0)).abs() < 1e-9);
        assert_eq!(s.lateness_max, Duration::from_micros(2000));
        assert_eq!(s.lateness_quantile(0.5), Duration::from_micros(30));
        assert_eq!(s.lateness_quantile(1.0), Duration::from_micros(2010));
        // Two packets' bytes over 16 ms + 1.99 ms.
        let want = 2.0 * 8000.0 / 0.01799;
        assert!((s.throughput_bits() - want).abs() < 1.0);
        let line = s.summary();
        assert!(
            line.contains("4 packets, 1 dropped (1 loss, 0 limit)"),
            "{line}"
        );
        let json = s.to_json("delay 50ms", 7, 0, false);
        assert_eq!(json["accepted"], 3);
        assert_eq!(json["seed"], 7);
        assert_eq!(json["rate_scope"], "per-flow");
        // Per flow: the UDP sender's two packets 8 ms + 10 µs apart, then the other one.
        assert_eq!(json["flow_count"], 2);
        assert_eq!(json["flows"][0]["flow"], "udp 127.0.0.1:5004");
        assert_eq!(json["flows"][0]["accepted"], 2);
        let kbit = json["flows"][0]["throughput_kbit"].as_f64().unwrap_or(0.0);
        assert!((kbit - 8000.0 / 8.01).abs() < 1e-6, "{kbit}");
        assert_eq!(json["flows"][1]["flow"], "other");
        assert_eq!(json["flows"][1]["throughput_kbit"], 0.0);
    }
}
