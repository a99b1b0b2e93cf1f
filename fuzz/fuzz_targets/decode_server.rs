//! cargo-fuzz target; the check itself is `fuzz/checks/decode_server.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks/decode_server.rs"]
mod check;

fuzz_target!(|data: &[u8]| check::check(data));
