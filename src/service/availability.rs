//! Loads a day's hours and bookings and asks the domain which slots are free.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use super::clinic::{Clinic, minute_range};
use crate::db::models::{PractitionerRow, TreatmentRow, from_db, to_db};
use crate::db::{DbConnection, appointments};
use crate::domain::availability::{
    BookingRules, Busy, DayContext, PractitionerDay, Timing, free_slots,
};
use crate::domain::booking::PractitionerChoice;
use crate::domain::hours::WeeklyHours;
use crate::domain::time::local_day_bounds;
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotView {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub practitioner_id: i32,
    pub practitioner_name: String,
}

pub fn timing(t: &TreatmentRow) -> Timing {
    Timing {
        duration_minutes: u16::try_from(t.duration_minutes).unwrap_or(u16::MAX),
        buffer_minutes: u16::try_from(t.buffer_minutes).unwrap_or(0),
    }
}

/// Each practitioner's working spans (cut to the clinic's hours) and busy times on a local date.
/// `exclude` leaves one appointment out (the one being rescheduled).
pub fn practitioner_days(
    conn: &mut DbConnection,
    clinic: &Clinic,
    ids: &[i32],
    date: NaiveDate,
    exclude: Option<i32>,
) -> Result<Vec<PractitionerDay>, AppError> {
    let weekday = date.weekday();
    let hours =
        crate::db::practitioners::hours_of(conn, ids, weekday.num_days_from_monday() as i32)?;
    let (day_start, day_end) = local_day_bounds(clinic.tz, date);
    // A day's bookings, plus a margin for anything held across local midnight.
    let from = to_db(day_start - Duration::hours(12));
    let to = to_db(day_end + Duration::hours(12));
    let booked = appointments::busy_between(conn, ids, from, to, exclude)?;
    let off = crate::db::practitioners::time_off_between(conn, ids, from, to)?;
    Ok(ids
        .iter()
        .map(|&id| {
            let mut own = WeeklyHours::default();
            for h in hours.iter().filter(|h| h.practitioner_id == id) {
                if let Ok(r) = minute_range(h.start_minute, h.end_minute) {
                    own.add(weekday, r);
                }
            }
            let mut busy: Vec<Busy> = booked
                .iter()
                .filter(|b| b.0 == id)
                .map(|b| Busy {
                    start: from_db(b.1),
                    end: from_db(b.2),
                })
                .collect();
            busy.extend(
                off.iter()
                    .filter(|o| o.practitioner_id == id)
                    .map(|o| Busy {
                        start: from_db(o.starts_at),
                        end: from_db(o.ends_at),
                    }),
            );
            PractitionerDay {
                practitioner_id: id,
                working: clinic.hours.intersect_day(&own, weekday),
                busy,
            }
        })
        .collect())
}

/// Free slots of a treatment on a local date, for one practitioner or any qualified one.
#[allow(clippy::too_many_arguments)]
pub fn day_slots(
    conn: &mut DbConnection,
    clinic: &Clinic,
    treatment: &TreatmentRow,
    eligible: &[PractitionerRow],
    date: NaiveDate,
    choice: PractitionerChoice,
    now: DateTime<Utc>,
    rules: BookingRules,
    exclude: Option<i32>,
) -> Result<Vec<SlotView>, AppError> {
    let ids: Vec<i32> = match choice {
        PractitionerChoice::Any => eligible.iter().map(|p| p.id).collect(),
        PractitionerChoice::Specific(id) => eligible
            .iter()
            .filter(|p| p.id == id)
            .map(|p| p.id)
            .collect(),
    };
    let ctx = DayContext {
        tz: clinic.tz,
        date,
        now,
        rules,
    };
    if ids.is_empty() || !ctx.within_horizon() || clinic.hours.on(date.weekday()).is_empty() {
        return Ok(Vec::new());
    }
    let days = practitioner_days(conn, clinic, &ids, date, exclude)?;
    Ok(free_slots(&ctx, timing(treatment), &days)
        .into_iter()
        .map(|s| SlotView {
            start: s.start,
            end: s.end,
            practitioner_id: s.practitioner_id,
            practitioner_name: eligible
                .iter()
                .find(|p| p.id == s.practitioner_id)
                .map(|p| p.name.clone())
                .unwrap_or_default(),
        })
        .collect())
}
