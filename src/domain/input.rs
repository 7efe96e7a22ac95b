//! What staff type into the console's forms, read one way everywhere: whole numbers in a range,
//! single lines and free text, each with the same kind of message when it is wrong.

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
    if s.chars().any(char::is_control) {
        return Err("Line breaks and control characters can't be used here.".into());
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
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err("Control characters can't be used here.".into());
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
    }
}
