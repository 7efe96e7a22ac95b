//! Sessions nobody closed after their clinic day (see `domain::unclosed`): the list the
//! dashboard shows, and the once-a-day claim of the summary emailed to the clinic.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::Connection;

use crate::db::DbConnection;
use crate::db::appointments::listing::{self, ListFilter, Listed};
use crate::db::models::{from_db, to_db};
use crate::domain::appointment::Status;
use crate::domain::time::today;
use crate::domain::unclosed::{is_unclosed, summary_due};
use crate::error::AppError;
use crate::service::clinic::{self, Clinic};

/// Booked or checked-in sessions whose clinic day is over, oldest first (one practitioner's
/// when `practitioner_id` is set).
pub fn list(
    conn: &mut DbConnection,
    clinic: &Clinic,
    now: DateTime<Utc>,
    practitioner_id: Option<i32>,
) -> Result<Vec<Listed>, AppError> {
    let open = listing::list(
        conn,
        &ListFilter {
            starts_before: Some(to_db(now)),
            practitioner_id,
            statuses: vec![Status::Booked.as_str(), Status::CheckedIn.as_str()],
            ..ListFilter::default()
        },
    )?;
    Ok(open
        .into_iter()
        .filter(|l| {
            Status::parse(&l.appointment.status).is_some_and(|s| {
                is_unclosed(
                    s,
                    from_db(l.appointment.starts_at),
                    now,
                    clinic.tz,
                    &clinic.hours,
                )
            })
        })
        .collect())
}

/// The day's summary, claimed by this caller.
pub struct Summary {
    pub clinic: Clinic,
    pub day: NaiveDate,
    /// The day stored before the claim, to give it back if sending fails.
    pub previous: String,
    pub sessions: Vec<Listed>,
}

impl Summary {
    pub fn day_key(&self) -> String {
        self.day.format("%Y-%m-%d").to_string()
    }
}

/// Claims today's summary when it is due (the sending window is open and it has not gone
/// today). `None` when not due, claimed elsewhere, or nothing is unclosed (the day is then
/// marked done without an email).
pub fn claim_summary(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
) -> Result<Option<Summary>, AppError> {
    let clinic = clinic::load(conn)?;
    let day = today(clinic.tz, now);
    let window_open = clinic.send_window.next_open(clinic.tz, now) == now;
    if !summary_due(day, &clinic.row.unclosed_summary_on, window_open) {
        return Ok(None);
    }
    let key = day.format("%Y-%m-%d").to_string();
    let previous = clinic.row.unclosed_summary_on.clone();
    let sessions = list(conn, &clinic, now, None)?;
    let won =
        conn.transaction(|c| crate::db::clinic::claim_unclosed_summary(c, clinic.row.id, &key))?;
    if won == 0 || sessions.is_empty() {
        return Ok(None);
    }
    Ok(Some(Summary {
        clinic,
        day,
        previous,
        sessions,
    }))
}

/// The summary could not be sent: the day is unclaimed so a later tick tries again.
pub fn release_summary(conn: &mut DbConnection, s: &Summary) -> Result<(), AppError> {
    crate::db::clinic::release_unclosed_summary(conn, s.clinic.row.id, &s.day_key(), &s.previous)?;
    Ok(())
}
