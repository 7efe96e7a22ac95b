//! Appointment queries. The overlap guard lives in the schema; these only read and write rows.
//! `listing` and `schedule` read them with their patient, treatment and practitioner; `notes`
//! holds staff notes.

pub mod busy;
pub mod listing;
pub mod notes;
pub mod schedule;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::models::*;
use super::schema::{appointments, link_tokens};
use crate::domain::token::LinkPurpose;

/// (practitioner, start, held-until) of every appointment holding time in [from, to).
pub fn busy_between(
    conn: &mut DbConnection,
    ids: &[i32],
    from: NaiveDateTime,
    to: NaiveDateTime,
    exclude: Option<i32>,
) -> QueryResult<Vec<(i32, NaiveDateTime, NaiveDateTime)>> {
    appointments::table
        .filter(appointments::practitioner_id.eq_any(ids))
        .filter(appointments::id.ne(exclude.unwrap_or(-1)))
        .filter(appointments::status.ne("cancelled"))
        .filter(appointments::starts_at.lt(to))
        // Nothing holds a practitioner for a day (a schema CHECK): this lower bound lets the
        // index skip all older history.
        .filter(appointments::starts_at.gt(from - chrono::Duration::days(1)))
        .filter(appointments::blocks_until.gt(from))
        .select((
            appointments::practitioner_id,
            appointments::starts_at,
            appointments::blocks_until,
        ))
        .load(conn)
}

/// Inserts and returns the stored row with one statement (`RETURNING`, which both backends
/// have; Diesel's MultiConnection doesn't offer it, hence the match).
pub fn insert(conn: &mut DbConnection, new: &NewAppointment<'_>) -> QueryResult<AppointmentRow> {
    let insert = diesel::insert_into(appointments::table).values(new);
    match conn {
        DbConnection::Sqlite(c) => insert
            .returning(AppointmentRow::as_returning())
            .get_result(c),
        DbConnection::Pg(c) => insert
            .returning(AppointmentRow::as_returning())
            .get_result(c),
    }
}

/// The appointment a manage token (by its digest) opens: the token it was booked with, or one an
/// email about it carried (`link_tokens`). Both lookups go by a unique index.
pub fn by_token_hash(conn: &mut DbConnection, hash: &str) -> QueryResult<Option<AppointmentRow>> {
    let booked = appointments::table
        .filter(appointments::token_hash.eq(hash))
        .select(AppointmentRow::as_select())
        .first(conn)
        .optional()?;
    if booked.is_some() {
        return Ok(booked);
    }
    let emailed = link_tokens::table
        .filter(link_tokens::token_hash.eq(hash))
        .filter(link_tokens::purpose.eq(LinkPurpose::Manage.as_str()))
        .select(link_tokens::appointment_id);
    appointments::table
        .filter(appointments::id.nullable().eq_any(emailed))
        .select(AppointmentRow::as_select())
        .first(conn)
        .optional()
}

pub fn by_id(conn: &mut DbConnection, id: i32) -> QueryResult<AppointmentRow> {
    appointments::table
        .find(id)
        .select(AppointmentRow::as_select())
        .first(conn)
}

/// Cancels if the status is still `expected`; returns how many rows changed (0: someone else
/// changed it first).
pub fn cancel(
    conn: &mut DbConnection,
    id: i32,
    expected: &str,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        appointments::table
            .find(id)
            .filter(appointments::status.eq(expected)),
    )
    .set((
        appointments::status.eq("cancelled"),
        appointments::cancel_reason.eq(reason),
        appointments::ics_sequence.eq(appointments::ics_sequence + 1),
        appointments::updated_at.eq(now),
    ))
    .execute(conn)
}

pub struct NewTime {
    pub practitioner_id: i32,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub blocks_until: NaiveDateTime,
}

/// Moves a still-booked appointment; returns how many rows changed.
pub fn move_to(
    conn: &mut DbConnection,
    id: i32,
    to: &NewTime,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        appointments::table
            .find(id)
            .filter(appointments::status.eq("booked")),
    )
    .set((
        appointments::practitioner_id.eq(to.practitioner_id),
        appointments::starts_at.eq(to.starts_at),
        appointments::ends_at.eq(to.ends_at),
        appointments::blocks_until.eq(to.blocks_until),
        appointments::ics_sequence.eq(appointments::ics_sequence + 1),
        appointments::updated_at.eq(now),
    ))
    .execute(conn)
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    appointments::table.count().get_result(conn)
}

/// Takes the appointment's row for the rest of the transaction: a row lock on PostgreSQL, so
/// two desks acting on one appointment queue and the second sees the first's result; on SQLite
/// the write that makes the transaction a writer from its first statement. 0: no such row.
pub fn lock(conn: &mut DbConnection, id: i32) -> QueryResult<usize> {
    diesel::update(appointments::table.find(id))
        .set(appointments::updated_at.eq(appointments::updated_at))
        .execute(conn)
}

/// A status move the desk makes, with the instant it records.
#[derive(Debug, Clone, Copy)]
pub enum StatusMove {
    CheckIn { at: NaiveDateTime },
    Complete { ended_at: NaiveDateTime },
    NoShow,
}

/// Compare-and-set: moves the status only if it is still `expected`; returns the rows changed.
pub fn set_status(
    conn: &mut DbConnection,
    id: i32,
    expected: &str,
    to: &str,
    mv: StatusMove,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let target = appointments::table
        .find(id)
        .filter(appointments::status.eq(expected));
    let common = (
        appointments::status.eq(to),
        appointments::updated_at.eq(now),
    );
    match mv {
        StatusMove::CheckIn { at } => diesel::update(target)
            .set((common, appointments::checked_in_at.eq(Some(at))))
            .execute(conn),
        StatusMove::Complete { ended_at } => diesel::update(target)
            .set((common, appointments::completed_at.eq(Some(ended_at))))
            .execute(conn),
        StatusMove::NoShow => diesel::update(target).set(common).execute(conn),
    }
}

/// Undo: puts back the status and the check-in and end instants the appointment had before its
/// last move, if the status is still `expected` (compare-and-set); returns the rows changed.
pub fn restore_status(
    conn: &mut DbConnection,
    id: i32,
    expected: &str,
    to: &str,
    checked_in_at: Option<NaiveDateTime>,
    completed_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        appointments::table
            .find(id)
            .filter(appointments::status.eq(expected)),
    )
    .set((
        appointments::status.eq(to),
        appointments::checked_in_at.eq(checked_in_at),
        appointments::completed_at.eq(completed_at),
        appointments::updated_at.eq(now),
    ))
    .execute(conn)
}

/// Staff decided a booking's contact stays apart from its patient record (or not).
pub fn set_contact_kept_apart(conn: &mut DbConnection, id: i32, apart: bool) -> QueryResult<usize> {
    diesel::update(appointments::table.find(id))
        .set(appointments::contact_kept_apart.eq(apart))
        .execute(conn)
}
