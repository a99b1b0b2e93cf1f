//! The speaker's settings: [`SpeakerOptions::default`], each overridable from the
//! environment to measure another setting without a rebuild (`scripts/bench-mouth-to-ear.sh`,
//! `BENCH_BOB_ENV`). Pure: the lookup is passed in.
//!
//! - `PEERCALL_SPEAKER_PERIOD`: device period, frames (cpal keeps two in the ALSA buffer)
//! - `PEERCALL_SPEAKER_PREBUFFER_MS`: queued beyond one period before playing
//! - `PEERCALL_SPEAKER_MAX_MS`: above this much queued the oldest audio is skipped
//!
//! A value that does not parse, or is out of range, is ignored (and logged).

use peercall_media::audio::SpeakerOptions;

use crate::tuning_env::read_u32;

/// (variable, lowest, highest) for period, prebuffer, max.
const PERIOD: (&str, u32, u32) = ("PEERCALL_SPEAKER_PERIOD", 64, 16_384);
const PREBUFFER: (&str, u32, u32) = ("PEERCALL_SPEAKER_PREBUFFER_MS", 0, 500);
const MAX: (&str, u32, u32) = ("PEERCALL_SPEAKER_MAX_MS", 10, 2_000);

/// The defaults with what `env` overrides.
pub(crate) fn from_env(env: impl Fn(&str) -> Option<String>) -> SpeakerOptions {
    let mut o = SpeakerOptions::default();
    let read = |(name, lo, hi): (&str, u32, u32), into: &mut u32| {
        if let Some(v) = read_u32(&env, name, lo, hi) {
            *into = v;
        }
    };
    read(PERIOD, &mut o.buffer_frames);
    read(PREBUFFER, &mut o.prebuffer_ms);
    read(MAX, &mut o.max_buffer_ms);
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (variables set, period, prebuffer, max).
    type Row = (&'static [(&'static str, &'static str)], u32, u32, u32);

    #[test]
    fn each_variable_overrides_its_setting_within_range() {
        let d = SpeakerOptions::default();
        let table: [Row; 5] = [
            (&[], d.buffer_frames, d.prebuffer_ms, d.max_buffer_ms),
            (
                &[("PEERCALL_SPEAKER_PERIOD", "512")],
                512,
                d.prebuffer_ms,
                d.max_buffer_ms,
            ),
            (
                &[
                    ("PEERCALL_SPEAKER_PREBUFFER_MS", " 20 "),
                    ("PEERCALL_SPEAKER_MAX_MS", "120"),
                ],
                d.buffer_frames,
                20,
                120,
            ),
            (
                &[("PEERCALL_SPEAKER_PERIOD", "lots")],
                d.buffer_frames,
                d.prebuffer_ms,
                d.max_buffer_ms,
            ),
            (
                &[("PEERCALL_SPEAKER_PERIOD", "1")],
                d.buffer_frames,
                d.prebuffer_ms,
                d.max_buffer_ms,
            ),
        ];
        for (vars, period, prebuffer, max) in table {
            let o = from_env(|name| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            });
            assert_eq!(
                (o.buffer_frames, o.prebuffer_ms, o.max_buffer_ms),
                (period, prebuffer, max),
                "{vars:?}"
            );
        }
    }
}
