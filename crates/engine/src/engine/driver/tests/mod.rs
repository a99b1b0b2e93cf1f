//! The driver's unit tests: the real select loop, call machine and action executor
//! against a simulated signaling client and peer session (`sim.rs`). Each test injects
//! what the server or the session would report and checks what the driver asked of them
//! (the ordered [`Log`]) and what it told the app (engine events).

mod connected_call;
mod ending;
mod harness;
mod incoming;
