//! The outbox table: rows as planning and the staff message log see them, and the dispatcher's
//! claims (a lease per row) with outcomes recorded only while the lease is still ours.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

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

/// Statuses a dispatcher may pick up.
const DUE: [&str; 2] = ["planned", "failed"];

/// Marks up to `limit` due, unleased rows (oldest first) as leased by `token` until
/// `lease_until`, and returns them. A lease left by a crashed process counts as unleased once it
/// has expired, so its messages are taken over.
pub fn claim(
    conn: &mut DbConnection,
    at: NaiveDateTime,
    lease_until: NaiveDateTime,
    token: &str,
    limit: u32,
) -> QueryResult<Vec<OutboxRow>> {
    // One statement, so two dispatchers can never claim the same row: on PostgreSQL the rows
    // another claimer holds are skipped rather than waited for; SQLite has a single writer.
    const PICK: &str = "SELECT id FROM outbox \
        WHERE status IN ('planned', 'failed') AND due_at <= $3 \
        AND (lease_until IS NULL OR lease_until <= $3) \
        ORDER BY due_at, id LIMIT $4";
    match conn {
        DbConnection::Pg(c) => diesel::sql_query(format!(
            "UPDATE outbox SET lease_until = $1, leased_by = $2 \
             WHERE id IN ({PICK} FOR UPDATE SKIP LOCKED)"
        ))
        .bind::<Timestamp, _>(lease_until)
        .bind::<Text, _>(token)
        .bind::<Timestamp, _>(at)
        .bind::<BigInt, _>(i64::from(limit))
        .execute(c)?,
        // Numbered parameters are written ?N in SQLite.
        DbConnection::Sqlite(c) => diesel::sql_query(
            format!("UPDATE outbox SET lease_until = $1, leased_by = $2 WHERE id IN ({PICK})")
                .replace('$', "?"),
        )
        .bind::<Timestamp, _>(lease_until)
        .bind::<Text, _>(token)
        .bind::<Timestamp, _>(at)
        .bind::<BigInt, _>(i64::from(limit))
        .execute(c)?,
    };
    outbox::table
        .filter(outbox::leased_by.eq(token))
        .filter(outbox::status.eq_any(DUE))
        .order((outbox::due_at, outbox::id))
        .select(OutboxRow::as_select())
        .load(conn)
}

/// The row, still leased by us and not yet finished by anyone.
macro_rules! ours {
    ($id:expr, $token:expr) => {
        outbox::table
            .filter(outbox::id.eq($id))
            .filter(outbox::leased_by.eq($token))
            .filter(outbox::status.eq_any(DUE))
    };
}

/// Delivered. `leased_by` stays, to show which instance sent it. False when the lease was lost
/// (another dispatcher took the row over after it expired).
pub fn mark_sent(
    conn: &mut DbConnection,
    id: i32,
    token: &str,
    at: NaiveDateTime,
    reply: &str,
) -> QueryResult<bool> {
    let n = diesel::update(ours!(id, token))
        .set((
            outbox::status.eq("sent"),
            outbox::sent_at.eq(at),
            outbox::smtp_reply.eq(clip(reply)),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::lease_until.eq(None::<NaiveDateTime>),
            outbox::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// A failed attempt: `retry_at` Some → due again then; None → dead.
pub fn mark_failed(
    conn: &mut DbConnection,
    row: &OutboxRow,
    token: &str,
    at: NaiveDateTime,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> QueryResult<bool> {
    let status = if retry_at.is_some() { "failed" } else { "dead" };
    let n = diesel::update(ours!(row.id, token))
        .set((
            outbox::status.eq(status),
            outbox::due_at.eq(retry_at.unwrap_or(row.due_at)),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::last_error.eq(clip(error)),
            outbox::lease_until.eq(None::<NaiveDateTime>),
            outbox::leased_by.eq(None::<String>),
            outbox::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Not to be sent (rendering said skip): cancelled, with the reason.
pub fn mark_skipped(
    conn: &mut DbConnection,
    id: i32,
    token: &str,
    at: NaiveDateTime,
    reason: &str,
) -> QueryResult<bool> {
    let n = diesel::update(ours!(id, token))
        .set((
            outbox::status.eq("cancelled"),
            outbox::note.eq(clip(reason)),
            outbox::lease_until.eq(None::<NaiveDateTime>),
            outbox::leased_by.eq(None::<String>),
            outbox::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Not attempted (the lease was running out): free it for the next claim at once.
pub fn release(conn: &mut DbConnection, id: i32, token: &str) -> QueryResult<bool> {
    let n = diesel::update(ours!(id, token))
        .set((
            outbox::lease_until.eq(None::<NaiveDateTime>),
            outbox::leased_by.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Server replies and errors can be long (multi-line, quoted messages): keep the start.
fn clip(s: &str) -> String {
    const MAX: usize = 1000;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}
