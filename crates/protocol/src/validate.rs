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
    /// Contains an invisible formatting character (zero-width space, bidi override…) or is
    /// made only of characters that draw nothing, so two names could look alike or one
    /// could look empty.
    #[error("must not contain invisible or text-direction characters")]
    InvisibleCharacter,
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
    let chars: Vec<char> = trimmed.chars().collect();
    let hidden = (0..chars.len()).any(|i| is_format(chars[i]) && !is_emoji_joiner(&chars, i));
    if hidden || chars.iter().all(|&c| draws_nothing(c)) {
        return Err(NameError::InvisibleCharacter);
    }
    Ok(trimmed.to_owned())
}

/// Unicode's format characters (general category Cf): zero-width spaces and joiners, bidi
/// embeddings, overrides and isolates, the soft hyphen, tags, the byte-order mark… They draw
/// nothing, so a name holding one can pass for another ("Alice" and "Al\u{200B}ice") or
/// reverse the text around it (U+202E). The ranges are written out rather than taken from a
/// Unicode-tables crate: they are few and stable, and this one check would not pay for a
/// dependency in every client.
fn is_format(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x061C | 0x06DD | 0x070F | 0x0890..=0x0891 | 0x08E2 | 0x0600..=0x0605
        | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F
        | 0xFEFF | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x13430..=0x1343F
        | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F)
}

/// A zero-width joiner inside an emoji sequence (👩‍💻, 🏳️‍🌈) is how the emoji is drawn, not
/// a hidden character: allowed between two pictographs (or a pictograph and its variation
/// selector / skin tone).
fn is_emoji_joiner(chars: &[char], i: usize) -> bool {
    let pictographic = |c: char| {
        let c = c as u32;
        c >= 0x1F000 || (0x2600..=0x27BF).contains(&c) || c == 0xFE0F
    };
    chars[i] == '\u{200D}'
        && i > 0
        && i + 1 < chars.len()
        && pictographic(chars[i - 1])
        && pictographic(chars[i + 1])
}

/// Characters that are letters or symbols to Unicode but draw as blank space (Hangul fillers,
/// the blank Braille pattern), plus white space and format characters: a name made only of
/// them looks empty.
fn draws_nothing(c: char) -> bool {
    c.is_whitespace()
        || is_format(c)
        || matches!(
            c as u32,
            0x115F | 0x1160 | 0x3164 | 0xFFA0 | 0x2800 | 0x034F
        )
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

    #[test]
    fn refuses_invisible_and_direction_characters() {
        for name in [
            "Al\u{200B}ice",        // zero-width space: "Alice" twice
            "\u{202E}ecilA",        // right-to-left override
            "Bob\u{2066}x\u{2069}", // isolates
            "Eve\u{00AD}",          // soft hyphen
            "\u{FEFF}Mallory",      // byte-order mark
            "Al\u{200D}ice",        // a joiner between letters
            "x\u{E0041}",           // a tag character
            "\u{3164}",             // Hangul filler: a name that looks empty
            "\u{2800}\u{2800}",     // blank Braille
        ] {
            assert_eq!(
                validate_name(name),
                Err(NameError::InvisibleCharacter),
                "{name:?}"
            );
        }
    }

    #[test]
    fn keeps_emoji_sequences_and_other_scripts() {
        for name in [
            "👩\u{200D}💻 Ada",
            "🏳\u{FE0F}\u{200D}🌈",
            "Zoë",
            "Дмитрий",
            "محمد",
            "李小龙",
            "ㅎ한",
        ] {
            assert_eq!(validate_name(name).as_deref(), Ok(name), "{name:?}");
        }
    }
}
