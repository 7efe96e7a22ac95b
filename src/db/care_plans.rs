//! Care plan steps: each treatment's emails, in order, as the clinic has worded them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::models::*;
use super::schema::care_plan_steps;

pub fn steps_of(conn: &mut DbConnection, treatment_id: i32) -> QueryResult<Vec<CarePlanStepRow>> {
    care_plan_steps::table
        .filter(care_plan_steps::treatment_id.eq(treatment_id))
        .order((care_plan_steps::position, care_plan_steps::id))
        .select(CarePlanStepRow::as_select())
        .load(conn)
}

/// Every treatment's steps, by treatment and then as `steps_of` orders them (the in-memory
/// catalog keeps them).
pub fn all_steps(conn: &mut DbConnection) -> QueryResult<Vec<CarePlanStepRow>> {
    care_plan_steps::table
        .order((
            care_plan_steps::treatment_id,
            care_plan_steps::position,
            care_plan_steps::id,
        ))
        .select(CarePlanStepRow::as_select())
        .load(conn)
}

pub fn step(conn: &mut DbConnection, id: i32) -> QueryResult<Option<CarePlanStepRow>> {
    care_plan_steps::table
        .find(id)
        .select(CarePlanStepRow::as_select())
        .first(conn)
        .optional()
}

/// A step's editable part.
pub struct StepUpdate<'a> {
    pub subject: &'a str,
    pub body: &'a str,
    pub late_body: &'a str,
    pub offset_minutes: i32,
    pub active: bool,
}

pub fn update_step(
    conn: &mut DbConnection,
    id: i32,
    u: &StepUpdate<'_>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(care_plan_steps::table.find(id))
        .set((
            care_plan_steps::subject.eq(u.subject),
            care_plan_steps::body.eq(u.body),
            care_plan_steps::late_body.eq(u.late_body),
            care_plan_steps::offset_minutes.eq(u.offset_minutes),
            care_plan_steps::active.eq(u.active),
            care_plan_steps::updated_at.eq(now),
        ))
        .execute(conn)
}
