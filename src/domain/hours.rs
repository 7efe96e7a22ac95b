//! Weekly opening and working hours as minutes of the local day.

use chrono::Weekday;

/// A span of the local day, in minutes since local midnight, `start` inclusive, `end` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MinuteRange {
    pub start: u16,
    pub end: u16,
}

impl MinuteRange {
    pub fn new(start: u16, end: u16) -> Result<Self, String> {
        if end > 24 * 60 {
            return Err("hours end after midnight".into());
        }
        if start >= end {
            return Err("an interval must end after it starts".into());
        }
        Ok(Self { start, end })
    }

    pub fn intersect(&self, other: &MinuteRange) -> Option<MinuteRange> {
        let start = self.start.max(other.start);
        let end = self.end.min(other.end);
        (start < end).then_some(MinuteRange { start, end })
    }

    pub fn contains_span(&self, start: u16, minutes: u16) -> bool {
        start >= self.start && u32::from(start) + u32::from(minutes) <= u32::from(self.end)
    }

    /// "09:00–17:30", for pages.
    pub fn label(&self) -> String {
        format!("{}–{}", minute_label(self.start), minute_label(self.end))
    }
}

pub fn minute_label(m: u16) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// Parses "HH:MM" into minutes since midnight ("24:00" allowed as an end of day).
pub fn parse_minute(s: &str) -> Result<u16, String> {
    let (h, m) = s.trim().split_once(':').ok_or("use the form HH:MM")?;
    let h: u16 = h.parse().map_err(|_| "use the form HH:MM")?;
    let m: u16 = m.parse().map_err(|_| "use the form HH:MM")?;
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return Err("not a time of day".into());
    }
    Ok(h * 60 + m)
}

/// Hours for each weekday; a day may have several intervals (a lunch break) or none (closed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeeklyHours {
    days: [Vec<MinuteRange>; 7],
}

impl WeeklyHours {
    pub fn add(&mut self, day: Weekday, range: MinuteRange) {
        let v = &mut self.days[day.num_days_from_monday() as usize];
        v.push(range);
        v.sort_by_key(|r| r.start);
    }

    pub fn on(&self, day: Weekday) -> &[MinuteRange] {
        &self.days[day.num_days_from_monday() as usize]
    }

    /// The first day from `from` (within a week) with any open hours; `from` itself when the
    /// week has none.
    pub fn next_open_day(&self, from: chrono::NaiveDate) -> chrono::NaiveDate {
        use chrono::Datelike;
        (0..7)
            .filter_map(|n| from.checked_add_days(chrono::Days::new(n)))
            .find(|d| !self.on(d.weekday()).is_empty())
            .unwrap_or(from)
    }

    /// The spans open in both: a practitioner only works while the clinic is open.
    pub fn intersect_day(&self, other: &WeeklyHours, day: Weekday) -> Vec<MinuteRange> {
        let mut out = Vec::new();
        for a in self.on(day) {
            for b in other.on(day) {
                if let Some(r) = a.intersect(b) {
                    out.push(r);
                }
            }
        }
        out.sort_by_key(|r| r.start);
        out
    }
}

/// Weekday as stored: 0 = Monday … 6 = Sunday.
pub fn weekday_from_index(i: i32) -> Option<Weekday> {
    match i {
        0 => Some(Weekday::Mon),
        1 => Some(Weekday::Tue),
        2 => Some(Weekday::Wed),
        3 => Some(Weekday::Thu),
        4 => Some(Weekday::Fri),
        5 => Some(Weekday::Sat),
        6 => Some(Weekday::Sun),
        _ => None,
    }
}

pub fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_next_open_day_skips_closed_days() {
        use chrono::{NaiveDate, Weekday};
        let mut h = super::WeeklyHours::default();
        h.add(Weekday::Mon, super::MinuteRange::new(540, 1020).unwrap());
        let sat = NaiveDate::from_ymd_opt(2030, 6, 8).unwrap();
        assert_eq!(
            h.next_open_day(sat),
            NaiveDate::from_ymd_opt(2030, 6, 10).unwrap()
        );
        let mon = NaiveDate::from_ymd_opt(2030, 6, 10).unwrap();
        assert_eq!(h.next_open_day(mon), mon);
        assert_eq!(super::WeeklyHours::default().next_open_day(sat), sat);
    }

    use super::*;

    #[test]
    fn parses_times_of_day() {
        assert_eq!(parse_minute("09:30"), Ok(570));
        assert_eq!(parse_minute("24:00"), Ok(1440));
        assert!(parse_minute("24:01").is_err());
        assert!(parse_minute("9").is_err());
        assert!(parse_minute("09:60").is_err());
    }

    #[test]
    fn intersects_clinic_and_practitioner_hours() {
        let mut clinic = WeeklyHours::default();
        clinic.add(Weekday::Mon, MinuteRange::new(540, 1080).unwrap());
        let mut p = WeeklyHours::default();
        p.add(Weekday::Mon, MinuteRange::new(480, 720).unwrap());
        p.add(Weekday::Mon, MinuteRange::new(780, 1200).unwrap());
        assert_eq!(
            clinic.intersect_day(&p, Weekday::Mon),
            vec![
                MinuteRange {
                    start: 540,
                    end: 720
                },
                MinuteRange {
                    start: 780,
                    end: 1080
                }
            ]
        );
        assert!(clinic.intersect_day(&p, Weekday::Tue).is_empty());
    }
}
