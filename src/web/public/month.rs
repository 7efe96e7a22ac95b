//! The booking page's month calendar: a table of the month's days where each day with a free
//! time is a link to that day's times (keeping the practitioner chosen), and the others are
//! plain text. Works without JavaScript; words, not colour alone, say which days are free.

use chrono::{Datelike, Duration, NaiveDate};

use crate::domain::booking::PractitionerChoice;
use crate::domain::time::{day_month_label, month_name};

/// One day's cell.
pub struct DayCell {
    pub number: u32,
    /// Set when the day has free times.
    pub link: Option<String>,
    /// The day whose times are shown below the calendar.
    pub current: bool,
    /// What a screen reader hears: "Tuesday 4 June, free times".
    pub label: String,
}

pub struct MonthView {
    /// "June 2030"
    pub caption: String,
    /// Weeks from Monday; `None` pads days of the neighbouring months.
    pub weeks: Vec<Vec<Option<DayCell>>>,
    pub prev_link: Option<(String, String)>,
    pub next_link: Option<(String, String)>,
}

/// Reads `month=YYYY-MM` leniently: anything else is the month of the day shown.
pub fn parse_month(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", s.trim()), "%Y-%m-%d").ok()
}

/// The month view of `month` (any day of it). `action` is the booking page, `date` the day shown
/// below, `window` the first and last bookable days, `free` the month's days with free times.
pub fn month_view(
    action: &str,
    choice: PractitionerChoice,
    date: NaiveDate,
    month: NaiveDate,
    window: (NaiveDate, NaiveDate),
    free: &[NaiveDate],
) -> MonthView {
    let pv = choice.as_param();
    let first = month.with_day(1).unwrap_or(month);
    let next_month = (first + Duration::days(32)).with_day(1).unwrap_or(first);
    let prev_month = (first - Duration::days(1)).with_day(1).unwrap_or(first);
    // Dates by `Display` (the ISO date) and names by hand: a strftime pattern is parsed again
    // on every use, and the calendar writes a month of them.
    let day_link = |d: NaiveDate| format!("{action}?date={d}&practitioner={pv}");
    let month_link = |m: NaiveDate| {
        (
            format!(
                "{action}?date={date}&practitioner={pv}&month={}-{:02}",
                m.year(),
                m.month()
            ),
            format!("{} {}", month_name(m), m.year()),
        )
    };
    let mut weeks = Vec::new();
    let mut week: Vec<Option<DayCell>> = (0..first.weekday().num_days_from_monday())
        .map(|_| None)
        .collect();
    let mut d = first;
    while d < next_month {
        let is_free = free.contains(&d);
        week.push(Some(DayCell {
            number: d.day(),
            link: is_free.then(|| day_link(d)),
            current: d == date,
            label: format!(
                "{}, {}",
                day_month_label(d),
                if is_free {
                    "free times"
                } else {
                    "no free times"
                }
            ),
        }));
        if week.len() == 7 {
            weeks.push(std::mem::take(&mut week));
        }
        d += Duration::days(1);
    }
    if !week.is_empty() {
        week.resize_with(7, || None);
        weeks.push(week);
    }
    MonthView {
        caption: format!("{} {}", month_name(first), first.year()),
        weeks,
        prev_link: (prev_month >= window.0.with_day(1).unwrap_or(window.0))
            .then(|| month_link(prev_month)),
        next_link: (next_month <= window.1).then(|| month_link(next_month)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn weeks_start_on_monday_and_only_free_days_link() {
        let free = [d("2030-06-05")];
        let v = month_view(
            "/book/peel",
            PractitionerChoice::Specific(2),
            d("2030-06-04"),
            d("2030-06-04"),
            (d("2030-06-03"), d("2030-08-01")),
            &free,
        );
        assert_eq!(v.caption, "June 2030");
        // 1 June 2030 is a Saturday: five blanks first.
        assert!(v.weeks[0][..5].iter().all(Option::is_none));
        assert_eq!(v.weeks[0][5].as_ref().unwrap().number, 1);
        let cells: Vec<&DayCell> = v.weeks.iter().flatten().flatten().collect();
        assert_eq!(cells.len(), 30);
        assert_eq!(
            cells[4].link.as_deref(),
            Some("/book/peel?date=2030-06-05&practitioner=2")
        );
        assert!(cells[3].link.is_none() && cells[3].current);
        assert!(v.prev_link.is_none(), "May is before the booking window");
        assert_eq!(
            v.next_link.unwrap().0,
            "/book/peel?date=2030-06-04&practitioner=2&month=2030-07"
        );
    }
}
