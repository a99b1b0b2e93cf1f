//! A histogram of delays (ms) that forgets old samples, for the target delay.

/// Bucket width, ms.
const BUCKET_MS: f64 = 2.0;
const BUCKETS: usize = 500; // 0..1000 ms

/// See the module documentation. Each sample added first scales every bucket by
/// `forget`, so a sample's weight halves after `ln 0.5 / ln forget` more samples.
#[derive(Debug, Clone)]
pub(crate) struct Histogram {
    buckets: Vec<f64>,
    forget: f64,
}

impl Histogram {
    pub(crate) fn new(forget: f64) -> Self {
        Self {
            buckets: vec![0.0; BUCKETS],
            forget,
        }
    }

    pub(crate) fn add(&mut self, ms: f64) {
        self.add_weighted(ms, 1.0);
    }

    /// Adds a sample worth `weight` ordinary ones: the histogram forgets as much as
    /// `weight` samples would make it (a 10 ms packet is half a 20 ms one, so the
    /// forgetting stays the same in time whatever the packet size).
    pub(crate) fn add_weighted(&mut self, ms: f64, weight: f64) {
        let i = ((ms.max(0.0) / BUCKET_MS) as usize).min(BUCKETS - 1);
        let forget = self.forget.powf(weight);
        for h in &mut self.buckets {
            *h *= forget;
        }
        self.buckets[i] += 1.0 - forget;
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.buckets.iter().all(|&h| h == 0.0)
    }

    /// The `q` quantile, ms (the top of its bucket: a target at it covers the bucket).
    pub(crate) fn percentile(&self, q: f64) -> f64 {
        let total: f64 = self.buckets.iter().sum();
        let mut acc = 0.0;
        for (i, h) in self.buckets.iter().enumerate() {
            acc += h;
            if acc >= q * total {
                return (i + 1) as f64 * BUCKET_MS;
            }
        }
        BUCKETS as f64 * BUCKET_MS
    }

    /// The delay `d` (a bucket's top, at least `floor`) that minimises
    /// `d - floor + cost_per_pct * (percent of samples over d)`: what waiting costs
    /// against what coming too late costs (libwebrtc NetEQ's reorder optimiser).
    pub(crate) fn cheapest(&self, floor: f64, cost_per_pct: f64) -> f64 {
        let total: f64 = self.buckets.iter().sum();
        if total <= 0.0 {
            return floor;
        }
        let mut over = 1.0;
        let mut best = (f64::INFINITY, floor);
        for (i, h) in self.buckets.iter().enumerate() {
            over -= h / total;
            let d = (i + 1) as f64 * BUCKET_MS;
            let cost = (d - floor).max(0.0) + cost_per_pct * 100.0 * over.max(0.0);
            if cost < best.0 {
                best = (cost, d.max(floor));
            }
            if over <= 1e-12 {
                break;
            }
        }
        best.1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_and_the_cheapest_delay_follow_the_samples() {
        let mut h = Histogram::new(0.999);
        // 97 % at 0–1 ms, 3 % at 41 ms.
        for i in 0..1000 {
            h.add(if i % 33 == 0 { 41.0 } else { 0.5 });
        }
        assert_eq!(h.percentile(0.5), 2.0);
        assert_eq!(h.percentile(0.99), 42.0);
        // Covering the 3 % costs 40 ms; leaving them late costs 3 × 20 = 60 ms.
        assert_eq!(h.cheapest(0.0, 20.0), 42.0);
        // At 10 ms per percent, 30 ms: cheaper to leave them late.
        assert_eq!(h.cheapest(0.0, 10.0), 2.0);
        // Nothing is cheaper than what is already held.
        assert_eq!(h.cheapest(50.0, 10.0), 50.0);
    }

    #[test]
    fn old_samples_are_forgotten() {
        let mut h = Histogram::new(0.99);
        for _ in 0..500 {
            h.add(100.0);
        }
        for _ in 0..500 {
            h.add(10.0);
        }
        assert_eq!(h.percentile(0.95), 12.0);
        assert!(!h.is_empty());
        assert!(Histogram::new(0.9).is_empty());
    }
}
