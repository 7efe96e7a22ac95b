//! Screening questions (one row per version: edits retire a row and insert the next), the
//! answers given for an appointment, and the appointment's screening state and flag.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{
    appointment_screening, care_plan_step_conditions, screening_answers, screening_questions,
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = screening_questions)]
pub struct QuestionRow {
    pub id: i32,
    pub treatment_id: i32,
    pub question_key: String,
    pub version: i32,
    pub position: i32,
    pub text: String,
    pub effect: String,
    pub created_at: NaiveDateTime,
    pub retired_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = screening_questions)]
pub struct NewQuestion<'a> {
    pub treatment_id: i32,
    pub question_key: &'a str,
    pub version: i32,
    pub position: i32,
    pub text: &'a str,
    pub effect: &'a str,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = appointment_screening)]
pub struct ScreeningStateRow {
    pub appointment_id: i32,
    pub status: String,
    pub flag: Option<String>,
    pub flagged_at: Option<NaiveDateTime>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub reviewed_by: Option<i32>,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = appointment_screening)]
/// `None` is written as NULL (every such column's default): the statement's text then doesn't
/// vary with which fields are empty, so SQLite keeps it prepared (issue 13).
#[diesel(treat_none_as_default_value = false)]
pub struct NewScreeningState<'a> {
    pub appointment_id: i32,
    pub status: &'a str,
    pub flag: Option<&'a str>,
    pub flagged_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

/// An answer with the exact version of the question it answered.
#[derive(Debug, Clone)]
pub struct AnswerWithQuestion {
    pub answer: bool,
    pub answered_at: NaiveDateTime,
    pub question: QuestionRow,
}

/// The questions a treatment asks now, in order.
pub fn current(conn: &mut DbConnection, treatment_id: i32) -> QueryResult<Vec<QuestionRow>> {
    screening_questions::table
        .filter(screening_questions::treatment_id.eq(treatment_id))
        .filter(screening_questions::retired_at.is_null())
        .order((screening_questions::position, screening_questions::id))
        .select(QuestionRow::as_select())
        .load(conn)
}

/// Every treatment's current questions, by treatment and then as `current` orders them.
pub fn all_current(conn: &mut DbConnection) -> QueryResult<Vec<QuestionRow>> {
    screening_questions::table
        .filter(screening_questions::retired_at.is_null())
        .order((
            screening_questions::treatment_id,
            screening_questions::position,
            screening_questions::id,
        ))
        .select(QuestionRow::as_select())
        .load(conn)
}

pub fn question(conn: &mut DbConnection, id: i32) -> QueryResult<Option<QuestionRow>> {
    screening_questions::table
        .find(id)
        .select(QuestionRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_question(conn: &mut DbConnection, new: &NewQuestion<'_>) -> QueryResult<usize> {
    diesel::insert_into(screening_questions::table)
        .values(new)
        .execute(conn)
}

/// Retires a current version; 0 when it was already retired (someone else edited it first).
pub fn retire(conn: &mut DbConnection, id: i32, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        screening_questions::table
            .find(id)
            .filter(screening_questions::retired_at.is_null()),
    )
    .set(screening_questions::retired_at.eq(Some(now)))
    .execute(conn)
}

/// How many questions a treatment has ever had (for a new question's key and position).
pub fn count_for(conn: &mut DbConnection, treatment_id: i32) -> QueryResult<i64> {
    screening_questions::table
        .filter(screening_questions::treatment_id.eq(treatment_id))
        .count()
        .get_result(conn)
}

pub fn count_all(conn: &mut DbConnection) -> QueryResult<i64> {
    screening_questions::table.count().get_result(conn)
}

pub fn insert_answer(
    conn: &mut DbConnection,
    appointment_id: i32,
    question_id: i32,
    answer: bool,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(screening_answers::table)
        .values((
            screening_answers::appointment_id.eq(appointment_id),
            screening_answers::question_id.eq(question_id),
            screening_answers::answer.eq(answer),
            screening_answers::answered_at.eq(now),
        ))
        .execute(conn)
}

pub fn answers_of(
    conn: &mut DbConnection,
    appointment_id: i32,
) -> QueryResult<Vec<AnswerWithQuestion>> {
    let rows: Vec<(bool, NaiveDateTime, QuestionRow)> = screening_answers::table
        .inner_join(screening_questions::table)
        .filter(screening_answers::appointment_id.eq(appointment_id))
        .order((screening_questions::position, screening_questions::id))
        .select((
            screening_answers::answer,
            screening_answers::answered_at,
            QuestionRow::as_select(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(answer, answered_at, question)| AnswerWithQuestion {
            answer,
            answered_at,
            question,
        })
        .collect())
}

/// The question keys this appointment answered "yes" to.
pub fn yes_keys(conn: &mut DbConnection, appointment_id: i32) -> QueryResult<Vec<String>> {
    screening_answers::table
        .inner_join(screening_questions::table)
        .filter(screening_answers::appointment_id.eq(appointment_id))
        .filter(screening_answers::answer.eq(true))
        .select(screening_questions::question_key)
        .load(conn)
}

pub fn insert_state(conn: &mut DbConnection, new: &NewScreeningState<'_>) -> QueryResult<usize> {
    // On the backend's own connection: every booking of a screened treatment writes one.
    super::per_backend!(conn, |c| diesel::insert_into(appointment_screening::table)
        .values(new)
        .execute(c))
}

pub fn state_of(
    conn: &mut DbConnection,
    appointment_id: i32,
) -> QueryResult<Option<ScreeningStateRow>> {
    appointment_screening::table
        .find(appointment_id)
        .select(ScreeningStateRow::as_select())
        .first(conn)
        .optional()
}

/// Pending → answered, with the flag the answers set. 0: it was no longer pending.
pub fn mark_answered(
    conn: &mut DbConnection,
    appointment_id: i32,
    flag: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        appointment_screening::table
            .find(appointment_id)
            .filter(appointment_screening::status.eq("pending")),
    )
    .set((
        appointment_screening::status.eq("answered"),
        appointment_screening::flag.eq(flag),
        appointment_screening::flagged_at.eq(flag.map(|_| now)),
        appointment_screening::updated_at.eq(now),
    ))
    .execute(conn)
}

/// Records the practitioner's review of an open flag. 0: no open flag.
pub fn mark_reviewed(
    conn: &mut DbConnection,
    appointment_id: i32,
    staff_id: i32,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        appointment_screening::table
            .find(appointment_id)
            .filter(appointment_screening::flag.is_not_null())
            .filter(appointment_screening::reviewed_at.is_null()),
    )
    .set((
        appointment_screening::reviewed_at.eq(Some(now)),
        appointment_screening::reviewed_by.eq(Some(staff_id)),
        appointment_screening::updated_at.eq(now),
    ))
    .execute(conn)
}

/// Appointments with a flag nobody has reviewed yet.
pub fn open_flags(conn: &mut DbConnection) -> QueryResult<Vec<ScreeningStateRow>> {
    appointment_screening::table
        .filter(appointment_screening::flag.is_not_null())
        .filter(appointment_screening::reviewed_at.is_null())
        .order(appointment_screening::flagged_at)
        .select(ScreeningStateRow::as_select())
        .load(conn)
}

/// Which of these appointments still wait for their screening answers.
pub fn pending_among(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<Vec<i32>> {
    appointment_screening::table
        .filter(appointment_screening::appointment_id.eq_any(ids))
        .filter(appointment_screening::status.eq("pending"))
        .select(appointment_screening::appointment_id)
        .load(conn)
}

/// Care plan steps planned only after a "yes" to a question: (step id, question key).
pub fn step_conditions(conn: &mut DbConnection) -> QueryResult<Vec<(i32, String)>> {
    care_plan_step_conditions::table
        .select((
            care_plan_step_conditions::step_id,
            care_plan_step_conditions::question_key,
        ))
        .load(conn)
}

pub fn insert_step_condition(
    conn: &mut DbConnection,
    step_id: i32,
    question_key: &str,
) -> QueryResult<usize> {
    diesel::insert_into(care_plan_step_conditions::table)
        .values((
            care_plan_step_conditions::step_id.eq(step_id),
            care_plan_step_conditions::question_key.eq(question_key),
        ))
        .execute(conn)
}

/// Erasure: the answers given for these appointments (health data) go.
pub fn delete_answers_for(conn: &mut DbConnection, appointment_ids: &[i32]) -> QueryResult<usize> {
    diesel::delete(
        screening_answers::table.filter(screening_answers::appointment_id.eq_any(appointment_ids)),
    )
    .execute(conn)
}
