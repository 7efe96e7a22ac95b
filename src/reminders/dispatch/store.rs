//! The dispatcher's SQL: claiming due rows with a lease, and recording each outcome only while
//! the lease is still ours.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use crate::db::DbConnection;
use crate::db::models::OutboxRow;
use crate::db::schema::outbox::dsl as o;

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
    o::outbox
        .filter(o::leased_by.eq(token))
        .filter(o::status.eq_any(DUE))
        .order((o::due_at, o::id))
        .select(OutboxRow::as_select())
        .load(conn)
}

/// The row, still leased by us and not yet finished by anyone.
macro_rules! ours {
    ($id:expr, $token:expr) => {
        o::outbox
            .filter(o::id.eq($id))
            .filter(o::leased_by.eq($token))
            .filter(o::status.eq_any(DUE))
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
            o::status.eq("sent"),
            o::sent_at.eq(at),
            o::smtp_reply.eq(clip(reply)),
            o::attempts.eq(o::attempts + 1),
            o::lease_until.eq(None::<NaiveDateTime>),
            o::updated_at.eq(at),
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
            o::status.eq(status),
            o::due_at.eq(retry_at.unwrap_or(row.due_at)),
            o::attempts.eq(o::attempts + 1),
            o::last_error.eq(clip(error)),
            o::lease_until.eq(None::<NaiveDateTime>),
            o::leased_by.eq(None::<String>),
            o::updated_at.eq(at),
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
            o::status.eq("cancelled"),
            o::note.eq(clip(reason)),
            o::lease_until.eq(None::<NaiveDateTime>),
            o::leased_by.eq(None::<String>),
            o::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Not attempted (the lease was running out): free it for the next claim at once.
pub fn release(conn: &mut DbConnection, id: i32, token: &str) -> QueryResult<bool> {
    let n = diesel::update(ours!(id, token))
        .set((
            o::lease_until.eq(None::<NaiveDateTime>),
            o::leased_by.eq(None::<String>),
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
