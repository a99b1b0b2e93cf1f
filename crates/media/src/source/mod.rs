//! Synthetic sources: the test-pattern picture with its stamp, the tone with beeps, and the
//! app's chime.

pub mod chime;
pub mod pattern;
pub mod stamp;
pub mod tone;

pub use pattern::{PatternVariant, TestPattern};
pub use stamp::Stamp;
pub use tone::{BeepConfig, BeepDetector, ToneConfig, ToneEstimate, ToneSource};
