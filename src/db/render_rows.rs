//! The rows a dispatch batch renders its emails from, read for the whole batch at once: one
//! query per table instead of one per message and table (a round trip each on PostgreSQL was
//! most of the dispatcher's time).

use diesel::prelude::*;

use super::DbConnection;
use super::consultations::RequirementRow;
use super::models::{AppointmentRow, CarePlanStepRow, PatientRow, PractitionerRow, TreatmentRow};
use super::schema::{
    appointment_screening, appointments, care_plan_steps, course_sessions, patients, practitioners,
    treatment_requirements, treatments,
};

pub fn steps(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<Vec<CarePlanStepRow>> {
    care_plan_steps::table
        .filter(care_plan_steps::id.eq_any(ids))
        .select(CarePlanStepRow::as_select())
        .load(conn)
}

pub fn appointments(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<Vec<AppointmentRow>> {
    appointments::table
        .filter(appointments::id.eq_any(ids))
        .select(AppointmentRow::as_select())
        .load(conn)
}

pub fn patients(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<Vec<PatientRow>> {
    patients::table
        .filter(patients::id.eq_any(ids))
        .select(PatientRow::as_select())
        .load(conn)
}

pub fn treatments(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<Vec<TreatmentRow>> {
    treatments::table
        .filter(treatments::id.eq_any(ids))
        .select(TreatmentRow::as_select())
        .load(conn)
}

pub fn practitioners(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<Vec<PractitionerRow>> {
    practitioners::table
        .filter(practitioners::id.eq_any(ids))
        .select(PractitionerRow::as_select())
        .load(conn)
}

/// Which of these appointments are sessions of a treatment course.
pub fn in_a_course(conn: &mut DbConnection, appointment_ids: &[i32]) -> QueryResult<Vec<i32>> {
    course_sessions::table
        .filter(course_sessions::appointment_id.eq_any(appointment_ids))
        .select(course_sessions::appointment_id)
        .load(conn)
}

/// The consultation requirements of these treatments (treatments without a row have none).
pub fn requirements(
    conn: &mut DbConnection,
    treatment_ids: &[i32],
) -> QueryResult<Vec<RequirementRow>> {
    treatment_requirements::table
        .filter(treatment_requirements::treatment_id.eq_any(treatment_ids))
        .select(RequirementRow::as_select())
        .load(conn)
}

/// Which of these appointments have a screening in this status.
pub fn screening_in(
    conn: &mut DbConnection,
    appointment_ids: &[i32],
    status: &str,
) -> QueryResult<Vec<i32>> {
    appointment_screening::table
        .filter(appointment_screening::appointment_id.eq_any(appointment_ids))
        .filter(appointment_screening::status.eq(status))
        .select(appointment_screening::appointment_id)
        .load(conn)
}
