//! Lip sync: the pure core (`core.rs`) that decides how much the stream ahead waits,
//! the voice's clock video frames are scheduled on (`clock.rs`),
//! the sender-report interceptor that feeds it (`reports.rs`), and what the session's
//! threads share (`link.rs`).

mod clock;
mod core;
mod driver;
mod link;
mod reports;
mod speaker;

pub use self::core::Playing;
pub use driver::SyncDriver;
pub use link::{Kind, SyncLink};
pub use reports::{SenderReportSync, SYNC_SLOT};
pub use speaker::SpeakerDelay;
