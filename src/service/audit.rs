//! Recording who did what. Every write that matters calls `record` inside its own transaction,
//! so the trail and the change commit (or roll back) together.

use chrono::{DateTime, Utc};
use diesel::QueryResult;
use serde_json::{Value, json};

use crate::db::models::{AppointmentRow, NewAudit, from_db, to_db};
use crate::db::{DbConnection, audit};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Staff {
        id: i32,
        label: String,
    },
    /// A patient acting through the booking pages, the API or their manage link.
    Patient {
        label: String,
    },
    System,
}

impl Actor {
    fn parts(&self) -> (&'static str, Option<i32>, &str) {
        match self {
            Actor::Staff { id, label } => ("staff", Some(*id), label),
            Actor::Patient { label } => ("patient", None, label),
            Actor::System => ("system", None, "system"),
        }
    }
}

pub struct Entry<'a> {
    pub action: &'a str,
    pub subject_kind: &'a str,
    pub subject_id: Option<i32>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub note: Option<&'a str>,
}

pub fn record(
    conn: &mut DbConnection,
    at: DateTime<Utc>,
    actor: &Actor,
    e: Entry<'_>,
) -> QueryResult<()> {
    let (kind, id, label) = actor.parts();
    audit::insert(
        conn,
        &NewAudit {
            at: to_db(at),
            actor_kind: kind,
            actor_id: id,
            actor_label: label,
            action: e.action,
            subject_kind: e.subject_kind,
            subject_id: e.subject_id,
            before_json: e.before.map(|v| v.to_string()),
            after_json: e.after.map(|v| v.to_string()),
            note: e.note,
        },
    )?;
    Ok(())
}

/// What the trail keeps of an appointment's state.
pub fn appointment_snapshot(a: &AppointmentRow) -> Value {
    json!({
        "status": a.status,
        "practitioner_id": a.practitioner_id,
        "treatment_id": a.treatment_id,
        "starts_at": from_db(a.starts_at).to_rfc3339(),
        "ends_at": from_db(a.ends_at).to_rfc3339(),
        "cancel_reason": a.cancel_reason,
        "checked_in_at": a.checked_in_at.map(|t| from_db(t).to_rfc3339()),
        "completed_at": a.completed_at.map(|t| from_db(t).to_rfc3339()),
    })
}

/// Convenience for appointment changes.
pub fn appointment_change(
    conn: &mut DbConnection,
    at: DateTime<Utc>,
    actor: &Actor,
    action: &str,
    before: Option<&AppointmentRow>,
    after: &AppointmentRow,
    note: Option<&str>,
) -> QueryResult<()> {
    record(
        conn,
        at,
        actor,
        Entry {
            action,
            subject_kind: "appointment",
            subject_id: Some(after.id),
            before: before.map(appointment_snapshot),
            after: Some(appointment_snapshot(after)),
            note,
        },
    )
}
