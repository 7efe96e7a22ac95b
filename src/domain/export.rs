//! The appointment export: which local dates it covers, and cells a spreadsheet can't run.

use chrono::{Duration, NaiveDate};

use crate::domain::errors::FieldErrors;
use crate::domain::time::parse_date;

/// A bound on one file, so one request can't ask for decades of rows.
pub const MAX_DAYS: i64 = 366;

/// Local dates `from` to `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

pub fn parse_range(from: &str, to: &str) -> Result<DateRange, FieldErrors> {
    let mut e = FieldErrors::new();
    let f = e.take(
        "from",
        parse_date(from).map_err(|m| format!("The start date is {m}.")),
    );
    let t = e.take(
        "to",
        parse_date(to).map_err(|m| format!("The end date is {m}.")),
    );
    if let (Some(f), Some(t)) = (f, t) {
        if t < f {
            e.add("to", "The end date can't be before the start date.");
        } else if t - f >= Duration::days(MAX_DAYS) {
            e.add("to", format!("Export at most {MAX_DAYS} days at a time."));
        }
    }
    match (f, t) {
        (Some(from), Some(to)) if e.is_empty() => Ok(DateRange { from, to }),
        _ => Err(e),
    }
}

/// A cell a spreadsheet would read as a formula (`=HYPERLINK(…)` typed as a patient's name) gets a
/// leading apostrophe, which spreadsheets show as text. Phone numbers like "+44 20 7946 0000"
/// are left alone: made of digits and separators only, they can't call anything.
pub fn spreadsheet_safe(cell: &str) -> String {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let phone_like = cell
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if risky && !phone_like {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        let r = parse_range("2030-06-01", "2030-06-30").unwrap();
        assert_eq!(r.to.to_string(), "2030-06-30");
        assert!(parse_range("2030-06-01", "2030-06-01").is_ok());
        let e = parse_range("June", "2030-06-01").unwrap_err();
        assert!(e.get("from").is_some());
        let e = parse_range("2030-06-02", "2030-06-01").unwrap_err();
        assert!(e.get("to").unwrap().contains("before"));
        assert!(parse_range("2030-01-01", "2031-06-01").is_err());
    }

    #[test]
    fn formulas_are_defused() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("+44 20 7946 0000"), "+44 20 7946 0000");
        assert_eq!(spreadsheet_safe("Ann Lee"), "Ann Lee");
    }
}
