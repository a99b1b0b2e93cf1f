#![allow(dead_code)]
pub mod machine;
pub mod pair;
