//! Which treatment is the consultation and which need one first, and the consultations and
//! patch tests done in person.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{appointments, consultations, treatment_requirements};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = treatment_requirements)]
pub struct RequirementRow {
    pub treatment_id: i32,
    pub is_consultation: bool,
    pub consultation_months: Option<i32>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = consultations)]
pub struct ConsultationRow {
    pub id: i32,
    pub patient_id: i32,
    pub kind: String,
    pub done_at: NaiveDateTime,
    pub appointment_id: Option<i32>,
    pub cleared_treatment_id: Option<i32>,
    pub recorded_by: Option<i32>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = consultations)]
pub struct NewConsultation<'a> {
    pub patient_id: i32,
    pub kind: &'a str,
    pub done_at: NaiveDateTime,
    pub appointment_id: Option<i32>,
    pub cleared_treatment_id: Option<i32>,
    pub recorded_by: Option<i32>,
    pub created_at: NaiveDateTime,
}

pub fn requirement(
    conn: &mut DbConnection,
    treatment_id: i32,
) -> QueryResult<Option<RequirementRow>> {
    treatment_requirements::table
        .find(treatment_id)
        .select(RequirementRow::as_select())
        .first(conn)
        .optional()
}

pub fn all_requirements(conn: &mut DbConnection) -> QueryResult<Vec<RequirementRow>> {
    treatment_requirements::table
        .select(RequirementRow::as_select())
        .load(conn)
}

/// Sets a treatment's requirement (insert or update: MultiConnection has no upsert).
pub fn set_requirement(
    conn: &mut DbConnection,
    treatment_id: i32,
    is_consultation: bool,
    months: Option<i32>,
) -> QueryResult<usize> {
    let changed = diesel::update(treatment_requirements::table.find(treatment_id))
        .set((
            treatment_requirements::is_consultation.eq(is_consultation),
            treatment_requirements::consultation_months.eq(months),
        ))
        .execute(conn)?;
    if changed > 0 {
        return Ok(changed);
    }
    diesel::insert_into(treatment_requirements::table)
        .values((
            treatment_requirements::treatment_id.eq(treatment_id),
            treatment_requirements::is_consultation.eq(is_consultation),
            treatment_requirements::consultation_months.eq(months),
        ))
        .execute(conn)
}

/// Ids of the treatments that are consultations.
pub fn consultation_treatments(conn: &mut DbConnection) -> QueryResult<Vec<i32>> {
    treatment_requirements::table
        .filter(treatment_requirements::is_consultation.eq(true))
        .select(treatment_requirements::treatment_id)
        .load(conn)
}

/// Whether the patient had a consultation since `since`: one recorded by staff, or a
/// consultation appointment that was completed.
pub fn consulted_since(
    conn: &mut DbConnection,
    patient_id: i32,
    since: NaiveDateTime,
    consultation_treatments: &[i32],
) -> QueryResult<bool> {
    let recorded: i64 = consultations::table
        .filter(consultations::patient_id.eq(patient_id))
        .filter(consultations::kind.eq("consultation"))
        .filter(consultations::done_at.ge(since))
        .count()
        .get_result(conn)?;
    if recorded > 0 {
        return Ok(true);
    }
    let completed: i64 = appointments::table
        .filter(appointments::patient_id.eq(patient_id))
        .filter(appointments::treatment_id.eq_any(consultation_treatments))
        .filter(appointments::status.eq("completed"))
        .filter(appointments::starts_at.ge(since))
        .count()
        .get_result(conn)?;
    Ok(completed > 0)
}

pub fn insert(conn: &mut DbConnection, new: &NewConsultation<'_>) -> QueryResult<usize> {
    diesel::insert_into(consultations::table)
        .values(new)
        .execute(conn)
}

/// The treatment the newest consultation recorded on this appointment cleared, if any.
pub fn cleared_by_appointment(
    conn: &mut DbConnection,
    appointment_id: i32,
) -> QueryResult<Option<i32>> {
    let ids: Vec<Option<i32>> = consultations::table
        .filter(consultations::appointment_id.eq(appointment_id))
        .filter(consultations::kind.eq("consultation"))
        .order(consultations::id.desc())
        .select(consultations::cleared_treatment_id)
        .load(conn)?;
    Ok(ids.into_iter().flatten().next())
}

pub fn of_patient(conn: &mut DbConnection, patient_id: i32) -> QueryResult<Vec<ConsultationRow>> {
    consultations::table
        .filter(consultations::patient_id.eq(patient_id))
        .order(consultations::done_at.desc())
        .select(ConsultationRow::as_select())
        .load(conn)
}
