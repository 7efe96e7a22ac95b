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

pub fn step(conn: &mut DbConnection, id: i32) -> QueryResult<Option<CarePlanStepRow>> {
    care_plan_steps::table
        .find(id)
        .select(CarePlanStepRow::as_select())
        .first(conn)
        .optional()
}

pub fn update_step(
    conn: &mut DbConnection,
    id: i32,
    subject: &str,
    body: &str,
    offset_minutes: i32,
    active: bool,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(care_plan_steps::table.find(id))
        .set((
            care_plan_steps::subject.eq(subject),
            care_plan_steps::body.eq(body),
            care_plan_steps::offset_minutes.eq(offset_minutes),
            care_plan_steps::active.eq(active),
            care_plan_steps::updated_at.eq(now),
        ))
        .execute(conn)
}
