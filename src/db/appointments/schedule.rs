//! Appointments with the names a schedule, a patient's history or a search result shows beside
//! them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::models::*;
use crate::db::schema::{appointments, patients, practitioners, treatments};

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
        // Nothing lasts a day (a schema CHECK): this lower bound lets the index on starts_at
        // skip all older history.
        .filter(appointments::starts_at.gt(from - chrono::Duration::days(1)))
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
