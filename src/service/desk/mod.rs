//! The front desk's work on appointments: check-in, completion, no-show and staff notes. Each is
//! one transaction that locks the appointment, checks who may act and the state machine, moves
//! the status by compare-and-set and writes the audit trail with before and after.
//!
//! `complete` and `no_show` are the one place each of those moves happens: whatever must follow
//! them (aftercare reminders) belongs inside their transactions.
//!
//! Cancelling and rescheduling stay with `service::booking`, which patients' own changes use too
//! (same rules, same no-double-booking guarantee); `cancel` and `reschedule` here only add the
//! desk's checks in front of it.

pub mod appointment;
pub mod contact;
pub mod history;
pub mod patients;
pub mod phone;
pub mod schedule;

use chrono::{DateTime, Utc};
use diesel::Connection;
use serde_json::json;

use crate::db::models::{AppointmentNoteRow, AppointmentRow, from_db, to_db};
use crate::db::{DbConnection, appointments};
use crate::domain::appointment::{Action, Status, transition};
use crate::domain::attendance;
use crate::domain::booking::PractitionerChoice;
use crate::domain::errors::FieldErrors;
use crate::domain::time::local_parts;
use crate::error::AppError;
use crate::service::audit::{self, Actor, Entry};
use crate::service::{booking, clinic};

/// Whose appointments (and patients) a staff member may see and act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Admin and front desk.
    Everyone,
    /// A practitioner: their own only (`None`: an account linked to no practitioner sees nothing).
    Own(Option<i32>),
}

impl Reach {
    pub fn covers(self, practitioner_id: i32) -> bool {
        match self {
            Reach::Everyone => true,
            Reach::Own(own) => own == Some(practitioner_id),
        }
    }

    /// The practitioner a query must be limited to (`Some(-1)`, matching nobody, for an
    /// unlinked account), or `None` for everyone.
    pub fn only(self) -> Option<i32> {
        match self {
            Reach::Everyone => None,
            Reach::Own(own) => Some(own.unwrap_or(-1)),
        }
    }

    pub fn check(self, practitioner_id: i32) -> Result<(), AppError> {
        if self.covers(practitioner_id) {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "This appointment is with another practitioner; you can only open your own.".into(),
            ))
        }
    }
}

pub(crate) fn status_of(row: &AppointmentRow) -> Result<Status, AppError> {
    Status::parse(&row.status)
        .ok_or_else(|| AppError::Internal(format!("unknown status '{}'", row.status)))
}

/// Locks the appointment and reads it, refusing one outside the actor's reach.
fn locked(c: &mut DbConnection, id: i32, reach: Reach) -> Result<AppointmentRow, AppError> {
    if crate::db::appointments::lock(c, id)? == 0 {
        return Err(AppError::NotFound("appointment"));
    }
    let row = appointments::by_id(c, id)?;
    reach.check(row.practitioner_id)?;
    Ok(row)
}

/// One status move: what the trail calls it, the rule that checks it for this appointment and
/// gives the status it leads to, and what it records.
struct Step<R> {
    audit_action: &'static str,
    rule: R,
    mv: crate::db::appointments::StatusMove,
}

/// The shared shape of a status move: lock, check, compare-and-set, audit, in one transaction.
fn move_status<R>(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    id: i32,
    actor: &Actor,
    reach: Reach,
    step: Step<R>,
) -> Result<AppointmentRow, AppError>
where
    R: Fn(&AppointmentRow, Status) -> Result<Status, AppError>,
{
    conn.transaction(|c| {
        let before = locked(c, id, reach)?;
        let to = (step.rule)(&before, status_of(&before)?)?;
        if crate::db::appointments::set_status(
            c,
            id,
            &before.status,
            to.as_str(),
            step.mv,
            to_db(now),
        )? == 0
        {
            // Unreachable while the row is locked; kept so a lost race can never double-move.
            return Err(AppError::NotAllowed(
                "Someone else changed this appointment just now; nothing was done.".into(),
            ));
        }
        let after = appointments::by_id(c, id)?;
        audit::appointment_change(
            c,
            now,
            actor,
            step.audit_action,
            Some(&before),
            &after,
            None,
        )?;
        // The recovery timeline starts here, in the same transaction: aftercare only for a
        // session that happened, "we missed you" for one that didn't.
        match to {
            Status::Completed => {
                let clinic = clinic::load(c)?;
                crate::service::planning::on_completed(c, &clinic, now, &after)?;
            }
            Status::NoShow => {
                let clinic = clinic::load(c)?;
                crate::service::planning::on_no_show(c, &clinic, now, &after)?;
            }
            _ => {}
        }
        Ok(after)
    })
}

pub(crate) fn field_error(field: &str, message: String) -> AppError {
    let mut f = FieldErrors::new();
    f.add(field, message);
    AppError::Invalid(f)
}

/// The patient has arrived.
pub fn check_in(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    appointment_id: i32,
    actor: &Actor,
    reach: Reach,
) -> Result<AppointmentRow, AppError> {
    let tz = clinic::load(conn)?.tz;
    move_status(
        conn,
        now,
        appointment_id,
        actor,
        reach,
        Step {
            audit_action: "appointment.check_in",
            rule: |row: &AppointmentRow, status| {
                attendance::check_in_allowed(tz, status, from_db(row.starts_at), now)
                    .map_err(AppError::NotAllowed)
            },
            mv: crate::db::appointments::StatusMove::CheckIn { at: to_db(now) },
        },
    )
}

/// The session is over; `ended_at` is when it actually ended (stored in UTC as `completed_at`:
/// aftercare is timed from it).
pub fn complete(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    appointment_id: i32,
    actor: &Actor,
    reach: Reach,
    ended_at: DateTime<Utc>,
) -> Result<AppointmentRow, AppError> {
    let tz = clinic::load(conn)?.tz;
    move_status(
        conn,
        now,
        appointment_id,
        actor,
        reach,
        Step {
            audit_action: "appointment.complete",
            rule: |row: &AppointmentRow, status| {
                let to = transition(status, Action::Complete).map_err(AppError::NotAllowed)?;
                attendance::check_completion(tz, from_db(row.starts_at), ended_at, now)
                    .map_err(|e| field_error("ended_at", e))?;
                Ok(to)
            },
            mv: crate::db::appointments::StatusMove::Complete {
                ended_at: to_db(ended_at),
            },
        },
    )
}

/// The patient didn't come; only once the start time has passed.
pub fn no_show(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    appointment_id: i32,
    actor: &Actor,
    reach: Reach,
) -> Result<AppointmentRow, AppError> {
    let tz = clinic::load(conn)?.tz;
    move_status(
        conn,
        now,
        appointment_id,
        actor,
        reach,
        Step {
            audit_action: "appointment.no_show",
            rule: |row: &AppointmentRow, status| {
                attendance::no_show_allowed(tz, status, from_db(row.starts_at), now)
                    .map_err(AppError::NotAllowed)
            },
            mv: crate::db::appointments::StatusMove::NoShow,
        },
    )
}

/// The last status change the trail holds for an appointment.
pub(crate) fn last_status_change(
    c: &mut DbConnection,
    id: i32,
) -> Result<Option<attendance::LastChange>, AppError> {
    let trail = crate::db::audit::for_subject(c, "appointment", id)?;
    let status_in = |json: Option<&str>| {
        json.and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok())
            .and_then(|v| v["status"].as_str().and_then(Status::parse))
    };
    Ok(trail
        .iter()
        .rev()
        .find(|r| attendance::STATUS_CHANGES.contains(&r.action.as_str()))
        .map(|r| attendance::LastChange {
            action: r.action.clone(),
            at: from_db(r.at),
            from: status_in(r.before_json.as_deref()),
            to: status_in(r.after_json.as_deref()),
        }))
}

/// What "Undo" would do for this appointment now, or why there is nothing to undo.
pub fn undo_offer(
    c: &mut DbConnection,
    now: DateTime<Utc>,
    row: &AppointmentRow,
) -> Result<Result<attendance::Undo, String>, AppError> {
    let tz = clinic::load(c)?.tz;
    let last = last_status_change(c, row.id)?;
    Ok(attendance::undo_allowed(
        tz,
        status_of(row)?,
        last.as_ref(),
        now,
    ))
}

/// Takes back the last check-in, completion or no-show, on the clinic day it was made: the
/// status and its instants go back to what the trail recorded before it, the messages it planned
/// that haven't gone out are cancelled (and reminders it stopped come back), all in one
/// transaction with its own audit row.
pub fn undo(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    appointment_id: i32,
    actor: &Actor,
    reach: Reach,
) -> Result<AppointmentRow, AppError> {
    conn.transaction(|c| {
        let before = locked(c, appointment_id, reach)?;
        let undo = undo_offer(c, now, &before)?.map_err(AppError::NotAllowed)?;
        // Undoing a completion straight from booked, or a check-in, forgets the check-in too;
        // undoing a completion after a check-in keeps it.
        let checked_in_at = match undo.back_to {
            Status::CheckedIn => before.checked_in_at,
            _ => None,
        };
        if appointments::restore_status(
            c,
            appointment_id,
            &before.status,
            undo.back_to.as_str(),
            checked_in_at,
            None,
            to_db(now),
        )? == 0
        {
            return Err(AppError::NotAllowed(
                "Someone else changed this appointment just now; nothing was done.".into(),
            ));
        }
        let after = appointments::by_id(c, appointment_id)?;
        audit::appointment_change(
            c,
            now,
            actor,
            "appointment.undo",
            Some(&before),
            &after,
            Some(undo.label),
        )?;
        let clinic = clinic::load(c)?;
        crate::service::planning::on_undone(c, &clinic, now, &after, undo.back_to)?;
        Ok(after)
    })
}

/// A staff note on an appointment (any status: notes are records, not moves).
pub fn add_note(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    appointment_id: i32,
    actor: &Actor,
    reach: Reach,
    body: &str,
) -> Result<AppointmentNoteRow, AppError> {
    let Actor::Staff { id: staff_id, .. } = actor else {
        return Err(AppError::Forbidden("Only staff can add notes.".into()));
    };
    let body = attendance::parse_note(body).map_err(|e| field_error("body", e))?;
    conn.transaction(|c| {
        let appointment = locked(c, appointment_id, reach)?;
        let note = crate::db::appointments::notes::insert_note(
            c,
            &crate::db::appointments::notes::NewNote {
                appointment_id: appointment.id,
                staff_id: *staff_id,
                body: &body,
                created_at: to_db(now),
            },
        )?;
        audit::record(
            c,
            now,
            actor,
            Entry {
                action: "appointment.note",
                subject_kind: "appointment",
                subject_id: Some(appointment.id),
                before: None,
                after: Some(json!({ "note_id": note.id })),
                note: Some(&body),
            },
        )?;
        Ok(note)
    })
}

/// `complete` with the end as staff type it: "HH:MM" on the clinic's wall clock, on the day of
/// the session. A move the state machine refuses is named before any problem with the time.
pub fn complete_at(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    appointment_id: i32,
    actor: &Actor,
    reach: Reach,
    typed: &str,
) -> Result<AppointmentRow, AppError> {
    let row = appointment::visible(conn, appointment_id, reach)?;
    transition(status_of(&row)?, Action::Complete).map_err(AppError::NotAllowed)?;
    let tz = clinic::load(conn)?.tz;
    let start = from_db(row.starts_at);
    let ended_at = attendance::completion_time(tz, local_parts(tz, start).0, typed, start, now)
        .map_err(|e| field_error("ended_at", e))?;
    complete(conn, now, appointment_id, actor, reach, ended_at)
}

/// A lost race inside the booking service (someone else moved the appointment between its read
/// and its compare-and-set) is told to staff as such, not in the patients' words.
fn raced(e: AppError) -> AppError {
    match e {
        AppError::Refused(_) => AppError::NotAllowed(
            "Someone else changed this appointment just now; nothing was done.".into(),
        ),
        other => other,
    }
}

/// Cancels on the clinic's side, with the reason staff must give. The move itself is the
/// booking service's: one transaction, compare-and-set on the status, audit row.
pub fn cancel(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    appointment_id: i32,
    actor: &Actor,
    reach: Reach,
    reason: &str,
) -> Result<AppointmentRow, AppError> {
    let row = appointment::visible(conn, appointment_id, reach)?;
    transition(status_of(&row)?, Action::Cancel).map_err(AppError::NotAllowed)?;
    let reason = attendance::parse_cancel_reason(reason).map_err(|e| field_error("reason", e))?;
    booking::cancel_appointment(conn, now, appointment_id, Some(&reason), actor).map_err(raced)
}

/// Moves an appointment by the booking service's rules (availability, no double booking).
pub fn reschedule(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    appointment_id: i32,
    actor: &Actor,
    reach: Reach,
    start: DateTime<Utc>,
    choice: PractitionerChoice,
) -> Result<AppointmentRow, AppError> {
    appointment::visible(conn, appointment_id, reach)?;
    booking::reschedule_appointment(conn, now, appointment_id, start, choice, actor).map_err(raced)
}
