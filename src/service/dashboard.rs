//! The dashboard's numbers: today's appointments and their statuses, bookings per day around
//! today, and the recent no-show rate. A practitioner sees only their own.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::db::DbConnection;
/// A listed appointment, as the dashboard hands it to the page.
pub use crate::db::appointments::listing::Listed;
use crate::db::appointments::listing::{self, ListFilter};
use crate::db::models::{from_db, to_db};
use crate::domain::appointment::Status;
use crate::domain::dashboard::{BarChart, DAYS_EACH_SIDE, bar_chart, chart_days, no_show_rate};
use crate::domain::time::{local_day_bounds, today};
use crate::error::AppError;
use crate::service::clinic;

pub struct Dashboard {
    pub tz: Tz,
    pub clinic_name: String,
    pub today: NaiveDate,
    pub appointments: Vec<Listed>,
    /// Sessions still booked or checked in after their clinic day: no aftercare until closed.
    pub unclosed: Vec<Listed>,
    /// Every status with today's count, in the order of the day's life.
    pub counts: Vec<(Status, usize)>,
    pub chart: BarChart,
    /// Bookings (not cancelled) in the 30 days before today and in the 30 days after it.
    pub past_total: u32,
    pub next_total: u32,
    pub completed_30: u32,
    pub no_shows_30: u32,
    pub no_show_rate: Option<f64>,
}

/// The dashboard page's data: the numbers, and the screening flags still open (one call, so the
/// page and the query-plan report run the same statements).
pub fn page(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    practitioner_id: Option<i32>,
) -> Result<(Dashboard, Vec<crate::service::screening::FlaggedLine>), AppError> {
    Ok((
        load(conn, now, practitioner_id)?,
        crate::service::screening::flagged(conn, practitioner_id)?,
    ))
}

pub const STATUSES: [Status; 5] = [
    Status::Booked,
    Status::CheckedIn,
    Status::Completed,
    Status::NoShow,
    Status::Cancelled,
];

pub fn load(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    practitioner_id: Option<i32>,
) -> Result<Dashboard, AppError> {
    let clinic = clinic::load(conn)?;
    let tz = clinic.tz;
    let day = today(tz, now);
    let (day_start, day_end) = local_day_bounds(tz, day);
    let appointments = listing::list(
        conn,
        &ListFilter {
            starts_from: Some(to_db(day_start)),
            starts_before: Some(to_db(day_end)),
            practitioner_id,
            ..ListFilter::default()
        },
    )?;
    let unclosed = crate::service::unclosed::list(conn, &clinic, now, practitioner_id)?;
    let counts = STATUSES
        .iter()
        .map(|s| {
            (
                *s,
                appointments
                    .iter()
                    .filter(|a| a.appointment.status == s.as_str())
                    .count(),
            )
        })
        .collect();

    let first = day - Duration::days(DAYS_EACH_SIDE);
    let after_last = day + Duration::days(DAYS_EACH_SIDE + 1);
    let starts = listing::starts_between(
        conn,
        to_db(local_day_bounds(tz, first).0),
        to_db(local_day_bounds(tz, after_last).0),
        practitioner_id,
    )?;
    let mut per_day: BTreeMap<NaiveDate, u32> = BTreeMap::new();
    let (mut completed_30, mut no_shows_30) = (0, 0);
    let window_start = to_db(local_day_bounds(tz, first).0);
    for (start, status) in &starts {
        if status != Status::Cancelled.as_str() {
            let local = from_db(*start).with_timezone(&tz).date_naive();
            *per_day.entry(local).or_default() += 1;
        }
        // The no-show rate looks at the 30 days up to now.
        if *start >= window_start && *start < to_db(now) {
            if status == Status::Completed.as_str() {
                completed_30 += 1;
            } else if status == Status::NoShow.as_str() {
                no_shows_30 += 1;
            }
        }
    }
    let series: Vec<(NaiveDate, u32)> = chart_days(day)
        .into_iter()
        .map(|d| (d, per_day.get(&d).copied().unwrap_or(0)))
        .collect();
    let past_total = series.iter().filter(|(d, _)| *d < day).map(|x| x.1).sum();
    let next_total = series.iter().filter(|(d, _)| *d > day).map(|x| x.1).sum();
    Ok(Dashboard {
        tz,
        clinic_name: clinic.row.name.clone(),
        today: day,
        appointments,
        unclosed,
        counts,
        chart: bar_chart(day, &series),
        past_total,
        next_total,
        completed_30,
        no_shows_30,
        no_show_rate: no_show_rate(completed_30, no_shows_30),
    })
}
