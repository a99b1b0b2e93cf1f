#![allow(dead_code)]
pub mod engine;
pub mod machine;
pub mod pair;
pub mod server_process;
pub mod sessions;
