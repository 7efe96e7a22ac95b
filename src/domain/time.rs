//! Local clinic time ↔ UTC. Instants are stored in UTC; people see the clinic's wall clock.

use chrono::{
    DateTime, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;

/// Where a wall-clock time of the clinic falls in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalInstant {
    /// The usual case.
    Single(DateTime<Utc>),
    /// Clocks went back: the wall time happened twice; both instants are given, earlier first.
    Twice(DateTime<Utc>, DateTime<Utc>),
    /// Clocks went forward: the wall time never happened that day.
    Skipped,
}

pub fn resolve_local(tz: Tz, date: NaiveDate, minute: u16) -> LocalInstant {
    let naive = local_naive(date, minute);
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => LocalInstant::Single(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => {
            LocalInstant::Twice(a.with_timezone(&Utc), b.with_timezone(&Utc))
        }
        LocalResult::None => LocalInstant::Skipped,
    }
}

/// Local midnight's instant when the whole local day keeps one UTC offset, as most days do: then
/// wall minute `m` of the day (0..=24 h) is that instant plus `m` minutes, with no zone look-up.
/// None on a day whose offset changes (DST days), where each time must go through the zone.
/// Comparing the offsets at both ends of the day relies on no zone changing its offset and back
/// within one day (none in the tz database does; a test checks every zone over 2026–27).
pub fn uniform_day_start(tz: Tz, date: NaiveDate) -> Option<DateTime<Utc>> {
    let LocalInstant::Single(start) = resolve_local(tz, date, 0) else {
        return None;
    };
    let offset = |t: DateTime<Utc>| tz.offset_from_utc_datetime(&t.naive_utc()).fix();
    (offset(start) == offset(start + chrono::Duration::days(1))).then_some(start)
}

/// A boundary of opening hours as an instant. A boundary inside a skipped hour moves to the
/// first instant after the gap; one inside a repeated hour takes its first occurrence.
pub fn boundary_instant(tz: Tz, date: NaiveDate, minute: u16) -> DateTime<Utc> {
    let mut naive = local_naive(date, minute);
    // Gaps are at most a few hours (usually one); walk forward minute by minute is cheap
    // enough for a boundary and exact for any zone's gap length.
    for _ in 0..(4 * 60) {
        match tz.from_local_datetime(&naive) {
            LocalResult::Single(t) => return t.with_timezone(&Utc),
            LocalResult::Ambiguous(a, _) => return a.with_timezone(&Utc),
            LocalResult::None => naive += chrono::Duration::minutes(1),
        }
    }
    // Unreachable for real zones; fall back to reading the wall time as UTC.
    naive.and_utc()
}

fn local_naive(date: NaiveDate, minute: u16) -> NaiveDateTime {
    if minute >= 24 * 60 {
        let next = date.succ_opt().unwrap_or(date);
        return next.and_time(NaiveTime::MIN);
    }
    let time = NaiveTime::from_hms_opt(u32::from(minute / 60), u32::from(minute % 60), 0)
        .unwrap_or(NaiveTime::MIN);
    date.and_time(time)
}

/// The local date and minute of the day of an instant, in the clinic's zone.
pub fn local_parts(tz: Tz, t: DateTime<Utc>) -> (NaiveDate, u16) {
    let local = t.with_timezone(&tz).naive_local();
    let minute = local
        .time()
        .signed_duration_since(NaiveTime::MIN)
        .num_minutes() as u16;
    (local.date(), minute)
}

/// The first and last instant of a local date (for fetching a day's appointments).
pub fn local_day_bounds(tz: Tz, date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    (
        boundary_instant(tz, date, 0),
        boundary_instant(tz, date, 24 * 60),
    )
}

pub fn today(tz: Tz, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

/// "Tuesday 3 March 2026"
pub fn date_label(date: NaiveDate) -> String {
    // By hand, as `time_label`: a booking page names a month of days.
    use chrono::Datelike;
    format!("{} {}", day_month_label(date), date.year())
}

/// "Tuesday 3 March"
pub fn day_month_label(date: NaiveDate) -> String {
    use chrono::Datelike;
    format!(
        "{} {} {}",
        super::hours::weekday_name(date.weekday()),
        date.day(),
        month_name(date)
    )
}

/// "March"
pub fn month_name(date: NaiveDate) -> &'static str {
    use chrono::Datelike;
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    NAMES[date.month0() as usize % 12]
}

/// "14:30" on the clinic's wall clock.
pub fn time_label(tz: Tz, t: DateTime<Utc>) -> String {
    // By hand: a strftime pattern is parsed on every call, and a day's page shows a hundred times.
    let local = t.with_timezone(&tz);
    format!("{:02}:{:02}", local.hour(), local.minute())
}

/// "Tuesday 3 March 2026 at 14:30 (GMT)"
pub fn datetime_label(tz: Tz, t: DateTime<Utc>) -> String {
    let local = t.with_timezone(&tz);
    format!(
        "{} at {} ({})",
        date_label(local.date_naive()),
        local.format("%H:%M"),
        local.format("%Z")
    )
}

/// RFC 3339 with the clinic's offset, as the API shows instants.
pub fn rfc3339_local(tz: Tz, t: DateTime<Utc>) -> String {
    t.with_timezone(&tz)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// Parses an instant given with an offset ("2026-03-03T14:30:00+00:00" or "...Z").
pub fn parse_instant(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| "not a date and time in RFC 3339 form, e.g. 2026-03-03T14:30:00+00:00".into())
}

/// Years outside 1900–9999 are refused: chrono reads dates out to ±262142, where the date
/// arithmetic and zone conversions that follow would overflow.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    use chrono::Datelike;
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| "not a date in the form YYYY-MM-DD".to_string())?;
    if (1900..=9999).contains(&d.year()) {
        Ok(d)
    } else {
        Err("not a date between the years 1900 and 9999".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn london_spring_gap_and_autumn_overlap() {
        let tz: Tz = "Europe/London".parse().unwrap();
        let spring = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        assert_eq!(resolve_local(tz, spring, 60 + 30), LocalInstant::Skipped);
        assert_eq!(
            boundary_instant(tz, spring, 60 + 30),
            "2026-03-29T01:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        let autumn = NaiveDate::from_ymd_opt(2026, 10, 25).unwrap();
        assert!(matches!(
            resolve_local(tz, autumn, 60 + 30),
            LocalInstant::Twice(_, _)
        ));
        let (start, end) = local_day_bounds(tz, autumn);
        assert_eq!((end - start).num_hours(), 25);
        let (start, end) = local_day_bounds(tz, spring);
        assert_eq!((end - start).num_hours(), 23);
    }

    #[test]
    fn labels_by_hand_match_chrono_formats() {
        let mut d = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        while d.format("%Y").to_string() == "2026" {
            assert_eq!(date_label(d), d.format("%A %-d %B %Y").to_string());
            assert_eq!(day_month_label(d), d.format("%A %-d %B").to_string());
            assert_eq!(month_name(d), d.format("%B").to_string());
            // What links carry: `Display` is the ISO date.
            assert_eq!(d.to_string(), d.format("%Y-%m-%d").to_string());
            d = d.succ_opt().unwrap();
        }
    }

    #[test]
    fn parses_instants_with_offsets() {
        let t = parse_instant("2026-03-03T14:30:00+01:00").unwrap();
        assert_eq!(t, "2026-03-03T13:30:00Z".parse::<DateTime<Utc>>().unwrap());
        assert!(parse_instant("2026-03-03 14:30").is_err());
    }

    #[test]
    fn no_zone_changes_its_offset_and_back_within_a_day() {
        // `uniform_day_start` compares the offsets at a day's two ends only; check, hour by
        // hour, that every zone's offset is the same all through each day it calls uniform.
        let mut date = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let last = NaiveDate::from_ymd_opt(2027, 12, 31).unwrap();
        while date <= last {
            for tz in chrono_tz::TZ_VARIANTS {
                let Some(start) = uniform_day_start(tz, date) else {
                    continue;
                };
                let offset = |t: DateTime<Utc>| tz.offset_from_utc_datetime(&t.naive_utc()).fix();
                for h in 1..24 {
                    let t = start + chrono::Duration::hours(h);
                    assert_eq!(offset(t), offset(start), "{tz} {date} +{h}h");
                }
            }
            date = date.succ_opt().unwrap();
        }
    }
}

/// "London time, BST": the zone a day's times are given in, named by its city and the
/// abbreviation in force at midday that date (so a day in winter says GMT).
pub fn zone_label(tz: Tz, date: NaiveDate) -> String {
    let noon = local_day_bounds(tz, date).0 + chrono::Duration::hours(12);
    let abbreviation = noon.with_timezone(&tz).format("%Z").to_string();
    let city = tz
        .name()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .replace('_', " ");
    if city.is_empty() || city == abbreviation {
        abbreviation
    } else {
        format!("{city} time, {abbreviation}")
    }
}

#[cfg(test)]
mod zone_label_tests {
    use super::*;

    #[test]
    fn names_the_city_and_the_abbreviation_of_the_season() {
        let london: Tz = "Europe/London".parse().unwrap();
        let summer = NaiveDate::from_ymd_opt(2030, 6, 4).unwrap();
        let winter = NaiveDate::from_ymd_opt(2030, 12, 4).unwrap();
        assert_eq!(zone_label(london, summer), "London time, BST");
        assert_eq!(zone_label(london, winter), "London time, GMT");
        let ny: Tz = "America/New_York".parse().unwrap();
        assert_eq!(zone_label(ny, winter), "New York time, EST");
        assert_eq!(zone_label(chrono_tz::UTC, winter), "UTC");
    }
}
