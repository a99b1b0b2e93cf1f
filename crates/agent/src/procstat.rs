//! CPU time and resident memory of this process, from `/proc/self` (Linux).

use std::time::Instant;

/// CPU seconds (user + system) used by this process so far.
#[must_use]
pub fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the `(comm)`; utime and stime are the 14th and 15th overall.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / clock_ticks())
}

fn clock_ticks() -> f64 {
    // USER_HZ is 100 on every Linux architecture that matters here.
    100.0
}

/// Resident set size in MB.
#[must_use]
pub fn rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// CPU use between `start` and now, in percent of one core.
pub struct CpuMeter {
    at: Instant,
    cpu: f64,
}

impl CpuMeter {
    /// Starts measuring.
    #[must_use]
    pub fn start() -> Self {
        Self {
            at: Instant::now(),
            cpu: cpu_seconds().unwrap_or(0.0),
        }
    }

    /// Percent of one core since [`CpuMeter::start`].
    #[must_use]
    pub fn percent(&self) -> Option<f64> {
        let wall = self.at.elapsed().as_secs_f64();
        let cpu = cpu_seconds()? - self.cpu;
        (wall > 0.0).then(|| cpu / wall * 100.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        assert!(rss_mb().is_some_and(|mb| mb > 0.0));
        let m = CpuMeter::start();
        let mut x = 0u64;
        for i in 0..5_000_000u64 {
            x = x.wrapping_add(i * i);
        }
        assert!(x > 0);
        assert!(m.percent().is_some_and(|p| p >= 0.0));
    }
}
