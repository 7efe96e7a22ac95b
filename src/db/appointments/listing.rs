//! Appointments with their patient, treatment and practitioner, for conflict lists, exports,
//! calendar feeds and the dashboard.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::models::*;
use crate::db::schema::*;

#[derive(Debug, Clone)]
pub struct Listed {
    pub appointment: AppointmentRow,
    pub patient: PatientRow,
    pub treatment: TreatmentRow,
    pub practitioner: PractitionerRow,
}

/// Which appointments to list.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Starting at or after this instant.
    pub starts_from: Option<NaiveDateTime>,
    /// Starting before this instant.
    pub starts_before: Option<NaiveDateTime>,
    /// Not over yet at this instant (ends after it).
    pub ends_after: Option<NaiveDateTime>,
    pub practitioner_id: Option<i32>,
    /// Only these statuses; empty means all.
    pub statuses: Vec<&'static str>,
    pub exclude_cancelled: bool,
}

pub fn list(conn: &mut DbConnection, f: &ListFilter) -> QueryResult<Vec<Listed>> {
    let mut q = appointments::table.into_boxed();
    if let Some(t) = f.starts_from {
        q = q.filter(appointments::starts_at.ge(t));
    }
    if let Some(t) = f.starts_before {
        q = q.filter(appointments::starts_at.lt(t));
    }
    if let Some(t) = f.ends_after {
        q = q.filter(appointments::ends_at.gt(t));
    }
    if let Some(p) = f.practitioner_id {
        q = q.filter(appointments::practitioner_id.eq(p));
    }
    if !f.statuses.is_empty() {
        q = q.filter(appointments::status.eq_any(f.statuses.clone()));
    }
    if f.exclude_cancelled {
        q = q.filter(appointments::status.ne("cancelled"));
    }
    // Sorted here rather than by ORDER BY: with an ORDER BY on the start, SQLite prefers the
    // start index to avoid a sort even when (status, starts_at) reads far fewer rows — the
    // sessions nobody closed, for one, would read all of history.
    let mut rows: Vec<AppointmentRow> = q.select(AppointmentRow::as_select()).load(conn)?;
    rows.sort_by_key(|a| (a.starts_at, a.id));
    // The patients, treatments and practitioners are read by id afterwards rather than joined:
    // PostgreSQL cannot tell that few past appointments are still open, estimated a third of a
    // million rows for the sessions nobody closed and hash-joined every patient (about 100 ms
    // a dashboard with a million appointments). Reading by primary key keeps each step small.
    let patients = by_id(
        &rows,
        |a| a.patient_id,
        |ids| {
            patients::table
                .filter(patients::id.eq_any(ids))
                .select(PatientRow::as_select())
                .load(conn)
        },
    )?;
    let treatments = by_id(
        &rows,
        |a| a.treatment_id,
        |ids| {
            treatments::table
                .filter(treatments::id.eq_any(ids))
                .select(TreatmentRow::as_select())
                .load(conn)
        },
    )?;
    let practitioners = by_id(
        &rows,
        |a| a.practitioner_id,
        |ids| {
            practitioners::table
                .filter(practitioners::id.eq_any(ids))
                .select(PractitionerRow::as_select())
                .load(conn)
        },
    )?;
    Ok(rows
        .into_iter()
        .filter_map(|appointment| {
            // Foreign keys make every one of these present; a row that vanished between the
            // reads is left out, as the join would have done.
            Some(Listed {
                patient: patients.get(&appointment.patient_id)?.clone(),
                treatment: treatments.get(&appointment.treatment_id)?.clone(),
                practitioner: practitioners.get(&appointment.practitioner_id)?.clone(),
                appointment,
            })
        })
        .collect())
}

/// Rows of one table for the distinct ids `key` picks from `rows`, by id; asked in chunks so a
/// long list (an export) stays inside SQLite's limit on bound values.
fn by_id<R: HasId>(
    rows: &[AppointmentRow],
    key: impl Fn(&AppointmentRow) -> i32,
    mut load: impl FnMut(Vec<i32>) -> QueryResult<Vec<R>>,
) -> QueryResult<HashMap<i32, R>> {
    let mut ids: Vec<i32> = rows.iter().map(key).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        for r in load(chunk.to_vec())? {
            out.insert(r.id(), r);
        }
    }
    Ok(out)
}

trait HasId {
    fn id(&self) -> i32;
}
impl HasId for PatientRow {
    fn id(&self) -> i32 {
        self.id
    }
}
impl HasId for TreatmentRow {
    fn id(&self) -> i32 {
        self.id
    }
}
impl HasId for PractitionerRow {
    fn id(&self) -> i32 {
        self.id
    }
}

/// (start, status) of appointments starting in [from, to), for counting per day.
pub fn starts_between(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
    practitioner_id: Option<i32>,
) -> QueryResult<Vec<(NaiveDateTime, String)>> {
    let mut q = appointments::table
        .filter(appointments::starts_at.ge(from))
        .filter(appointments::starts_at.lt(to))
        .into_boxed();
    if let Some(p) = practitioner_id {
        q = q.filter(appointments::practitioner_id.eq(p));
    }
    q.select((appointments::starts_at, appointments::status))
        .load(conn)
}
