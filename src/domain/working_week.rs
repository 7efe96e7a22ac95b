//! The weekly hours editor (clinic opening hours and practitioners' working hours): per weekday
//! up to two intervals, typed as HH:MM, checked and turned into `WeeklyHours`.

use chrono::Weekday;

use crate::domain::errors::FieldErrors;
use crate::domain::hours::{MinuteRange, WeeklyHours, minute_label, parse_minute};

/// Enough for a day with a lunch break; more would only clutter the form.
pub const INTERVALS_PER_DAY: usize = 2;

pub const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// One interval as typed: "09:00" and "13:00", or both empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntervalInput {
    pub from: String,
    pub to: String,
}

/// The whole week as typed, Monday first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeekInput {
    pub days: [[IntervalInput; INTERVALS_PER_DAY]; 7],
}

/// Form field names: `d0_1_from`, `d0_1_to` … (day 0 = Monday, interval 1 or 2).
pub fn field_name(day: usize, interval: usize, end: &str) -> String {
    format!("d{day}_{}_{end}", interval + 1)
}

/// The key a day's problems are reported under.
pub fn day_key(day: usize) -> String {
    format!("d{day}")
}

impl WeekInput {
    /// Reads the week from a field lookup (the form's fields).
    pub fn read(get: impl Fn(&str) -> String) -> Self {
        let mut w = WeekInput::default();
        for (d, day) in w.days.iter_mut().enumerate() {
            for (i, iv) in day.iter_mut().enumerate() {
                iv.from = get(&field_name(d, i, "from")).trim().to_string();
                iv.to = get(&field_name(d, i, "to")).trim().to_string();
            }
        }
        w
    }

    /// The form prefilled with stored hours (intervals beyond the form's two are not shown).
    pub fn from_hours(hours: &WeeklyHours) -> Self {
        let mut w = WeekInput::default();
        for (d, day) in WEEK.iter().enumerate() {
            for (i, r) in hours.on(*day).iter().take(INTERVALS_PER_DAY).enumerate() {
                w.days[d][i] = IntervalInput {
                    from: minute_label(r.start),
                    to: minute_label(r.end),
                };
            }
        }
        w
    }

    /// Checks every day; each problem is reported under its day (`d0` … `d6`).
    pub fn parse(&self) -> Result<WeeklyHours, FieldErrors> {
        let mut hours = WeeklyHours::default();
        let mut errors = FieldErrors::new();
        for (d, day) in self.days.iter().enumerate() {
            let key = day_key(d);
            let mut ranges: Vec<MinuteRange> = Vec::new();
            for iv in day {
                match parse_interval(iv) {
                    Ok(Some(r)) => ranges.push(r),
                    Ok(None) => {}
                    Err(e) => errors.add(&key, e),
                }
            }
            ranges.sort_by_key(|r| r.start);
            if ranges.len() == 2 && ranges[0].end > ranges[1].start {
                errors.add(
                    &key,
                    "The two intervals overlap; use one longer interval instead.",
                );
            }
            for r in ranges {
                hours.add(WEEK[d], r);
            }
        }
        if errors.is_empty() {
            Ok(hours)
        } else {
            Err(errors)
        }
    }
}

fn parse_interval(iv: &IntervalInput) -> Result<Option<MinuteRange>, String> {
    match (iv.from.is_empty(), iv.to.is_empty()) {
        (true, true) => return Ok(None),
        (false, true) | (true, false) => {
            return Err("Give both a start and an end time (HH:MM), or leave both empty.".into());
        }
        _ => {}
    }
    let from = parse_minute(&iv.from).map_err(|e| format!("Start time: {e}."))?;
    let to = parse_minute(&iv.to).map_err(|e| format!("End time: {e}."))?;
    if from >= to {
        return Err(format!(
            "{}–{}: the end must be after the start (hours can't run past midnight).",
            iv.from, iv.to
        ));
    }
    MinuteRange::new(from, to).map(Some)
}

/// Every interval of the week as (weekday index 0 = Monday, start, end), for storing.
pub fn rows(hours: &WeeklyHours) -> Vec<(i32, i32, i32)> {
    WEEK.iter()
        .enumerate()
        .flat_map(|(d, day)| {
            hours
                .on(*day)
                .iter()
                .map(move |r| (d as i32, i32::from(r.start), i32::from(r.end)))
        })
        .collect()
}

/// "Mon 09:00–13:00, 14:00–18:00; Tue closed; …" for the audit trail.
pub fn summary(hours: &WeeklyHours) -> Vec<String> {
    WEEK.iter()
        .map(|day| {
            let spans = hours.on(*day);
            let text = if spans.is_empty() {
                "closed".to_string()
            } else {
                spans
                    .iter()
                    .map(MinuteRange::label)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            format!("{day} {text}")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn week(entries: &[(usize, usize, &str, &str)]) -> WeekInput {
        let mut w = WeekInput::default();
        for &(d, i, from, to) in entries {
            w.days[d][i] = IntervalInput {
                from: from.into(),
                to: to.into(),
            };
        }
        w
    }

    #[test]
    fn parses_a_week_with_a_lunch_break() {
        let h = week(&[
            (0, 0, "09:00", "13:00"),
            (0, 1, "14:00", "18:00"),
            (5, 0, "10:00", "16:00"),
        ])
        .parse()
        .unwrap();
        assert_eq!(h.on(Weekday::Mon).len(), 2);
        assert_eq!(h.on(Weekday::Sat)[0], MinuteRange::new(600, 960).unwrap());
        assert!(h.on(Weekday::Sun).is_empty());
        assert_eq!(rows(&h)[0], (0, 540, 780));
        assert_eq!(WeekInput::from_hours(&h).parse().unwrap(), h);
        assert_eq!(summary(&h)[0], "Mon 09:00–13:00, 14:00–18:00");
    }

    #[test]
    fn names_each_bad_day() {
        let errors = week(&[
            (0, 0, "09:00", ""),
            (1, 0, "18:00", "09:00"),
            (2, 0, "9am", "5pm"),
            (3, 0, "09:00", "13:00"),
            (3, 1, "12:00", "18:00"),
            (4, 0, "09:00", "24:00"),
        ])
        .parse()
        .unwrap_err();
        for d in ["d0", "d1", "d2", "d3"] {
            assert!(errors.get(d).is_some(), "{d} should be refused");
        }
        assert!(errors.get("d4").is_none(), "24:00 is the end of the day");
        assert!(errors.get("d1").unwrap().contains("after the start"));
    }

    #[test]
    fn reads_form_fields() {
        let w = WeekInput::read(|k| {
            if k == "d6_2_to" {
                " 12:00 ".into()
            } else {
                String::new()
            }
        });
        assert_eq!(w.days[6][1].to, "12:00");
        assert_eq!(field_name(0, 0, "from"), "d0_1_from");
    }
}
