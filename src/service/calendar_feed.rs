//! A practitioner's calendar feed: their appointments (not cancelled) from 30 days back to the
//! booking horizon, in UTC, with UIDs that stay the same when an appointment moves so calendar
//! apps update the event instead of adding another.

use chrono::{DateTime, Duration, Utc};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};

use crate::db::DbConnection;
use crate::db::appointments::listing::{self, ListFilter};
use crate::db::models::{from_db, to_db};
use crate::domain::appointment::Status;
use crate::domain::calendar_feed::{DAYS_BACK, FeedToken};
use crate::domain::time::{local_day_bounds, today};
use crate::error::AppError;
use crate::service::clinic;

/// The .ics text of the feed behind `token`; an unknown or revoked token is "not found".
pub fn calendar(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    token: &str,
    base_url: &str,
) -> Result<String, AppError> {
    let token = FeedToken::parse(token).ok_or(AppError::NotFound("calendar"))?;
    let practitioner = crate::db::practitioners::by_calendar_token_hash(conn, &token.digest())?
        .ok_or(AppError::NotFound("calendar"))?;
    let clinic = clinic::load(conn)?;
    let last_day = today(clinic.tz, now) + Duration::days(i64::from(clinic.row.horizon_days));
    let rows = listing::list(
        conn,
        &ListFilter {
            starts_from: Some(to_db(now - Duration::days(DAYS_BACK))),
            starts_before: Some(to_db(local_day_bounds(clinic.tz, last_day).1)),
            practitioner_id: Some(practitioner.id),
            exclude_cancelled: true,
            ..ListFilter::default()
        },
    )?;
    let host = base_url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .filter(|h| !h.is_empty())
        .unwrap_or("carepath");
    let mut cal = Calendar::new();
    cal.name(&format!("{} · {}", practitioner.name, clinic.row.name))
        .description("Appointments from the clinic's booking system; times are in UTC.")
        // Calendar apps poll a subscription; ask for an hourly refresh.
        .ttl(&Duration::hours(1));
    for l in &rows {
        let a = &l.appointment;
        let status = Status::parse(&a.status).map_or("", Status::label);
        let mut event = Event::new();
        event
            .uid(&format!("appointment-{}.practitioner-feed@{host}", a.id))
            .timestamp(from_db(a.updated_at))
            .summary(&format!("{} – {}", l.treatment.name, l.patient.name))
            .description(&format!(
                "Status: {status}\nPatient: {}\nStaff page: {base_url}/staff/appointments/{}",
                l.patient.name, a.id
            ))
            .location(&clinic.row.address)
            .starts(from_db(a.starts_at))
            .ends(from_db(a.ends_at))
            .status(EventStatus::Confirmed);
        cal.push(event.done());
    }
    Ok(cal.done().to_string())
}
