//! A booking's contact (the name and phone typed with it) against its patient record: staff
//! take it into the record or keep it apart, both audited. Nothing else changes a record.

use chrono::{DateTime, Utc};
use diesel::Connection;
use serde_json::json;

use super::{Reach, locked};
use crate::db::models::to_db;
use crate::db::{DbConnection, appointments, patients};
use crate::error::AppError;
use crate::service::audit::{self, Actor, Entry};

/// Writes the booking's name (and phone, when one was given) into the patient record.
pub fn merge_into_record(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    appointment_id: i32,
    actor: &Actor,
    reach: Reach,
) -> Result<(), AppError> {
    conn.transaction(|c| {
        let a = locked(c, appointment_id, reach)?;
        let before = patients::by_id(c, a.patient_id)?;
        let name = if a.contact_name.is_empty() {
            before.name.clone()
        } else {
            a.contact_name.clone()
        };
        let phone = a.contact_phone.clone().or(before.phone.clone());
        patients::set_contact(c, before.id, &name, phone.as_deref(), to_db(now))?;
        appointments::set_contact_kept_apart(c, a.id, false)?;
        audit::record(
            c,
            now,
            actor,
            Entry {
                action: "patient.merge_contact",
                subject_kind: "patient",
                subject_id: Some(before.id),
                before: Some(json!({"name": before.name, "phone": before.phone})),
                after: Some(json!({"name": name, "phone": phone, "from_appointment": a.id})),
                note: None,
            },
        )?;
        Ok(())
    })
}

/// Leaves the record as it is: the booking keeps its own contact and the difference stops
/// being flagged.
pub fn keep_apart(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    appointment_id: i32,
    actor: &Actor,
    reach: Reach,
) -> Result<(), AppError> {
    conn.transaction(|c| {
        let a = locked(c, appointment_id, reach)?;
        appointments::set_contact_kept_apart(c, a.id, true)?;
        audit::record(
            c,
            now,
            actor,
            Entry {
                action: "appointment.keep_contact_apart",
                subject_kind: "appointment",
                subject_id: Some(a.id),
                before: None,
                after: Some(json!({"name": a.contact_name, "phone": a.contact_phone})),
                note: None,
            },
        )?;
        Ok(())
    })
}
