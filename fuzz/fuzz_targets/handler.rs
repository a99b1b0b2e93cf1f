//! cargo-fuzz target; the check itself is `fuzz/checks/handler.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks/handler.rs"]
mod check;

fuzz_target!(|data: &[u8]| check::check(data));
