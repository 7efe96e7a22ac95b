//! Queries of the staff desk: the schedule, status moves, staff notes, patient search.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};

use super::DbConnection;
use super::models::*;
use super::schema::{
    appointment_notes, appointments, patients, practitioners, staff_users, treatments,
};

// SQLite's LIKE ignores ASCII case and PostgreSQL's doesn't: lowering both sides makes the
// search behave the same on both.
diesel::define_sql_function!(fn lower(x: Text) -> Text);
diesel::define_sql_function!(fn replace(x: Nullable<Text>, from: Text, to: Text) -> Nullable<Text>);

/// An appointment with the names a list or schedule shows beside it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub appointment: AppointmentRow,
    pub patient: String,
    pub treatment: String,
    pub practitioner: String,
}

type ListedTuple = (AppointmentRow, String, String, String);

fn listed((appointment, patient, treatment, practitioner): ListedTuple) -> Listed {
    Listed {
        appointment,
        patient,
        treatment,
        practitioner,
    }
}

/// Appointments (any status) overlapping [from, to), of these practitioners or of everyone.
pub fn overlapping(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
    practitioner_ids: Option<&[i32]>,
) -> QueryResult<Vec<Listed>> {
    let mut q = appointments::table
        .inner_join(patients::table)
        .inner_join(treatments::table)
        .inner_join(practitioners::table)
        .filter(appointments::starts_at.lt(to))
        .filter(appointments::ends_at.gt(from))
        .into_boxed();
    if let Some(ids) = practitioner_ids {
        q = q.filter(appointments::practitioner_id.eq_any(ids.to_vec()));
    }
    q.order((appointments::starts_at, appointments::id))
        .select((
            AppointmentRow::as_select(),
            patients::name,
            treatments::name,
            practitioners::name,
        ))
        .load::<ListedTuple>(conn)
        .map(|v| v.into_iter().map(listed).collect())
}

/// A patient's appointments, newest first; only those with one practitioner when given.
pub fn of_patient(
    conn: &mut DbConnection,
    patient_id: i32,
    practitioner_id: Option<i32>,
) -> QueryResult<Vec<Listed>> {
    let mut q = appointments::table
        .inner_join(patients::table)
        .inner_join(treatments::table)
        .inner_join(practitioners::table)
        .filter(appointments::patient_id.eq(patient_id))
        .into_boxed();
    if let Some(p) = practitioner_id {
        q = q.filter(appointments::practitioner_id.eq(p));
    }
    q.order((appointments::starts_at.desc(), appointments::id.desc()))
        .select((
            AppointmentRow::as_select(),
            patients::name,
            treatments::name,
            practitioners::name,
        ))
        .load::<ListedTuple>(conn)
        .map(|v| v.into_iter().map(listed).collect())
}

/// Takes the appointment's row for the rest of the transaction: a row lock on PostgreSQL, so
/// two desks acting on one appointment queue and the second sees the first's result; on SQLite
/// the write that makes the transaction a writer from its first statement. 0: no such row.
pub fn lock(conn: &mut DbConnection, id: i32) -> QueryResult<usize> {
    diesel::update(appointments::table.find(id))
        .set(appointments::updated_at.eq(appointments::updated_at))
        .execute(conn)
}

/// A status move the desk makes, with the instant it records.
#[derive(Debug, Clone, Copy)]
pub enum StatusMove {
    CheckIn { at: NaiveDateTime },
    Complete { ended_at: NaiveDateTime },
    NoShow,
}

/// Compare-and-set: moves the status only if it is still `expected`; returns the rows changed.
pub fn set_status(
    conn: &mut DbConnection,
    id: i32,
    expected: &str,
    to: &str,
    mv: StatusMove,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let target = appointments::table
        .find(id)
        .filter(appointments::status.eq(expected));
    let common = (
        appointments::status.eq(to),
        appointments::updated_at.eq(now),
    );
    match mv {
        StatusMove::CheckIn { at } => diesel::update(target)
            .set((common, appointments::checked_in_at.eq(Some(at))))
            .execute(conn),
        StatusMove::Complete { ended_at } => diesel::update(target)
            .set((common, appointments::completed_at.eq(Some(ended_at))))
            .execute(conn),
        StatusMove::NoShow => diesel::update(target).set(common).execute(conn),
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = appointment_notes)]
pub struct NewNote<'a> {
    pub appointment_id: i32,
    pub staff_id: i32,
    pub body: &'a str,
    pub created_at: NaiveDateTime,
}

/// Inserts a note. Call it with the appointment locked (`lock`): the newest note of the
/// appointment is then the one just written (there is no RETURNING over both backends).
pub fn insert_note(conn: &mut DbConnection, new: &NewNote<'_>) -> QueryResult<AppointmentNoteRow> {
    diesel::insert_into(appointment_notes::table)
        .values(new)
        .execute(conn)?;
    appointment_notes::table
        .filter(appointment_notes::appointment_id.eq(new.appointment_id))
        .order(appointment_notes::id.desc())
        .select(AppointmentNoteRow::as_select())
        .first(conn)
}

/// An appointment's notes, oldest first, with their authors' names.
pub fn notes_of(
    conn: &mut DbConnection,
    appointment_id: i32,
) -> QueryResult<Vec<(AppointmentNoteRow, String)>> {
    appointment_notes::table
        .inner_join(staff_users::table)
        .filter(appointment_notes::appointment_id.eq(appointment_id))
        .order((appointment_notes::created_at, appointment_notes::id))
        .select((AppointmentNoteRow::as_select(), staff_users::name))
        .load(conn)
}

/// What to look for in patients: `text` (lower case) in a name, email or phone; `digits` in a
/// phone number once its spaces, dashes, dots and brackets are taken out.
#[derive(Debug, Clone, Default)]
pub struct PatientSearch {
    pub text: String,
    pub digits: Option<String>,
}

/// `%…%` with LIKE's own wildcards in `s` matched literally (escaped with `\`).
fn contains_pattern(s: &str) -> String {
    let mut p = String::with_capacity(s.len() + 2);
    p.push('%');
    for c in s.chars() {
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

/// Every practitioner, active or not (a schedule still shows a former practitioner's
/// appointments), in id order.
pub fn all_practitioners(conn: &mut DbConnection) -> QueryResult<Vec<PractitionerRow>> {
    practitioners::table
        .order(practitioners::id)
        .select(PractitionerRow::as_select())
        .load(conn)
}
