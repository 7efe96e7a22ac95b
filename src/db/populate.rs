//! Bulk inserts for `carepath populate` (benchmark data): multi-row INSERTs of values the app
//! generated itself (digits, fixed words, random URL-safe tokens — never user input), in batches
//! that stay under both backends' statement limits, with ids given by the caller so rows can point
//! at each other without reading anything back.

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{appointments, care_plan_steps, patients};

/// Rows per INSERT statement.
const BATCH: usize = 500;

pub struct Patient {
    pub id: i32,
    pub name: String,
    pub email: String,
    pub created_at: NaiveDateTime,
}

pub struct Appointment {
    pub id: i32,
    pub token_hash: String,
    pub patient_id: i32,
    pub treatment_id: i32,
    pub practitioner_id: i32,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub blocks_until: NaiveDateTime,
    pub status: &'static str,
    pub created_at: NaiveDateTime,
    pub contact_name: String,
    pub contact_email: String,
}

pub struct Outbox {
    pub appointment_id: i32,
    pub step_id: Option<i32>,
    pub kind: &'static str,
    pub recipient: String,
    pub due_at: NaiveDateTime,
    pub status: &'static str,
    pub sent_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

pub struct Audit {
    pub at: NaiveDateTime,
    pub appointment_id: i32,
    pub status: &'static str,
}

fn ts(t: NaiveDateTime) -> String {
    format!("'{}'", t.format("%Y-%m-%d %H:%M:%S"))
}

/// A literal made from our own generated text; a quote can't be in it, but never let one through.
fn text(s: &str) -> String {
    format!("'{}'", s.replace('\'', ""))
}

fn insert_batches<T>(
    conn: &mut DbConnection,
    head: &str,
    rows: &[T],
    values: impl Fn(&T) -> String,
) -> QueryResult<()> {
    for chunk in rows.chunks(BATCH) {
        let mut sql = String::with_capacity(chunk.len() * 200 + head.len());
        sql.push_str(head);
        for (i, r) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            sql.push('(');
            sql.push_str(&values(r));
            sql.push(')');
        }
        conn.batch_execute(&sql)?;
    }
    Ok(())
}

pub fn insert_patients(conn: &mut DbConnection, rows: &[Patient]) -> QueryResult<()> {
    insert_batches(
        conn,
        "INSERT INTO patients (id, name, email, email_normalized, created_at, updated_at) VALUES ",
        rows,
        |p| {
            format!(
                "{},{},{},{},{},{}",
                p.id,
                text(&p.name),
                text(&p.email),
                text(&p.email),
                ts(p.created_at),
                ts(p.created_at)
            )
        },
    )
}

pub fn insert_appointments(conn: &mut DbConnection, rows: &[Appointment]) -> QueryResult<()> {
    insert_batches(
        conn,
        "INSERT INTO appointments (id, token_hash, patient_id, treatment_id, practitioner_id, starts_at, \
         ends_at, blocks_until, status, created_at, updated_at, booked_by, contact_name, \
         contact_email) VALUES ",
        rows,
        |a| {
            format!(
                "{},{},{},{},{},{},{},{},{},{},{},'patient',{},{}",
                a.id,
                text(&a.token_hash),
                a.patient_id,
                a.treatment_id,
                a.practitioner_id,
                ts(a.starts_at),
                ts(a.ends_at),
                ts(a.blocks_until),
                text(a.status),
                ts(a.created_at),
                ts(a.created_at),
                text(&a.contact_name),
                text(&a.contact_email)
            )
        },
    )
}

pub fn insert_outbox(conn: &mut DbConnection, rows: &[Outbox]) -> QueryResult<()> {
    insert_batches(
        conn,
        "INSERT INTO outbox (appointment_id, step_id, kind, dedupe_key, recipient, due_at, status, \
         sent_at, message_id, created_at, updated_at) VALUES ",
        rows,
        |o| {
            let key = format!("populate-{}-{}", o.appointment_id, o.kind);
            format!(
                "{},{},{},{},{},{},{},{},{},{},{}",
                o.appointment_id,
                o.step_id.map_or("NULL".to_string(), |s| s.to_string()),
                text(o.kind),
                text(&key),
                text(&o.recipient),
                ts(o.due_at),
                text(o.status),
                o.sent_at.map_or("NULL".to_string(), ts),
                text(&format!("{key}@carepath.example")),
                ts(o.created_at),
                ts(o.created_at)
            )
        },
    )
}

pub fn insert_audit(conn: &mut DbConnection, rows: &[Audit]) -> QueryResult<()> {
    insert_batches(
        conn,
        "INSERT INTO audit_log (at, actor_kind, actor_label, action, subject_kind, subject_id, \
         after_json) VALUES ",
        rows,
        |a| {
            format!(
                "{},'system','carepath populate','appointment.book','appointment',{},{}",
                ts(a.at),
                a.appointment_id,
                text(&format!("{{\"status\":\"{}\"}}", a.status))
            )
        },
    )
}

pub fn appointment_count(conn: &mut DbConnection) -> QueryResult<i64> {
    appointments::table.count().get_result(conn)
}

pub fn next_patient_id(conn: &mut DbConnection) -> QueryResult<i32> {
    let max: Option<i32> = patients::table
        .select(diesel::dsl::max(patients::id))
        .first(conn)?;
    Ok(max.unwrap_or(0) + 1)
}

pub fn next_appointment_id(conn: &mut DbConnection) -> QueryResult<i32> {
    let max: Option<i32> = appointments::table
        .select(diesel::dsl::max(appointments::id))
        .first(conn)?;
    Ok(max.unwrap_or(0) + 1)
}

/// (treatment, step) of each treatment's active steps of a kind.
pub fn steps_of_kind(conn: &mut DbConnection, kind: &str) -> QueryResult<Vec<(i32, i32)>> {
    care_plan_steps::table
        .filter(care_plan_steps::kind.eq(kind))
        .filter(care_plan_steps::active.eq(true))
        .order(care_plan_steps::position)
        .select((care_plan_steps::treatment_id, care_plan_steps::id))
        .load(conn)
}

/// PostgreSQL's sequences don't see ids given explicitly: move them past what is there.
pub fn reset_sequences(conn: &mut DbConnection) -> QueryResult<()> {
    if let DbConnection::Pg(c) = conn {
        for table in ["patients", "appointments", "outbox", "audit_log"] {
            diesel::sql_query(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1))"
            ))
            .execute(c)?;
        }
    }
    Ok(())
}

/// Fresh planner statistics after a bulk load (PostgreSQL's autovacuum would get there later).
///
/// SQLite keeps only the per-index row counts (`sqlite_stat1`), not the value samples
/// (`sqlite_stat4`): with samples, a statement whose range bounds are bound parameters is planned
/// around their values, so SQLite re-prepares it every time it is bound — every availability
/// and day-view query, on every request. The counts alone pick the same indexes.
pub fn analyze(conn: &mut DbConnection) -> QueryResult<()> {
    match conn {
        DbConnection::Sqlite(c) => {
            c.batch_execute("ANALYZE")?;
            // Present when SQLite was built with STAT4 (the bundled one is).
            let samples = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(
                "EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat4')",
            ))
            .get_result::<bool>(c)?;
            if samples {
                // Emptied, then the statistics read again by the planner.
                c.batch_execute("DELETE FROM sqlite_stat4; ANALYZE sqlite_schema;")?;
            }
            Ok(())
        }
        DbConnection::Pg(c) => c.batch_execute("ANALYZE"),
    }
}
