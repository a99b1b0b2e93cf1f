//! Settings a benchmark may override from the environment without a rebuild
//! (`PEERCALL_SPEAKER_*`, `PEERCALL_SYNC_*`): one reader, so each variable parses and
//! fails the same way. Pure: the lookup is passed in.

/// `name`'s value from `env` when it is a whole number within `lo..=hi`; a value that
/// does not parse, or is out of range, is ignored and logged.
pub(crate) fn read_u32(
    env: &impl Fn(&str) -> Option<String>,
    name: &str,
    lo: u32,
    hi: u32,
) -> Option<u32> {
    let text = env(name)?;
    match text.trim().parse::<u32>() {
        Ok(v) if (lo..=hi).contains(&v) => Some(v),
        _ => {
            tracing::warn!("{name}={text:?} ignored (expected {lo}..={hi})");
            None
        }
    }
}

/// The process environment as a lookup for [`read_u32`].
pub(crate) fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_within_range_only() {
        // (value set, result for 10..=100)
        let table = [
            (None, None),
            (Some("42"), Some(42)),
            (Some(" 10 "), Some(10)),
            (Some("100"), Some(100)),
            (Some("9"), None),
            (Some("101"), None),
            (Some("-1"), None),
            (Some("4.5"), None),
            (Some("lots"), None),
        ];
        for (value, want) in table {
            let env = |_: &str| value.map(str::to_owned);
            assert_eq!(read_u32(&env, "X", 10, 100), want, "{value:?}");
        }
    }
}
