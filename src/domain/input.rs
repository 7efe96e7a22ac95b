//! What staff type into the console's forms, read one way everywhere: whole numbers in a range,
//! single lines and free text, each with the same kind of message when it is wrong.

/// Characters refused in anything people type: control characters (NUL included, which
/// PostgreSQL can't store), Unicode format characters (Cf: bidi overrides and isolates, zero-width
/// spaces, the BOM) and line/paragraph separators (Zl, Zp), which can make a name or a line read
/// differently from what it is. ZWNJ and ZWJ stay allowed: Persian, Indic scripts and emoji need them.
/// `newlines` allows `\n`, `\r` and `\t` (free text).
pub fn refused_char(c: char, newlines: bool) -> bool {
    if c.is_control() {
        return !(newlines && matches!(c, '\n' | '\r' | '\t'));
    }
    matches!(c,
        '\u{00AD}'
        | '\u{0600}'..='\u{0605}'
        | '\u{061C}'
        | '\u{06DD}'
        | '\u{070F}'
        | '\u{0890}'..='\u{0891}'
        | '\u{08E2}'
        | '\u{180E}'
        | '\u{200B}'
        | '\u{200E}'..='\u{200F}'
        | '\u{2028}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{110BD}'
        | '\u{110CD}'
        | '\u{13430}'..='\u{1343F}'
        | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0001}'
        | '\u{E0020}'..='\u{E007F}')
}

/// The message for a text holding a `refused_char`.
pub const REFUSED_CHAR_MESSAGE: &str = "Line breaks, control characters and invisible formatting characters (such as text-direction overrides) can't be used here.";

/// Reads a whole number in `range`, with one message for anything else, so every numeric field
/// of the console says the same kind of thing.
pub fn parse_int_in(
    s: &str,
    range: std::ops::RangeInclusive<i32>,
    unit: &str,
) -> Result<i32, String> {
    let message = || {
        format!(
            "Enter a whole number of {unit} from {} to {}.",
            range.start(),
            range.end()
        )
    };
    let n: i32 = s.trim().parse().map_err(|_| message())?;
    if range.contains(&n) {
        Ok(n)
    } else {
        Err(message())
    }
}

/// A required single-line text of at most `max` characters, trimmed.
pub fn parse_line(s: &str, max: usize, what: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err(format!("Please enter {what}."));
    }
    if s.chars().count() > max {
        return Err(format!("At most {max} characters, please."));
    }
    if s.chars().any(|c| refused_char(c, false)) {
        return Err(REFUSED_CHAR_MESSAGE.into());
    }
    Ok(s.to_string())
}

/// Free text of at most `max` characters (line breaks allowed); `required` refuses an empty one.
pub fn parse_text(s: &str, max: usize, required: Option<&str>) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty()
        && let Some(what) = required
    {
        return Err(format!("Please enter {what}."));
    }
    if s.chars().count() > max {
        return Err(format!("At most {max} characters, please."));
    }
    if s.chars().any(|c| refused_char(c, true)) {
        return Err(
            "Control characters and invisible formatting characters (such as text-direction overrides) can't be used here."
                .into(),
        );
    }
    // Browsers send CRLF from textareas; store plain newlines.
    Ok(s.replace("\r\n", "\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_text() {
        assert_eq!(parse_int_in(" 15 ", 5..=240, "minutes"), Ok(15));
        assert!(parse_int_in("4", 5..=240, "minutes").is_err());
        assert!(parse_int_in("1.5", 5..=240, "minutes").is_err());
        assert!(parse_line("  ", 10, "a name").is_err());
        assert!(parse_line("a\nb", 10, "a name").is_err());
        assert_eq!(parse_text("a\r\nb", 10, None), Ok("a\nb".into()));
        assert!(parse_text("", 10, Some("a description")).is_err());
        for bad in [
            "a\u{202E}b",
            "a\u{2028}b",
            "a\u{2029}b",
            "a\0b",
            "a\u{200B}b",
            "a\u{2066}b",
        ] {
            assert!(parse_line(bad, 10, "a name").is_err(), "{bad:?}");
            assert!(parse_text(bad, 10, None).is_err(), "{bad:?}");
        }
        assert!(parse_line("نام\u{200C}ها", 10, "a name").is_ok());
    }
}
