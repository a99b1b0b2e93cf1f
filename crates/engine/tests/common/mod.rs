#![allow(dead_code)]
pub mod coturn;
pub mod engine;
pub mod machine;
pub mod pair;
pub mod relay;
pub mod server_process;
pub mod sessions;
pub mod wire;
