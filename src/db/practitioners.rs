//! Practitioners with their weekly working hours, time off and calendar feed tokens, and the row
//! lock that queues bookings for one practitioner.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Integer;

use super::models::*;
use super::schema::*;
use super::{DbConnection, last_insert_id};
use crate::domain::catalog::PractitionerValues;

pub fn active_practitioners(conn: &mut DbConnection) -> QueryResult<Vec<PractitionerRow>> {
    practitioners::table
        .filter(practitioners::active.eq(true))
        .order(practitioners::id)
        .select(PractitionerRow::as_select())
        .load(conn)
}

pub fn practitioner(conn: &mut DbConnection, id: i32) -> QueryResult<PractitionerRow> {
    practitioners::table
        .find(id)
        .select(PractitionerRow::as_select())
        .first(conn)
}

/// Every practitioner, active or not (a schedule still shows a former practitioner's
/// appointments), in id order.
pub fn all_practitioners_by_id(conn: &mut DbConnection) -> QueryResult<Vec<PractitionerRow>> {
    practitioners::table
        .order(practitioners::id)
        .select(PractitionerRow::as_select())
        .load(conn)
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

pub fn find_practitioner(conn: &mut DbConnection, id: i32) -> QueryResult<Option<PractitionerRow>> {
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

/// Publishes (a digest), replaces or (None) withdraws the practitioner's calendar feed secret.
pub fn set_calendar_token_hash(
    conn: &mut DbConnection,
    id: i32,
    hash: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(practitioners::table.find(id))
        .set(practitioners::calendar_token_hash.eq(hash))
        .execute(conn)
}

/// The practitioner whose feed secret has this digest (by a unique index).
pub fn by_calendar_token_hash(
    conn: &mut DbConnection,
    hash: &str,
) -> QueryResult<Option<PractitionerRow>> {
    practitioners::table
        .filter(practitioners::calendar_token_hash.eq(hash))
        .select(PractitionerRow::as_select())
        .first(conn)
        .optional()
}

pub fn hours_of(
    conn: &mut DbConnection,
    ids: &[i32],
    weekday: i32,
) -> QueryResult<Vec<PractitionerHoursRow>> {
    practitioner_hours::table
        .filter(practitioner_hours::practitioner_id.eq_any(ids))
        .filter(practitioner_hours::weekday.eq(weekday))
        .select(PractitionerHoursRow::as_select())
        .load(conn)
}

pub fn all_practitioner_hours(conn: &mut DbConnection) -> QueryResult<Vec<PractitionerHoursRow>> {
    practitioner_hours::table
        .order((
            practitioner_hours::practitioner_id,
            practitioner_hours::weekday,
            practitioner_hours::start_minute,
        ))
        .select(PractitionerHoursRow::as_select())
        .load(conn)
}

pub fn weekly_hours_of(conn: &mut DbConnection, id: i32) -> QueryResult<Vec<PractitionerHoursRow>> {
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

/// Time off of these practitioners that touches [from, to).
pub fn time_off_between(
    conn: &mut DbConnection,
    ids: &[i32],
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<TimeOffRow>> {
    time_off::table
        .filter(time_off::practitioner_id.eq_any(ids))
        .filter(time_off::starts_at.lt(to))
        .filter(time_off::ends_at.gt(from))
        .select(TimeOffRow::as_select())
        .load(conn)
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

/// Takes the practitioner's whole schedule for the rest of the transaction (a change of their
/// time off, hours or standing, a move): on PostgreSQL a row lock plus the exclusive form of the
/// advisory lock every booking for them holds shared (`lock_for_booking`), so it waits for
/// bookings in flight and they for it; on SQLite the write that makes the transaction a writer
/// from its first statement (so it waits for the lock instead of failing later).
pub fn lock_practitioner(conn: &mut DbConnection, id: i32) -> QueryResult<usize> {
    let n = diesel::update(practitioners::table.find(id))
        .set(practitioners::booking_seq.eq(practitioners::booking_seq + 1))
        .execute(conn)?;
    if n > 0 && matches!(conn, DbConnection::Pg(_)) {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1, $2)")
            .bind::<Integer, _>(id)
            .bind::<Integer, _>(WHOLE_SCHEDULE)
            .execute(conn)?;
    }
    Ok(n)
}

/// The second key of the practitioner-wide advisory lock: no day number is this small.
const WHOLE_SCHEDULE: i32 = i32::MIN;

/// Takes the lock a booking of `[start, blocks_until)` with this practitioner needs, for the rest
/// of the transaction. On PostgreSQL: the practitioner-wide advisory lock shared (changes to
/// their schedule take it exclusively) and, exclusively, one advisory lock per UTC day the span
/// touches, so two bookings that could overlap share a day and queue, while bookings on other
/// days go side by side: queued on the whole practitioner, a ~30-statement booking transaction
/// and its commit made every booking for one of a handful of practitioners wait in line
/// (p99 415 ms with a million appointments at 16 connections, nearly all of it lock waits).
/// The exclusion constraint stays the guard; the day lock keeps racers to a clean 409 and out of
/// the constraint's deadlocks. No row is written, so nothing to vacuum.
/// On SQLite, where writers queue anyway, `lock_practitioner` (nothing inside db::writer's own
/// transaction). PostgreSQL reports 1 (the insert's foreign key refuses an unknown practitioner).
pub fn lock_for_booking(
    conn: &mut DbConnection,
    id: i32,
    start: NaiveDateTime,
    blocks_until: NaiveDateTime,
) -> QueryResult<usize> {
    if let DbConnection::Sqlite(_) = conn {
        // Inside the app's own `BEGIN IMMEDIATE` (db::writer) the transaction already holds the
        // database's one write lock, so the extra write would only cost a statement (issue 13).
        if super::writer::holds_write_lock() {
            return Ok(0);
        }
        return lock_practitioner(conn, id);
    }
    let (first_day, last_day) = utc_days(start, blocks_until);
    // One statement, fixed text: the locks are taken left to right, always in this order (the
    // shared one first, then the days ascending), so bookings can't deadlock on them.
    diesel::sql_query(
        "SELECT pg_advisory_xact_lock_shared($1, $2), pg_advisory_xact_lock($1, $3), \
         pg_advisory_xact_lock($1, $4)",
    )
    .bind::<Integer, _>(id)
    .bind::<Integer, _>(WHOLE_SCHEDULE)
    .bind::<Integer, _>(first_day)
    .bind::<Integer, _>(last_day)
    .execute(conn)
}

/// The first and last UTC day numbers (days since 1970-01-01) that `[start, until)` touches, the
/// second keys of the advisory locks bookings and holdings take (a span holds at most a day, a
/// schema CHECK, so these are one day or two neighbours). The end belongs to whoever starts
/// then, so a span ending at midnight touches only the day before it.
pub(crate) fn utc_days(start: NaiveDateTime, until: NaiveDateTime) -> (i32, i32) {
    let day = |t: NaiveDateTime| {
        i32::try_from(t.and_utc().timestamp().div_euclid(86_400)).unwrap_or(i32::MAX)
    };
    let last = until - chrono::Duration::microseconds(1);
    (day(start), day(last.max(start)))
}
