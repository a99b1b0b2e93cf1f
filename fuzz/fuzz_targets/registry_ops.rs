//! cargo-fuzz target; the check itself is `fuzz/checks/registry_ops.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks/registry_ops.rs"]
mod check;

fuzz_target!(|data: &[u8]| check::check(data));
