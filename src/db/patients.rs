//! Patients, matched by their (case-folded) email address.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::models::*;
use super::schema::patients;
use crate::domain::booking::PatientDetails;

/// The patient with this email, created or brought up to date with what they just typed.
pub fn upsert(
    conn: &mut DbConnection,
    p: &PatientDetails,
    now: NaiveDateTime,
) -> QueryResult<PatientRow> {
    let key = p.email.normalized();
    let existing = patients::table
        .filter(patients::email_normalized.eq(&key))
        .select(PatientRow::as_select())
        .first(conn)
        .optional()?;
    match existing {
        Some(row) => {
            // A returning patient keeps their record; a phone given now replaces an old one.
            let phone = p
                .phone
                .as_ref()
                .map(|ph| ph.as_str().to_string())
                .or(row.phone.clone());
            diesel::update(patients::table.find(row.id))
                .set((
                    patients::name.eq(p.name.as_str()),
                    patients::email.eq(p.email.as_str()),
                    patients::phone.eq(phone),
                    patients::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
        None => {
            diesel::insert_into(patients::table)
                .values(NewPatient {
                    name: p.name.as_str(),
                    email: p.email.as_str(),
                    email_normalized: &key,
                    phone: p.phone.as_ref().map(|ph| ph.as_str()),
                    created_at: now,
                    updated_at: now,
                })
                .execute(conn)?;
        }
    }
    patients::table
        .filter(patients::email_normalized.eq(&key))
        .select(PatientRow::as_select())
        .first(conn)
}

pub fn by_id(conn: &mut DbConnection, id: i32) -> QueryResult<PatientRow> {
    patients::table
        .find(id)
        .select(PatientRow::as_select())
        .first(conn)
}
