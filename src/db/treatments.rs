//! Treatments: what the public pages offer (active ones) and what the admin console edits (all).

use diesel::prelude::*;

use super::DbConnection;
use super::models::*;
use super::schema::*;
use crate::domain::catalog::TreatmentValues;

pub fn active_treatments(conn: &mut DbConnection) -> QueryResult<Vec<TreatmentRow>> {
    treatments::table
        .filter(treatments::active.eq(true))
        .order((treatments::position, treatments::id))
        .select(TreatmentRow::as_select())
        .load(conn)
}

pub fn active_treatment_by_slug(
    conn: &mut DbConnection,
    slug: &str,
) -> QueryResult<Option<TreatmentRow>> {
    if slug.contains('\0') {
        // PostgreSQL refuses NUL in a parameter; no slug holds one.
        return Ok(None);
    }
    treatments::table
        .filter(treatments::slug.eq(slug))
        .filter(treatments::active.eq(true))
        .select(TreatmentRow::as_select())
        .first(conn)
        .optional()
}

pub fn treatment(conn: &mut DbConnection, id: i32) -> QueryResult<TreatmentRow> {
    treatments::table
        .find(id)
        .select(TreatmentRow::as_select())
        .first(conn)
}

// --- treatments ---

pub fn all_treatments(conn: &mut DbConnection) -> QueryResult<Vec<TreatmentRow>> {
    treatments::table
        .order((treatments::position, treatments::id))
        .select(TreatmentRow::as_select())
        .load(conn)
}

pub fn find_treatment(conn: &mut DbConnection, id: i32) -> QueryResult<Option<TreatmentRow>> {
    treatments::table
        .find(id)
        .select(TreatmentRow::as_select())
        .first(conn)
        .optional()
}

/// Active or not: a slug stays taken by an inactive treatment.
pub fn treatment_by_slug(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<TreatmentRow>> {
    if slug.contains('\0') {
        return Ok(None);
    }
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
