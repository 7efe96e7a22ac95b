//! Planning: turning an appointment's events into outbox rows from its treatment's care plan.
//! Each function runs inside the transaction of the event that causes it, so a booking and its
//! emails commit together or not at all. One row per (appointment, step): planning again only
//! moves what hasn't gone out.

use chrono::{DateTime, Duration, Utc};

use crate::db::models::*;
use crate::db::{DbConnection, care_plans, outbox, patients};
use crate::domain::appointment::Status;
use crate::domain::care_plan::{Anchor, Planned, StepKind, on_open_day, plan, wants_open_day};
use crate::domain::outbox::{OutboxStatus, follows_new_times, skipped_note, undone_note};
use crate::error::AppError;
use crate::service::catalog_snapshot::CatalogSnapshot;
use crate::service::clinic::Clinic;

/// The dedupe key and Message-ID stem of a step's email for an appointment.
pub fn key(appointment_id: i32, step_id: i32) -> String {
    format!("appt-{appointment_id}.step-{step_id}")
}

/// The key of a step's email planned again after the appointment moved (its calendar sequence
/// `seq`), when the first one had already gone out for the old time.
fn resend_key(appointment_id: i32, step_id: i32, seq: i32) -> String {
    format!("{}.seq-{seq}", key(appointment_id, step_id))
}

/// Marks the confirmation sent again after a move: "your appointment has moved".
const MOVED: &str = ".moved-";

fn moved_key(appointment_id: i32, step_id: i32, seq: i32) -> String {
    format!("{}{MOVED}{seq}", key(appointment_id, step_id))
}

/// Whether an outbox row is the notice of a move (a confirmation of the new time).
pub fn is_move_notice(dedupe_key: &str) -> bool {
    dedupe_key.contains(MOVED)
}

/// Kinds that only make sense before the session; they stop when it is completed, missed or cancelled.
const BEFORE_SESSION: [StepKind; 3] = [
    StepKind::Preparation,
    StepKind::Reminder,
    StepKind::Confirmation,
];

/// Kinds planned when a session is completed or missed.
const AFTER_SESSION: [StepKind; 4] = [
    StepKind::Aftercare,
    StepKind::CheckIn,
    StepKind::FollowUp,
    StepKind::Missed,
];

/// The notes `on_completed` and `on_no_show` leave on what they stop.
const COMPLETED_NOTE: &str = "session completed";
const NO_SHOW_NOTE: &str = "patient did not attend";

struct Step {
    row: CarePlanStepRow,
    kind: StepKind,
    anchor: Anchor,
}

fn steps(rows: Vec<CarePlanStepRow>, anchors: &[Anchor]) -> Vec<Step> {
    rows.into_iter()
        .filter(|s| s.active)
        .filter_map(|row| {
            let kind = StepKind::parse(&row.kind)?;
            let anchor = Anchor::parse(&row.anchor)?;
            anchors
                .contains(&anchor)
                .then_some(Step { row, kind, anchor })
        })
        .collect()
}

/// What planning again does with a step's email that already went out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AlreadySent {
    Keep,
    /// The appointment moved: plan it again for the new time when it is useful again.
    SendAgain,
}

/// What planning already knows about the appointment.
#[derive(Clone, Copy)]
enum Known<'a> {
    /// Nothing: read what is planned and who the patient is.
    Nothing,
    /// It was inserted in this very transaction, for the patient with this address: it has no
    /// outbox rows yet, so there is nothing to re-plan and its rows go in with one statement.
    /// Its care plan and the steps' conditions come from the catalog the transaction read, the
    /// screening keys it was answered "yes" to from the booking itself.
    New {
        recipient: &'a str,
        cat: &'a CatalogSnapshot,
        yes: &'a [String],
    },
}

/// Plans (or re-plans) each step from `anchor_at`.
#[allow(clippy::too_many_arguments)]
fn plan_steps(
    c: &mut DbConnection,
    clinic: &Clinic,
    now: DateTime<Utc>,
    appt: &AppointmentRow,
    anchors: &[Anchor],
    anchor_at: impl Fn(Anchor) -> DateTime<Utc>,
    sent: AlreadySent,
    known: Known<'_>,
) -> Result<(), AppError> {
    // Steps that depend on a screening answer go only to the patients who gave it.
    let (not_for_them, rows) = match known {
        Known::New { cat, yes, .. } => (
            crate::service::clinical_checks::steps_not_for(&cat.step_conditions, yes),
            cat.setup(appt.treatment_id).steps.clone(),
        ),
        Known::Nothing => (
            crate::service::clinical_checks::steps_not_applicable(c, appt.id)?,
            care_plans::steps_of(c, appt.treatment_id)?,
        ),
    };
    let steps: Vec<Step> = steps(rows, anchors)
        .into_iter()
        .filter(|s| !not_for_them.contains(&s.row.id))
        .collect();
    if steps.is_empty() {
        return Ok(());
    }
    let recipient = match known {
        Known::New { recipient, .. } => recipient.to_string(),
        Known::Nothing => patients::by_id(c, appt.patient_id)?.email,
    };
    let start = from_db(appt.starts_at);
    let now_db = to_db(now);
    // For a new appointment: (key, step, kind, status, due, note) of every row, inserted at once.
    let mut fresh = Vec::new();
    for s in steps {
        let planned = plan(
            s.kind,
            s.anchor,
            Duration::minutes(i64::from(s.row.offset_minutes)),
            anchor_at(s.anchor),
            start,
            now,
            clinic.tz,
            clinic.send_window,
        );
        let planned = match planned {
            Planned::At(t) if wants_open_day(s.kind) => {
                Planned::At(on_open_day(t, clinic.tz, &clinic.hours, clinic.send_window))
            }
            other => other,
        };
        let (status, due, note) = match planned {
            Planned::At(t) => (OutboxStatus::Planned, to_db(t), None),
            Planned::Skip(why) => (OutboxStatus::Cancelled, to_db(now), Some(skipped_note(why))),
        };
        if let Known::New { .. } = known {
            fresh.push((key(appt.id, s.row.id), s.row.id, s.kind, status, due, note));
            continue;
        }
        let insert = |c: &mut DbConnection, k: &str| {
            outbox::insert(
                c,
                &NewOutbox {
                    appointment_id: appt.id,
                    step_id: Some(s.row.id),
                    kind: s.kind.as_str(),
                    dedupe_key: k,
                    recipient: &recipient,
                    due_at: due,
                    status: status.as_str(),
                    message_id: k,
                    note: note.as_deref(),
                    created_at: now_db,
                    updated_at: now_db,
                },
            )
        };
        match outbox::latest_of_step(c, appt.id, s.row.id)? {
            None => {
                insert(c, &key(appt.id, s.row.id))?;
            }
            // Not gone out yet (or skipped before): follow the new times.
            Some(row)
                if follows_new_times(OutboxStatus::parse(&row.status), row.note.as_deref()) =>
            {
                outbox::replan(c, row.id, status, due, note.as_deref(), now_db)?;
            }
            // Sent for the old time, and useful again for the new one: a new email.
            Some(row)
                if sent == AlreadySent::SendAgain
                    && status == OutboxStatus::Planned
                    && OutboxStatus::parse(&row.status) == Some(OutboxStatus::Sent) =>
            {
                insert(c, &resend_key(appt.id, s.row.id, appt.ics_sequence))?;
            }
            // Sent, dead, or cancelled for a reason of its own: leave it.
            Some(_) => {}
        }
    }
    if !fresh.is_empty() {
        let rows: Vec<NewOutbox> = fresh
            .iter()
            .map(|(k, step, kind, status, due, note)| NewOutbox {
                appointment_id: appt.id,
                step_id: Some(*step),
                kind: kind.as_str(),
                dedupe_key: k,
                recipient: &recipient,
                due_at: *due,
                status: status.as_str(),
                message_id: k,
                note: note.as_deref(),
                created_at: now_db,
                updated_at: now_db,
            })
            .collect();
        outbox::insert_all(c, &rows)?;
    }
    Ok(())
}

/// A new booking: its confirmation and everything before the session.
/// Planning again is a no-op: what is planned already stays as it is.
pub fn on_booked(
    c: &mut DbConnection,
    clinic: &Clinic,
    now: DateTime<Utc>,
    appt: &AppointmentRow,
) -> Result<(), AppError> {
    plan_before_session(c, clinic, now, appt, Known::Nothing)
}

/// `on_booked` for an appointment inserted in the caller's transaction, for the patient with
/// address `recipient`, answered "yes" to the screening keys `yes`: it has no outbox rows yet,
/// and its care plan is in the catalog `cat` the transaction read, so nothing is read before
/// its rows go in.
pub fn on_new_booking(
    c: &mut DbConnection,
    cat: &CatalogSnapshot,
    now: DateTime<Utc>,
    appt: &AppointmentRow,
    recipient: &str,
    yes: &[String],
) -> Result<(), AppError> {
    let known = Known::New {
        recipient,
        cat,
        yes,
    };
    plan_before_session(c, &cat.clinic, now, appt, known)
}

/// The confirmation and everything before the session, from the booking time and the start.
fn plan_before_session(
    c: &mut DbConnection,
    clinic: &Clinic,
    now: DateTime<Utc>,
    appt: &AppointmentRow,
    known: Known<'_>,
) -> Result<(), AppError> {
    let booked = from_db(appt.created_at);
    let start = from_db(appt.starts_at);
    plan_steps(
        c,
        clinic,
        now,
        appt,
        &[Anchor::Booked, Anchor::Start],
        |a| if a == Anchor::Booked { booked } else { start },
        AlreadySent::Keep,
        known,
    )
}

/// A new time: the patient is told at once (the confirmation's step, sent as a notice of the
/// move with the updated calendar entry); preparation and reminders move with it, and those
/// already sent for the old time go again when the new time makes them useful again.
pub fn on_rescheduled(
    c: &mut DbConnection,
    clinic: &Clinic,
    now: DateTime<Utc>,
    appt: &AppointmentRow,
) -> Result<(), AppError> {
    let start = from_db(appt.starts_at);
    let now_db = to_db(now);
    let patient = patients::by_id(c, appt.patient_id)?;
    // A confirmation (or an earlier move's notice) not sent yet would name a time that is no
    // longer true; the new notice carries everything it said.
    outbox::cancel_pending(
        c,
        appt.id,
        &[StepKind::Confirmation],
        "superseded by the notice of a move",
        now_db,
    )?;
    for s in steps(
        care_plans::steps_of(c, appt.treatment_id)?,
        &[Anchor::Booked],
    ) {
        if s.kind != StepKind::Confirmation {
            continue;
        }
        let k = moved_key(appt.id, s.row.id, appt.ics_sequence);
        if outbox::by_key(c, &k)?.is_none() {
            outbox::insert(
                c,
                &NewOutbox {
                    appointment_id: appt.id,
                    step_id: Some(s.row.id),
                    kind: s.kind.as_str(),
                    dedupe_key: &k,
                    recipient: &patient.email,
                    due_at: now_db,
                    status: OutboxStatus::Planned.as_str(),
                    message_id: &k,
                    note: Some("appointment moved"),
                    created_at: now_db,
                    updated_at: now_db,
                },
            )?;
        }
    }
    plan_steps(
        c,
        clinic,
        now,
        appt,
        &[Anchor::Start],
        |_| start,
        AlreadySent::SendAgain,
        Known::Nothing,
    )
}

/// Cancelled: nothing more goes out but the cancellation confirmation.
pub fn on_cancelled(
    c: &mut DbConnection,
    clinic: &Clinic,
    now: DateTime<Utc>,
    appt: &AppointmentRow,
) -> Result<(), AppError> {
    outbox::cancel_pending(
        c,
        appt.id,
        &StepKind::ALL,
        "appointment cancelled",
        to_db(now),
    )?;
    plan_steps(
        c,
        clinic,
        now,
        appt,
        &[Anchor::Cancelled],
        |_| now,
        AlreadySent::Keep,
        Known::Nothing,
    )
}

/// The session happened: aftercare, check-ins and follow-ups, timed from its actual end.
pub fn on_completed(
    c: &mut DbConnection,
    clinic: &Clinic,
    now: DateTime<Utc>,
    appt: &AppointmentRow,
) -> Result<(), AppError> {
    outbox::cancel_pending(c, appt.id, &BEFORE_SESSION, COMPLETED_NOTE, to_db(now))?;
    let done = appt.completed_at.map(from_db).unwrap_or(now);
    plan_steps(
        c,
        clinic,
        now,
        appt,
        &[Anchor::Completed],
        |_| done,
        AlreadySent::Keep,
        Known::Nothing,
    )
}

/// A no-show: "we missed you" instead of aftercare.
pub fn on_no_show(
    c: &mut DbConnection,
    clinic: &Clinic,
    now: DateTime<Utc>,
    appt: &AppointmentRow,
) -> Result<(), AppError> {
    outbox::cancel_pending(c, appt.id, &BEFORE_SESSION, NO_SHOW_NOTE, to_db(now))?;
    let start = from_db(appt.starts_at);
    plan_steps(
        c,
        clinic,
        now,
        appt,
        &[Anchor::NoShow],
        |_| start.max(now),
        AlreadySent::Keep,
        Known::Nothing,
    )
}

/// Staff undid a completion, no-show or check-in (`appt` is the appointment as it is now): what
/// that move planned and hasn't gone out is cancelled, and when the appointment is booked again
/// its confirmation and reminders are planned again (those still useful).
pub fn on_undone(
    c: &mut DbConnection,
    clinic: &Clinic,
    now: DateTime<Utc>,
    appt: &AppointmentRow,
    status: Status,
) -> Result<(), AppError> {
    let note = undone_note("status change undone by staff");
    outbox::cancel_pending(c, appt.id, &AFTER_SESSION, &note, to_db(now))?;
    if status == Status::Booked {
        outbox::renote_cancelled(
            c,
            appt.id,
            &[COMPLETED_NOTE, NO_SHOW_NOTE],
            &note,
            to_db(now),
        )?;
        plan_before_session(c, clinic, now, appt, Known::Nothing)?;
    }
    Ok(())
}
