//! Outbox rows as planning and the staff message log see them (claiming and marking sends is
//! the dispatcher's business).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::models::*;
use super::schema::outbox;

pub fn by_key(conn: &mut DbConnection, key: &str) -> QueryResult<Option<OutboxRow>> {
    outbox::table
        .filter(outbox::dedupe_key.eq(key))
        .select(OutboxRow::as_select())
        .first(conn)
        .optional()
}

pub fn by_id(conn: &mut DbConnection, id: i32) -> QueryResult<Option<OutboxRow>> {
    outbox::table
        .find(id)
        .select(OutboxRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, new: &NewOutbox<'_>) -> QueryResult<usize> {
    diesel::insert_into(outbox::table).values(new).execute(conn)
}

/// Re-plans a row that hasn't gone out: new due time and status, attempts kept.
pub fn replan(
    conn: &mut DbConnection,
    id: i32,
    status: &str,
    due_at: NaiveDateTime,
    note: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(outbox::table.find(id).filter(outbox::status.eq_any([
        "planned",
        "failed",
        "cancelled",
    ])))
    .set((
        outbox::status.eq(status),
        outbox::due_at.eq(due_at),
        outbox::note.eq(note),
        outbox::lease_until.eq(None::<NaiveDateTime>),
        outbox::leased_by.eq(None::<String>),
        outbox::updated_at.eq(now),
    ))
    .execute(conn)
}

/// Cancels an appointment's messages that haven't gone out, of the given kinds.
pub fn cancel_pending(
    conn: &mut DbConnection,
    appointment_id: i32,
    kinds: &[&str],
    note: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::appointment_id.eq(appointment_id))
            .filter(outbox::status.eq_any(["planned", "failed"]))
            .filter(outbox::kind.eq_any(kinds)),
    )
    .set((
        outbox::status.eq("cancelled"),
        outbox::note.eq(note),
        outbox::lease_until.eq(None::<NaiveDateTime>),
        outbox::leased_by.eq(None::<String>),
        outbox::updated_at.eq(now),
    ))
    .execute(conn)
}

pub fn of_appointment(conn: &mut DbConnection, appointment_id: i32) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .filter(outbox::appointment_id.eq(appointment_id))
        .order((outbox::due_at, outbox::id))
        .select(OutboxRow::as_select())
        .load(conn)
}

/// The message log, newest due first, optionally one status.
pub fn recent(
    conn: &mut DbConnection,
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<OutboxRow>> {
    let mut q = outbox::table.into_boxed();
    if let Some(s) = status {
        q = q.filter(outbox::status.eq(s.to_string()));
    }
    q.order((outbox::due_at.desc(), outbox::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(OutboxRow::as_select())
        .load(conn)
}

/// Counts per status, for the log's header.
pub fn status_counts(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    outbox::table
        .group_by(outbox::status)
        .select((outbox::status, diesel::dsl::count_star()))
        .load(conn)
}

/// Staff: a dead (or failed) message is tried again now, with a fresh set of attempts.
pub fn retry(conn: &mut DbConnection, id: i32, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .find(id)
            .filter(outbox::status.eq_any(["dead", "failed"])),
    )
    .set((
        outbox::status.eq("planned"),
        outbox::due_at.eq(now),
        outbox::attempts.eq(0),
        outbox::lease_until.eq(None::<NaiveDateTime>),
        outbox::leased_by.eq(None::<String>),
        outbox::note.eq(Some("retried by staff")),
        outbox::updated_at.eq(now),
    ))
    .execute(conn)
}

/// Staff: a planned message is not sent after all.
pub fn cancel(
    conn: &mut DbConnection,
    id: i32,
    note: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .find(id)
            .filter(outbox::status.eq_any(["planned", "failed"])),
    )
    .set((
        outbox::status.eq("cancelled"),
        outbox::note.eq(note),
        outbox::lease_until.eq(None::<NaiveDateTime>),
        outbox::leased_by.eq(None::<String>),
        outbox::updated_at.eq(now),
    ))
    .execute(conn)
}
