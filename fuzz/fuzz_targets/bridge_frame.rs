//! cargo-fuzz target; the check itself is `fuzz/checks/bridge_frame.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks/bridge_frame.rs"]
mod check;

fuzz_target!(|data: &[u8]| check::check(data));
