//! Time off as staff enter it: local date and time in the clinic's zone, stored as UTC instants.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::domain::errors::FieldErrors;

/// Longer absences are entered in several pieces; this catches a mistyped year.
pub const MAX_DAYS: i64 = 366;
pub const MAX_REASON_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeOffSpan {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub reason: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Edge {
    Start,
    End,
}

/// "2030-06-04T13:00" (what `<input type="datetime-local">` sends) or "2030-06-04 13:00".
fn parse_local(s: &str) -> Result<NaiveDateTime, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("Enter a date and time.".into());
    }
    [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .filter(|t| (1900..=9999).contains(&chrono::Datelike::year(t)))
    .ok_or_else(|| "Use a date and time like 2030-06-04 13:00.".into())
}

/// A wall time of the clinic as an instant. When clocks go back the time happens twice: the
/// start takes the first and the end the second occurrence, so the time off covers the whole of
/// what was typed. A time skipped when clocks go forward is refused with a clear message.
fn resolve(tz: Tz, local: NaiveDateTime, edge: Edge) -> Result<DateTime<Utc>, String> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, second) => Ok(match edge {
            Edge::Start => first.with_timezone(&Utc),
            Edge::End => second.with_timezone(&Utc),
        }),
        LocalResult::None => Err(format!(
            "{} doesn't exist in {} (the clocks go forward then); pick a time outside the jump.",
            local.format("%Y-%m-%d %H:%M"),
            tz.name()
        )),
    }
}

/// Checks the form's `starts`, `ends` and `reason`.
pub fn parse(tz: Tz, starts: &str, ends: &str, reason: &str) -> Result<TimeOffSpan, FieldErrors> {
    let mut errors = FieldErrors::new();
    let start = errors.take(
        "starts",
        parse_local(starts).and_then(|l| resolve(tz, l, Edge::Start)),
    );
    let end = errors.take(
        "ends",
        parse_local(ends).and_then(|l| resolve(tz, l, Edge::End)),
    );
    let reason = reason.trim();
    if reason.chars().count() > MAX_REASON_CHARS {
        errors.add(
            "reason",
            format!("At most {MAX_REASON_CHARS} characters, please."),
        );
    } else if reason.chars().any(|c| super::input::refused_char(c, false)) {
        errors.add(
            "reason",
            "Line breaks and control characters can't be used here.",
        );
    }
    if let (Some(s), Some(e)) = (start, end) {
        if e <= s {
            errors.add("ends", "The end must be after the start.");
        } else if e - s > chrono::Duration::days(MAX_DAYS) {
            errors.add("ends", format!("At most {MAX_DAYS} days at a time."));
        }
    }
    match (start, end) {
        (Some(start), Some(end)) if errors.is_empty() => Ok(TimeOffSpan {
            start,
            end,
            reason: reason.to_string(),
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn london() -> Tz {
        "Europe/London".parse().unwrap()
    }

    #[test]
    fn local_times_become_utc() {
        let span = parse(
            london(),
            "2030-06-04T13:00",
            "2030-06-04 17:30",
            " Dentist ",
        )
        .unwrap();
        assert_eq!(
            span.start,
            "2030-06-04T12:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(
            span.end,
            "2030-06-04T16:30:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(span.reason, "Dentist");
    }

    #[test]
    fn dst_gap_is_refused_and_overlap_covers_both() {
        let e = parse(london(), "2030-03-31T01:30", "2030-03-31T05:00", "").unwrap_err();
        assert!(e.get("starts").unwrap().contains("clocks go forward"));
        // 27 Oct 2030: 01:00–02:00 happens twice in London.
        let span = parse(london(), "2030-10-27T01:30", "2030-10-27T01:45", "").unwrap();
        assert_eq!(
            span.start,
            "2030-10-27T00:30:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(
            span.end,
            "2030-10-27T01:45:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }

    #[test]
    fn names_each_bad_field() {
        let e = parse(london(), "tomorrow", "", "").unwrap_err();
        assert!(e.get("starts").is_some() && e.get("ends").is_some());
        let e = parse(london(), "2030-06-04T13:00", "2030-06-04T12:00", "").unwrap_err();
        assert!(e.get("ends").unwrap().contains("after the start"));
        let e = parse(london(), "2030-06-04T13:00", "2032-06-04T12:00", "").unwrap_err();
        assert!(e.get("ends").is_some());
        let e = parse(
            london(),
            "2030-06-04T13:00",
            "2030-06-04T14:00",
            &"x".repeat(201),
        )
        .unwrap_err();
        assert!(e.get("reason").is_some());
    }
}
