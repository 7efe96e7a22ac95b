//! Treatment courses: a series of sessions of one treatment for one patient, a recommended
//! number of sessions with a minimum and maximum interval between them. Pure rules: when the
//! next session may start, and whether a booking comes late. Intervals are counted in the
//! clinic's calendar days (28 days after a Monday session is any time on the Monday four weeks
//! on), so "the first valid date" is a whole day a patient can pick from.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use super::time::local_parts;

/// A treatment's recommended course.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoursePlan {
    pub sessions: u16,
    pub min_interval_days: u16,
    pub max_interval_days: u16,
}

/// One session of a course as the interval rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// When it was recorded complete (its real end).
    pub completed_at: Option<DateTime<Utc>>,
}

impl Session {
    /// What the interval is counted from: its recorded end once it has happened, its
    /// scheduled start while it is still ahead (or not yet recorded).
    pub fn anchor(&self) -> DateTime<Utc> {
        self.completed_at.unwrap_or(self.starts_at)
    }
}

/// How a new session's start sits against the course's others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spacing {
    /// The first session, or within the recommended interval.
    Fine,
    /// Too close to another session: the first date that would do after the previous one
    /// (when the clash is with a later session, `None`).
    TooSoon { earliest: Option<NaiveDate> },
    /// More than the maximum interval after the previous session: allowed, said gently.
    Late { days: i64 },
}

fn date_of(tz: Tz, t: DateTime<Utc>) -> NaiveDate {
    local_parts(tz, t).0
}

/// Checks a new start against the course's other sessions (cancelled ones left out).
pub fn spacing(plan: CoursePlan, tz: Tz, others: &[Session], start: DateTime<Utc>) -> Spacing {
    let min = Duration::days(i64::from(plan.min_interval_days));
    let max = i64::from(plan.max_interval_days);
    let day = date_of(tz, start);
    let previous = others
        .iter()
        .filter(|s| s.starts_at <= start)
        .max_by_key(|s| s.starts_at);
    let next = others
        .iter()
        .filter(|s| s.starts_at > start)
        .min_by_key(|s| s.starts_at);
    if let Some(p) = previous {
        let earliest = date_of(tz, p.anchor()) + min;
        if day < earliest {
            return Spacing::TooSoon {
                earliest: Some(earliest),
            };
        }
    }
    if let Some(n) = next
        && date_of(tz, n.starts_at) < day + min
    {
        return Spacing::TooSoon { earliest: None };
    }
    match previous {
        Some(p) if (day - date_of(tz, p.anchor())).num_days() > max => Spacing::Late {
            days: (day - date_of(tz, p.anchor())).num_days(),
        },
        _ => Spacing::Fine,
    }
}

/// The first date the next session may have, counted from the course's last session.
pub fn next_earliest(plan: CoursePlan, tz: Tz, sessions: &[Session]) -> Option<NaiveDate> {
    sessions
        .iter()
        .max_by_key(|s| s.starts_at)
        .map(|s| date_of(tz, s.anchor()) + Duration::days(i64::from(plan.min_interval_days)))
}

/// Checks an admin's course plan: sessions 1–50, intervals in days with min ≤ max.
pub fn parse_plan(sessions: &str, min: &str, max: &str) -> Result<CoursePlan, &'static str> {
    let sessions: u16 = sessions
        .trim()
        .parse()
        .ok()
        .filter(|n| (1..=50).contains(n))
        .ok_or("Sessions is a whole number from 1 to 50.")?;
    let min: u16 = min
        .trim()
        .parse()
        .ok()
        .filter(|n| *n <= 365)
        .ok_or("The minimum interval is a whole number of days from 0 to 365.")?;
    let max: u16 = max
        .trim()
        .parse()
        .ok()
        .filter(|n| *n <= 730 && *n >= min)
        .ok_or("The maximum interval is a whole number of days, at least the minimum.")?;
    Ok(CoursePlan {
        sessions,
        min_interval_days: min,
        max_interval_days: max,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 6, d, 9, 0, 0).unwrap()
    }

    fn date(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2030, 6, d).unwrap()
    }

    const TZ: Tz = chrono_tz::Europe::London;

    const PLAN: CoursePlan = CoursePlan {
        sessions: 3,
        min_interval_days: 7,
        max_interval_days: 14,
    };

    fn session(d: u32) -> Session {
        Session {
            starts_at: day(d),
            ends_at: day(d) + Duration::hours(1),
            completed_at: None,
        }
    }

    #[test]
    fn the_first_session_is_always_fine() {
        assert_eq!(spacing(PLAN, TZ, &[], day(1)), Spacing::Fine);
    }

    #[test]
    fn too_soon_after_a_scheduled_session_names_the_earliest_start() {
        assert_eq!(
            spacing(PLAN, TZ, &[session(1)], day(5)),
            Spacing::TooSoon {
                earliest: Some(date(8))
            }
        );
        // Any time that day: earlier in the day than the previous session is fine too.
        assert_eq!(
            spacing(PLAN, TZ, &[session(1)], day(8) - Duration::hours(2)),
            Spacing::Fine
        );
    }

    #[test]
    fn a_completed_session_counts_from_its_recorded_end() {
        // Started at 09:00 UTC on the 1st, recorded ended past midnight London time.
        let mut s = session(1);
        s.completed_at = Some(day(1) + Duration::hours(14));
        assert_eq!(
            spacing(PLAN, TZ, &[s], day(8)),
            Spacing::TooSoon {
                earliest: Some(date(9))
            }
        );
        assert_eq!(next_earliest(PLAN, TZ, &[s]), Some(date(9)));
    }

    #[test]
    fn too_close_before_a_later_session_is_refused() {
        assert_eq!(
            spacing(PLAN, TZ, &[session(20)], day(15)),
            Spacing::TooSoon { earliest: None }
        );
    }

    #[test]
    fn past_the_maximum_is_late_but_allowed() {
        assert_eq!(
            spacing(PLAN, TZ, &[session(1)], day(20)),
            Spacing::Late { days: 19 }
        );
    }

    #[test]
    fn plans_parse() {
        assert!(parse_plan("3", "28", "42").is_ok());
        assert!(parse_plan("0", "28", "42").is_err());
        assert!(parse_plan("3", "42", "28").is_err());
        assert!(parse_plan("x", "1", "2").is_err());
    }
}
