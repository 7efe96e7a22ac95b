//! Which days of a month have a free time for the day being browsed (its treatment and
//! practitioner choice): the booking page's month calendar.

use chrono::{Datelike, Duration, NaiveDate};

use super::availability::{OpenDay, day_slots};
use crate::db::DbConnection;
use crate::error::AppError;

/// The first of `month`'s month, and the days of it that have at least one free time. Days
/// outside the booking window are never free.
pub fn month_free_days(
    conn: &mut DbConnection,
    day: &OpenDay,
    month: NaiveDate,
) -> Result<Vec<NaiveDate>, AppError> {
    let first_of_month = month.with_day(1).unwrap_or(month);
    let from = first_of_month.max(day.first);
    let mut free = Vec::new();
    let mut d = from;
    // TO BE REPLACED by the one-pass month computation (issue 13, branch `perf`) once it is on
    // main: for now this asks the day availability service once per day of the month.
    while (d.year(), d.month()) == (first_of_month.year(), first_of_month.month()) && d <= day.last
    {
        let slots = day_slots(
            conn,
            &day.clinic,
            &day.treatment,
            &day.eligible,
            d,
            day.choice,
            day.policy.now,
            day.policy.rules,
            None,
        )?;
        if !slots.is_empty() {
            free.push(d);
        }
        d += Duration::days(1);
    }
    Ok(free)
}
