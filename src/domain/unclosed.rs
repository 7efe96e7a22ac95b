//! Sessions nobody closed: still booked or checked in after their clinic day ended. Aftercare
//! is planned only when staff mark a session completed, so until someone closes it the patient
//! gets nothing; the dashboard and a daily summary to the clinic say which ones wait.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;

use super::appointment::Status;
use super::hours::WeeklyHours;
use super::time::{boundary_instant, local_parts};

/// When the clinic's day `date` is over: its last closing time, or midnight after it when the
/// clinic has no hours that day (a session booked on a closed day is over at the day's end).
pub fn day_over_at(tz: Tz, hours: &WeeklyHours, date: NaiveDate) -> DateTime<Utc> {
    match hours.on(date.weekday()).iter().map(|r| r.end).max() {
        Some(close) => boundary_instant(tz, date, close),
        None => boundary_instant(tz, date, 24 * 60),
    }
}

/// Whether a session starting at `start` is still open (booked or checked in) after its clinic
/// day is over.
pub fn is_unclosed(
    status: Status,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
    tz: Tz,
    hours: &WeeklyHours,
) -> bool {
    matches!(status, Status::Booked | Status::CheckedIn)
        && now >= day_over_at(tz, hours, local_parts(tz, start).0)
}

/// Whether the daily summary for `today` is due at `now`: once the sending window opens, and
/// only if it has not gone for this day (`last` is the day it last went, as stored).
pub fn summary_due(today: NaiveDate, last: &str, window_open: bool) -> bool {
    window_open && last < today.format("%Y-%m-%d").to_string().as_str()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::hours::MinuteRange;

    const LONDON: Tz = chrono_tz::Europe::London;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_session_is_unclosed_once_its_clinic_day_is_over() {
        let mut hours = WeeklyHours::default();
        hours.add(chrono::Weekday::Mon, MinuteRange::new(540, 1080).unwrap());
        let start = t("2030-06-03T09:00:00Z"); // Monday 10:00 BST
        // Closing is 18:00 BST = 17:00Z.
        assert!(!is_unclosed(
            Status::Booked,
            start,
            t("2030-06-03T16:59:00Z"),
            LONDON,
            &hours
        ));
        assert!(is_unclosed(
            Status::CheckedIn,
            start,
            t("2030-06-03T17:00:00Z"),
            LONDON,
            &hours
        ));
        assert!(!is_unclosed(
            Status::Completed,
            start,
            t("2030-06-04T09:00:00Z"),
            LONDON,
            &hours
        ));
        // Tuesday has no hours: over at midnight.
        let tue = t("2030-06-04T09:00:00Z");
        assert_eq!(
            day_over_at(LONDON, &hours, NaiveDate::from_ymd_opt(2030, 6, 4).unwrap()),
            t("2030-06-04T23:00:00Z")
        );
        assert!(!is_unclosed(
            Status::Booked,
            tue,
            t("2030-06-04T22:00:00Z"),
            LONDON,
            &hours
        ));
    }

    #[test]
    fn the_summary_goes_once_a_day_in_the_window() {
        let d = NaiveDate::from_ymd_opt(2030, 6, 4).unwrap();
        assert!(summary_due(d, "", true));
        assert!(summary_due(d, "2030-06-03", true));
        assert!(!summary_due(d, "2030-06-04", true));
        assert!(!summary_due(d, "2030-06-03", false));
    }
}
