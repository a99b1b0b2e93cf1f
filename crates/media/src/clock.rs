//! The capture clock: microseconds since the UNIX epoch.
//!
//! Every process on one machine reads the same clock, so a receiver in another process
//! can subtract a frame's capture time from its own `now_us()` to get glass-to-glass
//! latency.

use std::time::{SystemTime, UNIX_EPOCH};

/// Microseconds since the UNIX epoch (0 if the system clock is before 1970).
pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}
