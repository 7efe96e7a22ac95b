//! Treatment courses: each treatment's recommended plan, patients' courses and which
//! appointments are their sessions.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{appointments, course_plans, course_sessions, courses};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = course_plans)]
pub struct PlanRow {
    pub id: i32,
    pub treatment_id: i32,
    pub sessions: i32,
    pub min_interval_days: i32,
    pub max_interval_days: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = courses)]
pub struct CourseRow {
    pub id: i32,
    pub patient_id: i32,
    pub treatment_id: i32,
    pub sessions_planned: i32,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
}

/// A session as the interval rule needs it: (appointment id, starts, ends, completed at, status).
pub type SessionTimes = (
    i32,
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
    String,
);

pub fn plan_for(conn: &mut DbConnection, treatment_id: i32) -> QueryResult<Option<PlanRow>> {
    course_plans::table
        .filter(course_plans::treatment_id.eq(treatment_id))
        .select(PlanRow::as_select())
        .first(conn)
        .optional()
}

pub fn all_plans(conn: &mut DbConnection) -> QueryResult<Vec<PlanRow>> {
    course_plans::table.select(PlanRow::as_select()).load(conn)
}

/// Sets (or with `None` removes) a treatment's plan.
pub fn set_plan(
    conn: &mut DbConnection,
    treatment_id: i32,
    plan: Option<(i32, i32, i32)>,
) -> QueryResult<()> {
    diesel::delete(course_plans::table.filter(course_plans::treatment_id.eq(treatment_id)))
        .execute(conn)?;
    if let Some((sessions, min, max)) = plan {
        diesel::insert_into(course_plans::table)
            .values((
                course_plans::treatment_id.eq(treatment_id),
                course_plans::sessions.eq(sessions),
                course_plans::min_interval_days.eq(min),
                course_plans::max_interval_days.eq(max),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The patient's newest open course of a treatment.
pub fn open_course(
    conn: &mut DbConnection,
    patient_id: i32,
    treatment_id: i32,
) -> QueryResult<Option<CourseRow>> {
    courses::table
        .filter(courses::patient_id.eq(patient_id))
        .filter(courses::treatment_id.eq(treatment_id))
        .filter(courses::status.eq("open"))
        .order(courses::id.desc())
        .select(CourseRow::as_select())
        .first(conn)
        .optional()
}

/// Starts a course and returns it.
pub fn start(
    conn: &mut DbConnection,
    patient_id: i32,
    treatment_id: i32,
    planned: i32,
    now: NaiveDateTime,
) -> QueryResult<CourseRow> {
    diesel::insert_into(courses::table)
        .values((
            courses::patient_id.eq(patient_id),
            courses::treatment_id.eq(treatment_id),
            courses::sessions_planned.eq(planned),
            courses::status.eq("open"),
            courses::created_at.eq(now),
        ))
        .execute(conn)?;
    courses::table
        .filter(courses::patient_id.eq(patient_id))
        .filter(courses::treatment_id.eq(treatment_id))
        .order(courses::id.desc())
        .select(CourseRow::as_select())
        .first(conn)
}

pub fn by_id(conn: &mut DbConnection, id: i32) -> QueryResult<Option<CourseRow>> {
    courses::table
        .find(id)
        .select(CourseRow::as_select())
        .first(conn)
        .optional()
}

/// Takes the course's row for the rest of the transaction (a row lock on PostgreSQL; on
/// SQLite every writer is alone anyway), so two bookings into one course queue.
pub fn lock(conn: &mut DbConnection, id: i32) -> QueryResult<usize> {
    diesel::update(courses::table.find(id))
        .set(courses::sessions_planned.eq(courses::sessions_planned))
        .execute(conn)
}

pub fn add_session(
    conn: &mut DbConnection,
    course_id: i32,
    appointment_id: i32,
) -> QueryResult<usize> {
    diesel::insert_into(course_sessions::table)
        .values((
            course_sessions::course_id.eq(course_id),
            course_sessions::appointment_id.eq(appointment_id),
        ))
        .execute(conn)
}

/// A course's sessions (every status), by start.
pub fn sessions(conn: &mut DbConnection, course_id: i32) -> QueryResult<Vec<SessionTimes>> {
    course_sessions::table
        .inner_join(appointments::table)
        .filter(course_sessions::course_id.eq(course_id))
        .order(appointments::starts_at)
        .select((
            appointments::id,
            appointments::starts_at,
            appointments::ends_at,
            appointments::completed_at,
            appointments::status,
        ))
        .load(conn)
}

/// The course an appointment is a session of.
pub fn course_of(conn: &mut DbConnection, appointment_id: i32) -> QueryResult<Option<CourseRow>> {
    course_sessions::table
        .inner_join(courses::table)
        .filter(course_sessions::appointment_id.eq(appointment_id))
        .select(CourseRow::as_select())
        .first(conn)
        .optional()
}

pub fn set_planned(conn: &mut DbConnection, id: i32, planned: i32) -> QueryResult<usize> {
    diesel::update(courses::table.find(id))
        .set(courses::sessions_planned.eq(planned))
        .execute(conn)
}

pub fn end(conn: &mut DbConnection, id: i32, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(courses::table.find(id).filter(courses::status.eq("open")))
        .set((courses::status.eq("ended"), courses::ended_at.eq(Some(now))))
        .execute(conn)
}
