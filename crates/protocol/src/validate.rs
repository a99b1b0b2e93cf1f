//! Name and room rules.

/// The most characters a name or room may have after trimming.
pub const MAX_NAME_CHARS: usize = 64;

/// Why a name (or room) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Nothing left after trimming white space.
    #[error("must not be empty")]
    Empty,
    /// More than [`MAX_NAME_CHARS`] characters after trimming.
    #[error("must be at most {MAX_NAME_CHARS} characters, got {0}")]
    TooLong(usize),
    /// Contains a control character (e.g. newline, NUL, escape).
    #[error("must not contain control characters")]
    ControlCharacter,
}

/// Checks a display name and returns it trimmed: 1–64 characters after trimming, no
/// control characters.
pub fn validate_name(raw: &str) -> Result<String, NameError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(NameError::Empty);
    }
    let chars = trimmed.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(NameError::TooLong(chars));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(NameError::ControlCharacter);
    }
    Ok(trimmed.to_owned())
}

/// Checks a room name; the same rules as names.
pub fn validate_room(raw: &str) -> Result<String, NameError> {
    validate_name(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed() {
        assert_eq!(validate_name("  Alice \t").unwrap(), "Alice");
    }

    #[test]
    fn bounds_count_characters_not_bytes() {
        let max = "é".repeat(64);
        assert_eq!(validate_name(&max).unwrap(), max);
        assert_eq!(validate_name(&"é".repeat(65)), Err(NameError::TooLong(65)));
    }

    #[test]
    fn refuses_empty_and_control() {
        assert_eq!(validate_name(""), Err(NameError::Empty));
        assert_eq!(validate_name("   "), Err(NameError::Empty));
        assert_eq!(validate_name("a\u{0}b"), Err(NameError::ControlCharacter));
        assert_eq!(validate_name("a\nb"), Err(NameError::ControlCharacter));
        assert_eq!(
            validate_name("a\u{1b}[31m"),
            Err(NameError::ControlCharacter)
        );
        assert_eq!(validate_name("a\u{85}b"), Err(NameError::ControlCharacter));
    }
}
