//! What patients and staff do to the emails: opting out, the staff log with its retry and
//! cancel, and the sending window the configuration sets at start.

use chrono::{DateTime, Utc};
use diesel::Connection;
use serde_json::json;

use crate::db::models::{OutboxRow, PatientRow, to_db};
use crate::db::{DbConnection, clinic as clinic_db, outbox as outbox_db, patients};
use crate::domain::care_plan::StepKind;
use crate::error::AppError;
use crate::service::audit::{self, Actor, Entry};
use crate::service::clinic::{self, Clinic};

fn patient_by_token(c: &mut DbConnection, token: &str) -> Result<PatientRow, AppError> {
    crate::service::links::unsubscribing(c, token)
}

pub fn opted_out(c: &mut DbConnection, token: &str) -> Result<bool, AppError> {
    Ok(patient_by_token(c, token)?.followups_opt_out)
}

/// Opts the patient out of check-ins and follow-ups, and cancels those not yet sent.
pub fn opt_out(c: &mut DbConnection, now: DateTime<Utc>, token: &str) -> Result<(), AppError> {
    let patient = patient_by_token(c, token)?;
    let kinds: Vec<StepKind> = StepKind::ALL
        .into_iter()
        .filter(|k| k.can_opt_out())
        .collect();
    c.transaction(|c| {
        patients::opt_out_of_followups(c, patient.id, to_db(now))?;
        outbox_db::cancel_pending_of_patient(
            c,
            patient.id,
            &kinds,
            "patient opted out",
            to_db(now),
        )?;
        if !patient.followups_opt_out {
            audit::record(
                c,
                now,
                &Actor::Patient {
                    label: "patient via unsubscribe link".into(),
                },
                Entry {
                    action: "patient.opt_out",
                    subject_kind: "patient",
                    subject_id: Some(patient.id),
                    before: Some(json!({"followups_opt_out": false})),
                    after: Some(json!({"followups_opt_out": true})),
                    note: None,
                },
            )?;
        }
        Ok(())
    })
}

pub use crate::db::outbox::LogFilter;

/// One page of the staff's message log, newest due first.
pub struct MessageLog {
    pub clinic: Clinic,
    /// Rows per stored status, for the filter links.
    pub counts: Vec<(String, i64)>,
    /// Each with its patient's name.
    pub rows: Vec<(OutboxRow, String)>,
    /// Whether an older page exists.
    pub more: bool,
}

pub fn log(
    c: &mut DbConnection,
    filter: &outbox_db::LogFilter,
    page: i64,
    per_page: i64,
) -> Result<MessageLog, AppError> {
    let clinic = clinic::load(c)?;
    let counts = outbox_db::status_counts(c)?;
    let mut rows = outbox_db::recent(c, filter, per_page + 1, page * per_page)?;
    let more = rows.len() as i64 > per_page;
    rows.truncate(usize::try_from(per_page).unwrap_or(0));
    Ok(MessageLog {
        clinic,
        counts,
        rows,
        more,
    })
}

fn staff_change(
    c: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    id: i32,
    action: &str,
    changed: usize,
) -> Result<(), AppError> {
    if changed == 0 {
        return Err(AppError::NotAllowed(match action {
            "message.retry" => "Only a failed or dead message can be retried.".into(),
            _ => "Only a planned or failed message can be cancelled.".into(),
        }));
    }
    let after = outbox_db::by_id(c, id)?
        .map(|r| json!({"status": r.status, "due_at": r.due_at.and_utc().to_rfc3339()}));
    audit::record(
        c,
        now,
        actor,
        Entry {
            action,
            subject_kind: "message",
            subject_id: Some(id),
            before: None,
            after,
            note: None,
        },
    )?;
    Ok(())
}

pub fn retry(
    c: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    id: i32,
) -> Result<(), AppError> {
    c.transaction(|c| {
        let n = outbox_db::retry(c, id, to_db(now))?;
        staff_change(c, now, actor, id, "message.retry", n)
    })
}

pub fn cancel(
    c: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    id: i32,
) -> Result<(), AppError> {
    c.transaction(|c| {
        let n = outbox_db::cancel(c, id, "cancelled by staff", to_db(now))?;
        staff_change(c, now, actor, id, "message.cancel", n)
    })
}

/// CAREPATH_QUIET_HOURS, when given, is the clinic's sending window from now on. It is written,
/// with its audit entry in the same transaction, only when it differs from the stored window, so
/// restarting with the same configuration leaves no trace. True when it changed.
pub fn apply_configured_window(
    c: &mut DbConnection,
    now: DateTime<Utc>,
    (start, end): (u16, u16),
) -> Result<bool, AppError> {
    let (start, end) = (i32::from(start), i32::from(end));
    c.transaction(|c| {
        let Some(row) = clinic_db::clinic(c)? else {
            return Ok(false);
        };
        if (row.mail_window_start, row.mail_window_end) == (start, end) {
            return Ok(false);
        }
        clinic_db::set_mail_window(c, row.id, start, end)?;
        audit::record(
            c,
            now,
            &Actor::System,
            Entry {
                action: "clinic.mail_window",
                subject_kind: "clinic",
                subject_id: Some(row.id),
                before: Some(json!({
                    "mail_window_start": row.mail_window_start,
                    "mail_window_end": row.mail_window_end,
                })),
                after: Some(json!({"mail_window_start": start, "mail_window_end": end})),
                note: Some("configuration at start (CAREPATH_QUIET_HOURS)"),
            },
        )?;
        Ok(true)
    })
}
