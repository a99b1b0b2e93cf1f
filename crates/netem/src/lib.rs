//! peercall-netem: a netem-like network emulator for Peercall's tests and benchmarks.
//!
//! The kernel on the project's machines has no `sch_netem`, but network namespaces and
//! `iptables-legacy … -j NFQUEUE` work: a rule hands every packet on `lo` to this process,
//! which drops it or withholds its verdict until the packet is due (`scripts/netem-run.sh`
//! sets that up around a command; `docs/netem.md` is the user's page).
//!
//! - [`spec`]: netem's syntax (`delay 50ms 10ms distribution normal loss 5% rate 2mbit`).
//! - [`model`]: the pure, seeded impairment model: (arrival time, length, flow) → drop or
//!   release time. No clock and no sockets, so its tests are exact. `rate` and `limit` are
//!   kept per flow (each direction of a call gets the full rate) unless shared.
//! - [`flow`]: a packet's flow (its UDP/TCP source) from the first bytes of its IP header.
//! - [`nfqueue`]: the small part of the nfnetlink_queue protocol the driver needs.
//! - [`namespace`]: for tests that run under `scripts/netem-run.sh`.
//! - [`driver`]: the loop that receives packets, asks the model, keeps a timer heap and
//!   issues the verdicts on time; statistics for the exit summary.
//!
//! # Why our own nfnetlink_queue client
//! The `nfq` crate (0.2.5, pure Rust over netlink, MIT/Apache) builds offline here and was
//! the first choice, but its `Queue` exposes no file descriptor: the only way to wait for
//! "a packet arrived *or* the next release is due" is a non-blocking `recv` polled in a
//! sleep loop, which burns CPU on the two-core benchmark machines and adds the sleep's
//! granularity to every delay. Verdicts must come from the socket that bound the queue, so a
//! second thread blocked in `recv` cannot help either. The protocol subset we need (bind
//! with copy parameters, receive packet id, length and first bytes, accept or drop by id,
//! unbind) is about 250 lines over `libc`; owning the socket lets the driver sleep in one `ppoll` with
//! a nanosecond timeout that also wakes on SIGTERM/SIGINT without a race. The
//! libnetfilter_queue bindings were not considered: they need the C library and are GPL.

pub mod driver;
pub mod flow;
pub mod model;
pub mod namespace;
pub mod nfqueue;
pub mod rng;
pub mod spec;

pub use flow::FlowKey;
pub use model::{Decision, DropReason, Impairment};
pub use spec::{Spec, SpecError};
