//! Everything the staff appointment page shows, and the free times to book or move to.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::Reach;
use super::history::{HistoryEntry, history};
use crate::db::models::{AppointmentNoteRow, AppointmentRow, PractitionerRow, TreatmentRow};
use crate::db::{DbConnection, appointments, audit};
use crate::domain::appointment::{Action, transition};
use crate::domain::booking::PractitionerChoice;
use crate::domain::time::{date_label, local_parts, today};
use crate::error::AppError;
use crate::service::availability::{SlotView, day_slots};
use crate::service::booking::{AppointmentDetails, details_of};
use crate::service::clinic::{self, Clinic};

pub struct AppointmentPage {
    pub clinic: Clinic,
    pub details: AppointmentDetails,
    pub history: Vec<HistoryEntry>,
    pub notes: Vec<(AppointmentNoteRow, String)>,
    /// "The patient, online" or "Staff: who".
    pub booked_by: String,
    /// Its emails, planned and sent.
    pub messages: Vec<crate::db::models::OutboxRow>,
    /// The last status change (what an undo would take back).
    pub last_change: Option<crate::domain::attendance::LastChange>,
}

/// The appointment, if it exists and the viewer may see it (404, 403 otherwise).
pub fn visible(conn: &mut DbConnection, id: i32, reach: Reach) -> Result<AppointmentRow, AppError> {
    let row = match appointments::by_id(conn, id) {
        Ok(row) => row,
        Err(diesel::result::Error::NotFound) => return Err(AppError::NotFound("appointment")),
        Err(e) => return Err(e.into()),
    };
    reach.check(row.practitioner_id)?;
    Ok(row)
}

pub fn load(conn: &mut DbConnection, id: i32, reach: Reach) -> Result<AppointmentPage, AppError> {
    let row = visible(conn, id, reach)?;
    let clinic = clinic::load(conn)?;
    let trail = audit::for_subject(conn, "appointment", id)?;
    let practitioners = crate::db::practitioners::all_practitioners_by_id(conn)?;
    let name = |pid: i64| {
        practitioners
            .iter()
            .find(|p| i64::from(p.id) == pid)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| format!("practitioner #{pid}"))
    };
    let booked_by = match row.booked_by.as_str() {
        "staff" => match trail.iter().find(|r| r.action == "appointment.book") {
            Some(r) => format!("Staff: {}", r.actor_label),
            None => "Staff".into(),
        },
        _ => "The patient, online".into(),
    };
    Ok(AppointmentPage {
        history: history(&trail, clinic.tz, &name),
        notes: crate::db::appointments::notes::notes_of(conn, id)?,
        messages: crate::db::outbox::of_appointment(conn, id)?,
        last_change: super::last_status_change(conn, id)?,
        details: details_of(conn, row)?,
        booked_by,
        clinic,
    })
}

/// A day's free times for a treatment, as the booking and reschedule forms offer them.
pub struct FreeTimes {
    pub clinic: Clinic,
    pub date: NaiveDate,
    pub choice: PractitionerChoice,
    pub eligible: Vec<PractitionerRow>,
    pub slots: Vec<SlotView>,
    /// Why there may be nothing to show (a date outside the booking window …).
    pub problem: Option<String>,
}

/// Free times of `treatment` on `date` by the same availability rules as online booking
/// (`exclude`: the appointment being moved, whose own time counts as free).
pub fn free_times(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    treatment: &TreatmentRow,
    date: NaiveDate,
    choice: PractitionerChoice,
    exclude: Option<i32>,
) -> Result<FreeTimes, AppError> {
    let clinic = clinic::load(conn)?;
    let policy = clinic.policy(now);
    let eligible = clinic::eligible_practitioners(conn, treatment)?;
    let mut problem = None;
    let mut choice = choice;
    if let PractitionerChoice::Specific(id) = choice
        && !eligible.iter().any(|p| p.id == id)
    {
        problem = Some(format!(
            "That practitioner doesn't perform {}; showing everyone who does.",
            treatment.name
        ));
        choice = PractitionerChoice::Any;
    }
    let first = today(clinic.tz, now);
    let last = first + Duration::days(i64::from(policy.rules.horizon_days));
    if date < first {
        problem = Some("That date has passed; please choose today or a later date.".into());
    } else if date > last {
        problem = Some(format!(
            "Bookings can be made up to {} days ahead (until {}).",
            policy.rules.horizon_days,
            date_label(last)
        ));
    }
    let slots = day_slots(
        conn,
        &clinic,
        treatment,
        &eligible,
        date,
        choice,
        now,
        policy.rules,
        exclude,
    )?;
    Ok(FreeTimes {
        clinic,
        date,
        choice,
        eligible,
        slots,
        problem,
    })
}

/// Where an appointment can move to, or why it can't move at all.
pub struct Reschedule {
    pub page: AppointmentPage,
    /// The free times on the day asked, or the reason its status allows no move.
    pub free: Result<FreeTimes, String>,
}

/// The free times to move appointment `id` to on `date` (default: its own day, or today when
/// that has passed) with `choice` (default: its current practitioner).
pub fn reschedule_options(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    id: i32,
    reach: Reach,
    date: Option<NaiveDate>,
    choice: Option<PractitionerChoice>,
) -> Result<Reschedule, AppError> {
    let page = load(conn, id, reach)?;
    let d = &page.details;
    if let Err(refusal) = transition(d.status, Action::Reschedule) {
        return Ok(Reschedule {
            page,
            free: Err(refusal),
        });
    }
    let tz = page.clinic.tz;
    let date = date.unwrap_or_else(|| local_parts(tz, d.starts_at()).0.max(today(tz, now)));
    let choice = choice.unwrap_or(PractitionerChoice::Specific(d.appointment.practitioner_id));
    let free = free_times(conn, now, &d.treatment, date, choice, Some(id))?;
    Ok(Reschedule {
        page,
        free: Ok(free),
    })
}
