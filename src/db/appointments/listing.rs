//! Appointments with their patient, treatment and practitioner, for conflict lists, exports,
//! calendar feeds and the dashboard.

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
    let mut q = appointments::table
        .inner_join(patients::table)
        .inner_join(treatments::table)
        .inner_join(practitioners::table)
        .into_boxed();
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
    let mut rows: Vec<(AppointmentRow, PatientRow, TreatmentRow, PractitionerRow)> = q
        .select((
            AppointmentRow::as_select(),
            PatientRow::as_select(),
            TreatmentRow::as_select(),
            PractitionerRow::as_select(),
        ))
        .load(conn)?;
    rows.sort_by_key(|(a, ..)| (a.starts_at, a.id));
    Ok(rows
        .into_iter()
        .map(|(appointment, patient, treatment, practitioner)| Listed {
            appointment,
            patient,
            treatment,
            practitioner,
        })
        .collect())
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
