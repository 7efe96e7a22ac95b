//! Treatments, practitioners, their working hours, time off and calendar feed tokens.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::last_insert_id;
use crate::db::DbConnection;
use crate::db::models::*;
use crate::db::schema::*;
use crate::domain::admin::catalog::{PractitionerValues, TreatmentValues};

// --- treatments ---

pub fn all_treatments(conn: &mut DbConnection) -> QueryResult<Vec<TreatmentRow>> {
    treatments::table
        .order((treatments::position, treatments::id))
        .select(TreatmentRow::as_select())
        .load(conn)
}

pub fn treatment(conn: &mut DbConnection, id: i32) -> QueryResult<Option<TreatmentRow>> {
    treatments::table
        .find(id)
        .select(TreatmentRow::as_select())
        .first(conn)
        .optional()
}

/// Active or not: a slug stays taken by an inactive treatment.
pub fn treatment_by_slug(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<TreatmentRow>> {
    treatments::table
        .filter(treatments::slug.eq(slug))
        .select(TreatmentRow::as_select())
        .first(conn)
        .optional()
}

/// Takes the row's write lock for the rest of the transaction (a no-op update): on PostgreSQL a
/// row lock, so the "before" read next is not overtaken by another admin's save; on SQLite it
/// makes the transaction a writer from its first statement. Returns 0 when there is no such row.
pub fn lock_treatment(conn: &mut DbConnection, id: i32) -> QueryResult<usize> {
    diesel::update(treatments::table.find(id))
        .set(treatments::position.eq(treatments::position))
        .execute(conn)
}

pub fn insert_treatment(
    conn: &mut DbConnection,
    slug: &str,
    v: &TreatmentValues,
) -> QueryResult<TreatmentRow> {
    let position: Option<i32> = treatments::table
        .select(diesel::dsl::max(treatments::position))
        .first(conn)?;
    diesel::insert_into(treatments::table)
        .values(NewTreatment {
            slug,
            name: &v.name,
            summary: &v.summary,
            description: &v.description,
            during_session: &v.during_session,
            recovery: &v.recovery,
            sessions_note: &v.sessions_note,
            duration_minutes: v.duration_minutes,
            buffer_minutes: v.buffer_minutes,
            price_min_cents: v.price_min_cents,
            price_max_cents: v.price_max_cents,
            qualifications: &v.qualifications,
            active: v.active,
            position: position.map_or(0, |p| p + 1),
        })
        .execute(conn)?;
    treatment_by_slug(conn, slug)?.ok_or(diesel::result::Error::NotFound)
}

pub fn update_treatment(
    conn: &mut DbConnection,
    id: i32,
    v: &TreatmentValues,
) -> QueryResult<usize> {
    diesel::update(treatments::table.find(id))
        .set((
            treatments::name.eq(&v.name),
            treatments::summary.eq(&v.summary),
            treatments::description.eq(&v.description),
            treatments::during_session.eq(&v.during_session),
            treatments::recovery.eq(&v.recovery),
            treatments::sessions_note.eq(&v.sessions_note),
            treatments::duration_minutes.eq(v.duration_minutes),
            treatments::buffer_minutes.eq(v.buffer_minutes),
            treatments::price_min_cents.eq(v.price_min_cents),
            treatments::price_max_cents.eq(v.price_max_cents),
            treatments::qualifications.eq(&v.qualifications),
            treatments::active.eq(v.active),
        ))
        .execute(conn)
}

// --- practitioners ---

pub fn all_practitioners(conn: &mut DbConnection) -> QueryResult<Vec<PractitionerRow>> {
    practitioners::table
        .order((
            practitioners::active.desc(),
            practitioners::name,
            practitioners::id,
        ))
        .select(PractitionerRow::as_select())
        .load(conn)
}

pub fn practitioner(conn: &mut DbConnection, id: i32) -> QueryResult<Option<PractitionerRow>> {
    practitioners::table
        .find(id)
        .select(PractitionerRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_practitioner(conn: &mut DbConnection, v: &PractitionerValues) -> QueryResult<i32> {
    diesel::insert_into(practitioners::table)
        .values(NewPractitioner {
            name: &v.name,
            title: &v.title,
            qualifications: &v.qualifications,
            bio: &v.bio,
            active: true,
        })
        .execute(conn)?;
    last_insert_id(conn)
}

pub fn update_practitioner(
    conn: &mut DbConnection,
    id: i32,
    v: &PractitionerValues,
) -> QueryResult<usize> {
    diesel::update(practitioners::table.find(id))
        .set((
            practitioners::name.eq(&v.name),
            practitioners::title.eq(&v.title),
            practitioners::qualifications.eq(&v.qualifications),
            practitioners::bio.eq(&v.bio),
        ))
        .execute(conn)
}

pub fn set_practitioner_active(
    conn: &mut DbConnection,
    id: i32,
    active: bool,
) -> QueryResult<usize> {
    diesel::update(practitioners::table.find(id))
        .set(practitioners::active.eq(active))
        .execute(conn)
}

pub fn set_calendar_token(
    conn: &mut DbConnection,
    id: i32,
    token: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(practitioners::table.find(id))
        .set(practitioners::calendar_token.eq(token))
        .execute(conn)
}

pub fn practitioner_by_calendar_token(
    conn: &mut DbConnection,
    token: &str,
) -> QueryResult<Option<PractitionerRow>> {
    practitioners::table
        .filter(practitioners::calendar_token.eq(token))
        .select(PractitionerRow::as_select())
        .first(conn)
        .optional()
}

pub fn hours_of(conn: &mut DbConnection, id: i32) -> QueryResult<Vec<PractitionerHoursRow>> {
    practitioner_hours::table
        .filter(practitioner_hours::practitioner_id.eq(id))
        .order((
            practitioner_hours::weekday,
            practitioner_hours::start_minute,
        ))
        .select(PractitionerHoursRow::as_select())
        .load(conn)
}

/// Replaces the practitioner's week with these (weekday, start, end) rows.
pub fn replace_hours(
    conn: &mut DbConnection,
    id: i32,
    rows: &[(i32, i32, i32)],
) -> QueryResult<()> {
    diesel::delete(practitioner_hours::table.filter(practitioner_hours::practitioner_id.eq(id)))
        .execute(conn)?;
    // One row at a time: MultiConnection has no multi-row insert.
    for &(weekday, start_minute, end_minute) in rows {
        diesel::insert_into(practitioner_hours::table)
            .values(NewPractitionerHours {
                practitioner_id: id,
                weekday,
                start_minute,
                end_minute,
            })
            .execute(conn)?;
    }
    Ok(())
}

/// The practitioner's time off that has not ended by `after`, earliest first.
pub fn time_off_of(
    conn: &mut DbConnection,
    id: i32,
    after: NaiveDateTime,
) -> QueryResult<Vec<TimeOffRow>> {
    time_off::table
        .filter(time_off::practitioner_id.eq(id))
        .filter(time_off::ends_at.gt(after))
        .order((time_off::starts_at, time_off::id))
        .select(TimeOffRow::as_select())
        .load(conn)
}

pub fn time_off(conn: &mut DbConnection, id: i32) -> QueryResult<Option<TimeOffRow>> {
    time_off::table
        .find(id)
        .select(TimeOffRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_time_off(conn: &mut DbConnection, new: &NewTimeOff<'_>) -> QueryResult<i32> {
    diesel::insert_into(time_off::table)
        .values(new)
        .execute(conn)?;
    last_insert_id(conn)
}

pub fn delete_time_off(
    conn: &mut DbConnection,
    id: i32,
    practitioner_id: i32,
) -> QueryResult<usize> {
    diesel::delete(
        time_off::table
            .find(id)
            .filter(time_off::practitioner_id.eq(practitioner_id)),
    )
    .execute(conn)
}
