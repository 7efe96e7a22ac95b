//! What patients and staff do to the emails: opting out, retrying, cancelling.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;

use crate::db::models::{PatientRow, to_db};
use crate::db::schema::{appointments, outbox, patients};
use crate::db::{DbConnection, outbox as outbox_db};
use crate::domain::token::ManageToken;
use crate::error::AppError;
use crate::service::audit::{self, Actor, Entry};

fn patient_by_token(c: &mut DbConnection, token: &str) -> Result<PatientRow, AppError> {
    let token = ManageToken::parse(token).ok_or(AppError::NotFound("link"))?;
    patients::table
        .filter(patients::unsubscribe_token.eq(token.as_str()))
        .select(PatientRow::as_select())
        .first(c)
        .optional()?
        .ok_or(AppError::NotFound("link"))
}

pub fn opted_out(c: &mut DbConnection, token: &str) -> Result<bool, AppError> {
    Ok(patient_by_token(c, token)?.followups_opt_out)
}

/// Opts the patient out of check-ins and follow-ups, and cancels those not yet sent.
pub fn opt_out(c: &mut DbConnection, now: DateTime<Utc>, token: &str) -> Result<(), AppError> {
    let patient = patient_by_token(c, token)?;
    c.transaction(|c| {
        diesel::update(patients::table.find(patient.id))
            .set((
                patients::followups_opt_out.eq(true),
                patients::updated_at.eq(to_db(now)),
            ))
            .execute(c)?;
        let theirs = appointments::table
            .filter(appointments::patient_id.eq(patient.id))
            .select(appointments::id);
        diesel::update(
            outbox::table
                .filter(outbox::appointment_id.eq_any(theirs))
                .filter(outbox::status.eq_any(["planned", "failed"]))
                .filter(outbox::kind.eq_any(["check_in", "follow_up"])),
        )
        .set((
            outbox::status.eq("cancelled"),
            outbox::note.eq("patient opted out"),
            outbox::updated_at.eq(to_db(now)),
        ))
        .execute(c)?;
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
