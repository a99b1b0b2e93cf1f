//! cargo-fuzz target; the check itself is `fuzz/checks/control_message.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks/control_message.rs"]
mod check;

fuzz_target!(|data: &[u8]| check::check(data));
