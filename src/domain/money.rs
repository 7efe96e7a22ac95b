//! Prices as staff type them (dollars) and as they are stored (whole cents).

/// The most a treatment may cost: keeps cents well inside an i32.
pub const MAX_DOLLARS: i64 = 1_000_000;

/// "150", "150.5", "$1,500.00" → cents. Refuses negative amounts, more than two decimals and
/// anything above `MAX_DOLLARS`.
pub fn parse_dollars(s: &str) -> Result<i32, String> {
    let bad = || "Enter an amount in dollars, e.g. 150 or 149.50.".to_string();
    let s = s.trim();
    let s = s.strip_prefix('$').unwrap_or(s).trim();
    if s.is_empty() {
        return Err(bad());
    }
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s, ""),
    };
    // Thousands separators are fine only between groups of three digits ("1,500", not "15,00").
    let groups: Vec<&str> = whole.split(',').collect();
    let grouped_ok = groups.len() == 1
        || (!groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3));
    let digits: String = groups.concat();
    if !grouped_ok
        || digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 2
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || (s.contains('.') && frac.is_empty())
    {
        return Err(bad());
    }
    if digits.len() > 9 {
        return Err(format!("At most ${MAX_DOLLARS} per session."));
    }
    let dollars: i64 = digits.parse().map_err(|_| bad())?;
    let cents_part: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().map_err(|_| bad())? * 10,
        _ => frac.parse().map_err(|_| bad())?,
    };
    let cents = dollars * 100 + cents_part;
    if cents > MAX_DOLLARS * 100 {
        return Err(format!("At most ${MAX_DOLLARS} per session."));
    }
    i32::try_from(cents).map_err(|_| bad())
}

/// Cents → the value an input shows: "150" or "149.50" (no separators, so it parses back).
pub fn dollars_input(cents: i32) -> String {
    if cents % 100 == 0 {
        format!("{}", cents / 100)
    } else {
        format!("{}.{:02}", cents / 100, cents % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_people_type() {
        assert_eq!(parse_dollars("150"), Ok(15_000));
        assert_eq!(parse_dollars(" $1,500 "), Ok(150_000));
        assert_eq!(parse_dollars("149.5"), Ok(14_950));
        assert_eq!(parse_dollars("0.05"), Ok(5));
        assert_eq!(parse_dollars("0"), Ok(0));
        for bad in [
            "",
            "-5",
            "abc",
            "1.234",
            "15,00",
            "1.",
            "$",
            "1 000",
            "2000000",
            "99999999999",
        ] {
            assert!(parse_dollars(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn round_trips() {
        for cents in [0, 5, 15_000, 14_950, 100_000_000] {
            assert_eq!(parse_dollars(&dollars_input(cents)), Ok(cents));
        }
    }
}
