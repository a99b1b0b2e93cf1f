//! cargo-fuzz target; the check itself is `fuzz/checks/vp8_frames.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks/vp8_frames.rs"]
mod check;

fuzz_target!(|data: &[u8]| check::check(data));
