//! Peercall call engine.
pub mod call;
