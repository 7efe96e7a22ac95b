//! Patients, matched by their (case-folded) email address, and their email preferences (the
//! opt-out of follow-ups; its links' secrets are in `links`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::models::*;
use diesel::sql_types::{Nullable, Text};

use super::schema::{appointments, patients};
use crate::domain::booking::PatientDetails;

/// The patient with this email, created from what was typed when new. An existing record is
/// never changed here: what a booker typed stays with the appointment (its contact), and the
/// record changes only through the staff console.
pub fn find_or_create(
    conn: &mut DbConnection,
    p: &PatientDetails,
    now: NaiveDateTime,
) -> QueryResult<PatientRow> {
    let key = p.email.normalized();
    // At most one row (a unique column), so no `.first()`: its `LIMIT ?` is a bound value,
    // and SQLite (3.47+) re-prepares a statement whose LIMIT is bound every time it is bound
    // again — a full parse and plan per booking (issue 13, seen in callgrind).
    //
    // On PostgreSQL the row is also locked to the end of the transaction: the limit on a
    // patient's upcoming bookings is counted after this, and two bookings by one patient on
    // different days no longer queue behind each other anywhere else (db::practitioners'
    // per-day locks), so without it both could count the same total and both go in. A new
    // row needs no lock: a second insert of the same email waits on the unique index.
    // SQLite's single writer already runs them one after the other.
    let by_email = patients::table.filter(patients::email_normalized.eq(&key));
    let existing = match conn {
        DbConnection::Sqlite(c) => by_email
            .select(PatientRow::as_select())
            .get_result(c)
            .optional(),
        DbConnection::Pg(c) => by_email
            .select(PatientRow::as_select())
            .for_update()
            .get_result(c)
            .optional(),
    }?;
    if let Some(row) = existing {
        return Ok(row);
    }
    // The stored row comes back from the insert itself (RETURNING, on both backends).
    let new = NewPatient {
        name: p.name.as_str(),
        email: p.email.as_str(),
        email_normalized: &key,
        phone: p.phone.as_ref().map(|ph| ph.as_str()),
        created_at: now,
        updated_at: now,
    };
    let insert = diesel::insert_into(patients::table).values(&new);
    match conn {
        DbConnection::Sqlite(c) => insert.returning(PatientRow::as_returning()).get_result(c),
        DbConnection::Pg(c) => insert.returning(PatientRow::as_returning()).get_result(c),
    }
}

/// Staff took a booking's contact into the record: its name, and its phone when it has one.
pub fn set_contact(
    conn: &mut DbConnection,
    id: i32,
    name: &str,
    phone: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(patients::table.find(id))
        .set((
            patients::name.eq(name),
            patients::phone.eq(phone),
            patients::updated_at.eq(now),
        ))
        .execute(conn)
}

/// Active (booked or checked-in) appointments of this patient starting after `now`.
pub fn active_future_bookings(
    conn: &mut DbConnection,
    patient_id: i32,
    now: NaiveDateTime,
    active: &[&str],
) -> QueryResult<i64> {
    // On the backend's own connection: run by every booking.
    super::per_backend!(conn, |c| appointments::table
        .filter(appointments::patient_id.eq(patient_id))
        .filter(appointments::starts_at.gt(now))
        .filter(appointments::status.eq_any(active))
        .count()
        .get_result(c))
}

/// (patient id, name) of these patients.
pub fn names_by_id(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<Vec<(i32, String)>> {
    patients::table
        .filter(patients::id.eq_any(ids))
        .select((patients::id, patients::name))
        .load(conn)
}

/// (appointment id, its patient's name) of these appointments.
pub fn names_by_appointment(
    conn: &mut DbConnection,
    appointment_ids: &[i32],
) -> QueryResult<Vec<(i32, String)>> {
    appointments::table
        .inner_join(patients::table)
        .filter(appointments::id.eq_any(appointment_ids))
        .select((appointments::id, patients::name))
        .load(conn)
}

pub fn by_id(conn: &mut DbConnection, id: i32) -> QueryResult<PatientRow> {
    patients::table
        .find(id)
        .select(PatientRow::as_select())
        .first(conn)
}

/// The patient wants no more check-ins and follow-ups.
pub fn opt_out_of_followups(
    conn: &mut DbConnection,
    id: i32,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(patients::table.find(id))
        .set((
            patients::followups_opt_out.eq(true),
            patients::updated_at.eq(now),
        ))
        .execute(conn)
}

// SQLite's LIKE ignores ASCII case and PostgreSQL's doesn't: lowering both sides makes the
// search behave the same on both.
diesel::define_sql_function!(fn lower(x: Text) -> Text);

diesel::define_sql_function!(fn replace(x: Nullable<Text>, from: Text, to: Text) -> Nullable<Text>);

/// What to look for in patients: `text` (lower case) in a name, email or phone; `digits` in a
/// phone number once its spaces, dashes, dots and brackets are taken out.
#[derive(Debug, Clone, Default)]
pub struct PatientSearch {
    pub text: String,
    pub digits: Option<String>,
}

/// `%…%` with LIKE's own wildcards in `s` matched literally (escaped with `\`).
pub(crate) fn contains_pattern(s: &str) -> String {
    let mut p = String::with_capacity(s.len() + 2);
    p.push('%');
    // PostgreSQL can't take NUL in a text parameter: it can't be in any stored text either.
    for c in s.chars().filter(|c| *c != '\0') {
        if matches!(c, '\\' | '%' | '_') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Patients matching the search (all when it is empty: the most recently seen first); only
/// patients with an appointment with `practitioner_id` when given.
pub fn search_patients(
    conn: &mut DbConnection,
    search: &PatientSearch,
    practitioner_id: Option<i32>,
    limit: i64,
) -> QueryResult<Vec<PatientRow>> {
    let mut q = patients::table.into_boxed();
    if let Some(p) = practitioner_id {
        q = q.filter(
            patients::id.eq_any(
                appointments::table
                    .filter(appointments::practitioner_id.eq(p))
                    .select(appointments::patient_id),
            ),
        );
    }
    if search.text.is_empty() {
        return q
            .order((patients::updated_at.desc(), patients::id.desc()))
            .limit(limit)
            .select(PatientRow::as_select())
            .load(conn);
    }
    let text = contains_pattern(&search.text);
    // Without digits to look for, the phone is matched on the text pattern as well.
    let digits = search
        .digits
        .as_deref()
        .map(contains_pattern)
        .unwrap_or_else(|| text.clone());
    let bare_phone = replace(
        replace(
            replace(replace(replace(patients::phone, " ", ""), "-", ""), "(", ""),
            ")",
            "",
        ),
        ".",
        "",
    );
    q.filter(
        lower(patients::name)
            .like(text.clone())
            .escape('\\')
            .or(lower(patients::email).like(text.clone()).escape('\\'))
            .or(patients::phone.like(text).escape('\\'))
            .or(bare_phone.like(digits).escape('\\')),
    )
    .order((patients::name, patients::id))
    .limit(limit)
    .select(PatientRow::as_select())
    .load(conn)
}

/// Whether the patient has (or had) any appointment with the practitioner.
pub fn is_patient_of(
    conn: &mut DbConnection,
    patient_id: i32,
    practitioner_id: i32,
) -> QueryResult<bool> {
    let n: i64 = appointments::table
        .filter(appointments::patient_id.eq(patient_id))
        .filter(appointments::practitioner_id.eq(practitioner_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}
