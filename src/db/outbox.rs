//! The outbox table: rows as planning and the staff message log see them, and the dispatcher's
//! claims (a lease per row) with outcomes recorded only while the lease is still ours.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::DbConnection;
use super::models::*;
use super::schema::{appointments, outbox};
use crate::domain::care_plan::StepKind;
use crate::domain::outbox::OutboxStatus::{self, Cancelled, Dead, Failed, Planned, Sent};

/// The stored texts of these statuses (the one conversion is `OutboxStatus::as_str`).
fn texts(statuses: &[OutboxStatus]) -> Vec<&'static str> {
    statuses.iter().map(|s| s.as_str()).collect()
}

fn kind_texts(kinds: &[StepKind]) -> Vec<&'static str> {
    kinds.iter().map(|k| k.as_str()).collect()
}

pub fn by_key(conn: &mut DbConnection, key: &str) -> QueryResult<Option<OutboxRow>> {
    outbox::table
        .filter(outbox::dedupe_key.eq(key))
        .select(OutboxRow::as_select())
        .first(conn)
        .optional()
}

/// The newest row of one care plan step for an appointment (a step sent before a move may have
/// a newer row for the new time).
pub fn latest_of_step(
    conn: &mut DbConnection,
    appointment_id: i32,
    step_id: i32,
) -> QueryResult<Option<OutboxRow>> {
    outbox::table
        .filter(outbox::appointment_id.eq(appointment_id))
        .filter(outbox::step_id.eq(step_id))
        .order(outbox::id.desc())
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
    // On the backend's own connection: every booking writes its emails' rows.
    super::per_backend!(conn, |c| diesel::insert_into(outbox::table)
        .values(new)
        .execute(c))
}

/// Several rows (a new appointment's planned emails): one multi-row statement on PostgreSQL,
/// one round trip instead of one per row. SQLite runs in-process, where a prepared single-row
/// insert per row costs about as little (and diesel's multi-row form can't write SQL NULLs there
/// without giving up column defaults).
pub fn insert_all(conn: &mut DbConnection, rows: &[NewOutbox<'_>]) -> QueryResult<usize> {
    match conn {
        DbConnection::Pg(c) => diesel::insert_into(outbox::table).values(rows).execute(c),
        DbConnection::Sqlite(_) => {
            let mut n = 0;
            for row in rows {
                n += insert(conn, row)?;
            }
            Ok(n)
        }
    }
}

/// Re-plans a row that hasn't gone out: new due time and status, attempts kept.
pub fn replan(
    conn: &mut DbConnection,
    id: i32,
    status: OutboxStatus,
    due_at: NaiveDateTime,
    note: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .find(id)
            .filter(outbox::status.eq_any(texts(&OutboxStatus::REPLANNABLE))),
    )
    .set((
        outbox::status.eq(status.as_str()),
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
    kinds: &[StepKind],
    note: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::appointment_id.eq(appointment_id))
            .filter(outbox::status.eq_any(texts(&OutboxStatus::PENDING)))
            .filter(outbox::kind.eq_any(kind_texts(kinds))),
    )
    .set((
        outbox::status.eq(Cancelled.as_str()),
        outbox::note.eq(note),
        outbox::lease_until.eq(None::<NaiveDateTime>),
        outbox::leased_by.eq(None::<String>),
        outbox::updated_at.eq(now),
    ))
    .execute(conn)
}

/// Gives an appointment's messages that an event cancelled (`because`: that event's notes) the
/// note `note`, so that planning again may move them (an undone completion or no-show puts the
/// reminders back). Only cancelled rows change.
pub fn renote_cancelled(
    conn: &mut DbConnection,
    appointment_id: i32,
    because: &[&str],
    note: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::appointment_id.eq(appointment_id))
            .filter(outbox::status.eq(Cancelled.as_str()))
            .filter(outbox::note.eq_any(because)),
    )
    .set((outbox::note.eq(note), outbox::updated_at.eq(now)))
    .execute(conn)
}

/// Cancels a patient's messages of the given kinds, over all their appointments, that haven't
/// gone out (an opt-out). A row a dispatcher is sending keeps its lease, which then no longer
/// lets it record the outcome.
pub fn cancel_pending_of_patient(
    conn: &mut DbConnection,
    patient_id: i32,
    kinds: &[StepKind],
    note: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let theirs = appointments::table
        .filter(appointments::patient_id.eq(patient_id))
        .select(appointments::id);
    diesel::update(
        outbox::table
            .filter(outbox::appointment_id.eq_any(theirs))
            .filter(outbox::status.eq_any(texts(&OutboxStatus::PENDING)))
            .filter(outbox::kind.eq_any(kind_texts(kinds))),
    )
    .set((
        outbox::status.eq(Cancelled.as_str()),
        outbox::note.eq(note),
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

/// What the message log is narrowed to; `None` and an empty `patient` match everything.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    pub status: Option<OutboxStatus>,
    pub kind: Option<StepKind>,
    /// Lower case text found in the patient's name or in the recipient's address.
    pub patient: String,
}

/// The message log, newest due first, each row with its patient's name.
pub fn recent(
    conn: &mut DbConnection,
    f: &LogFilter,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<(OutboxRow, String)>> {
    use super::patients::{contains_pattern, lower};
    use super::schema::patients;
    let mut q = outbox::table
        .inner_join(appointments::table.inner_join(patients::table))
        .into_boxed();
    if let Some(s) = f.status {
        q = q.filter(outbox::status.eq(s.as_str()));
    }
    if let Some(k) = f.kind {
        q = q.filter(outbox::kind.eq(k.as_str()));
    }
    if !f.patient.is_empty() {
        let p = contains_pattern(&f.patient);
        q = q.filter(
            lower(patients::name)
                .like(p.clone())
                .escape('\\')
                .or(lower(outbox::recipient).like(p).escape('\\')),
        );
    }
    q.order((outbox::due_at.desc(), outbox::id.desc()))
        .limit(limit)
        .offset(offset)
        .select((OutboxRow::as_select(), patients::name))
        .load(conn)
}

/// Counts per status (as stored), for the log's header.
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
            .filter(outbox::status.eq_any(texts(&OutboxStatus::RETRYABLE))),
    )
    .set((
        outbox::status.eq(Planned.as_str()),
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
            .filter(outbox::status.eq_any(texts(&OutboxStatus::PENDING))),
    )
    .set((
        outbox::status.eq(Cancelled.as_str()),
        outbox::note.eq(note),
        outbox::lease_until.eq(None::<NaiveDateTime>),
        outbox::leased_by.eq(None::<String>),
        outbox::updated_at.eq(now),
    ))
    .execute(conn)
}

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
    // The statuses are our own constants, so they may be written into the statement.
    let due = texts(&OutboxStatus::PENDING)
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let pick = format!(
        "SELECT id FROM outbox \
         WHERE status IN ({due}) AND due_at <= $3 \
         AND (lease_until IS NULL OR lease_until <= $3) \
         ORDER BY due_at, id LIMIT $4"
    );
    match conn {
        DbConnection::Pg(c) => diesel::sql_query(format!(
            "UPDATE outbox SET lease_until = $1, leased_by = $2 \
             WHERE id IN ({pick} FOR UPDATE SKIP LOCKED)"
        ))
        .bind::<Timestamp, _>(lease_until)
        .bind::<Text, _>(token)
        .bind::<Timestamp, _>(at)
        .bind::<BigInt, _>(i64::from(limit))
        .execute(c)?,
        // Numbered parameters are written ?N in SQLite.
        DbConnection::Sqlite(c) => diesel::sql_query(
            format!("UPDATE outbox SET lease_until = $1, leased_by = $2 WHERE id IN ({pick})")
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
        .filter(outbox::status.eq_any(texts(&OutboxStatus::PENDING)))
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
            .filter(outbox::status.eq_any(texts(&OutboxStatus::PENDING)))
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
            outbox::status.eq(Sent.as_str()),
            outbox::sent_at.eq(at),
            outbox::smtp_reply.eq(clip(reply)),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::lease_until.eq(None::<NaiveDateTime>),
            outbox::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Delivered, for many rows at once (`mark_sent` for each pair of row id and server reply):
/// the ids whose outcome was recorded, i.e. those still leased by `token`. On PostgreSQL one
/// statement for the whole group (a round trip per message was a large share of the
/// dispatcher's time); SQLite runs in-process, so a statement per row costs little there.
pub fn mark_sent_many(
    conn: &mut DbConnection,
    sent: &[(i32, String)],
    token: &str,
    at: NaiveDateTime,
) -> QueryResult<Vec<i32>> {
    if sent.is_empty() {
        return Ok(Vec::new());
    }
    match conn {
        DbConnection::Pg(c) => {
            use diesel::sql_types::{Array, Integer};
            #[derive(QueryableByName)]
            struct Id {
                #[diesel(sql_type = Integer)]
                id: i32,
            }
            let pending = texts(&OutboxStatus::PENDING)
                .iter()
                .map(|s| format!("'{s}'"))
                .collect::<Vec<_>>()
                .join(", ");
            let ids: Vec<i32> = sent.iter().map(|(id, _)| *id).collect();
            let replies: Vec<String> = sent.iter().map(|(_, r)| clip(r)).collect();
            let done: Vec<Id> = diesel::sql_query(format!(
                "UPDATE outbox SET status = '{sent}', sent_at = $1, smtp_reply = v.reply, \
                 attempts = outbox.attempts + 1, lease_until = NULL, updated_at = $1 \
                 FROM unnest($2::int4[], $3::text[]) AS v(id, reply) \
                 WHERE outbox.id = v.id AND outbox.leased_by = $4 \
                 AND outbox.status IN ({pending}) \
                 RETURNING outbox.id",
                sent = Sent.as_str()
            ))
            .bind::<Timestamp, _>(at)
            .bind::<Array<Integer>, _>(ids)
            .bind::<Array<Text>, _>(replies)
            .bind::<Text, _>(token)
            .load(c)?;
            Ok(done.into_iter().map(|r| r.id).collect())
        }
        DbConnection::Sqlite(_) => {
            let mut done = Vec::with_capacity(sent.len());
            for (id, reply) in sent {
                if mark_sent(conn, *id, token, at, reply)? {
                    done.push(*id);
                }
            }
            Ok(done)
        }
    }
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
    let status = if retry_at.is_some() { Failed } else { Dead };
    let n = diesel::update(ours!(row.id, token))
        .set((
            outbox::status.eq(status.as_str()),
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
            outbox::status.eq(Cancelled.as_str()),
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

/// Rows per status (for the metrics scrape).
pub fn depth_by_status(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    outbox::table
        .group_by(outbox::status)
        .select((outbox::status, diesel::dsl::count_star()))
        .load(conn)
}

/// The due time of the oldest message due at `at` and not yet gone out.
pub fn oldest_due(
    conn: &mut DbConnection,
    at: NaiveDateTime,
) -> QueryResult<Option<NaiveDateTime>> {
    outbox::table
        .filter(outbox::status.eq_any(texts(&OutboxStatus::PENDING)))
        .filter(outbox::due_at.le(at))
        .select(diesel::dsl::min(outbox::due_at))
        .first(conn)
}

/// Pushes the lease of the rows `token` still holds (and has not finished) to `lease_until`:
/// the dispatcher's heartbeat while its sends are in flight. Returns how many it still holds.
pub fn renew(
    conn: &mut DbConnection,
    token: &str,
    lease_until: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::leased_by.eq(token))
            .filter(outbox::status.eq_any(texts(&OutboxStatus::PENDING))),
    )
    .set(outbox::lease_until.eq(Some(lease_until)))
    .execute(conn)
}
