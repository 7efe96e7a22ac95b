//! Query plans: the statements a piece of work sends, captured as it runs, and what the database
//! says it will do with each (SQLite `EXPLAIN QUERY PLAN`; PostgreSQL `EXPLAIN` of the generic
//! plan, the one a prepared statement settles on, with sequential scans discouraged so that a
//! missing index shows as a `Seq Scan`). Used by `carepath query-plans` (the benchmark prints
//! it on its populated database) and by the query-plan test.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use diesel::connection::{Connection, InstrumentationEvent, SimpleConnection};
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::DbConnection;

/// Tables that grow with the practice: a whole scan of one of these is what must not happen.
pub const LARGE: [&str; 5] = [
    "appointments",
    "patients",
    "outbox",
    "audit_log",
    "appointment_screening",
];

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    detail: String,
}

/// Runs `f` and returns the SQL of every statement it sent (binds left as placeholders), each
/// once, in the order first sent.
pub fn captured<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> T,
) -> (T, Vec<String>) {
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = log.clone();
    conn.set_instrumentation(move |e: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { query, .. } = e {
            let text = query.to_string();
            let sql = text
                .split(" -- binds: ")
                .next()
                .unwrap_or("")
                .trim()
                .to_string();
            let mut v = sink.lock().unwrap_or_else(|p| p.into_inner());
            if !v.contains(&sql) {
                v.push(sql);
            }
        }
    });
    let out = f(conn);
    conn.set_instrumentation(|_: InstrumentationEvent<'_>| {});
    let v = log.lock().unwrap_or_else(|p| p.into_inner()).clone();
    (out, v)
}

/// Makes this connection ready to explain (PostgreSQL: generic plans, no sequential scan unless
/// there is no other way, and a helper that returns EXPLAIN's lines). Leaves it changed: use a
/// connection of its own.
pub fn prepare(conn: &mut DbConnection) -> QueryResult<()> {
    if let DbConnection::Pg(c) = conn {
        c.batch_execute(
            "SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off;
             CREATE OR REPLACE FUNCTION pg_temp.plan_of(q text) RETURNS SETOF text AS $$
             BEGIN RETURN QUERY EXECUTE 'EXPLAIN ' || q; END $$ LANGUAGE plpgsql;",
        )?;
    }
    Ok(())
}

/// Whether a statement is one a plan can be asked for (reads, updates, deletes).
pub fn explainable(sql: &str) -> bool {
    let head = sql.split_whitespace().next().unwrap_or("").to_uppercase();
    ["SELECT", "UPDATE", "DELETE", "WITH", "(SELECT"].contains(&head.as_str())
}

/// The plan of one captured statement, line by line (call `prepare` first).
pub fn plan(conn: &mut DbConnection, sql: &str) -> QueryResult<Vec<String>> {
    match conn {
        DbConnection::Sqlite(c) => Ok(diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
            .load::<Line>(c)?
            .into_iter()
            .map(|l| l.detail)
            .collect()),
        DbConnection::Pg(c) => {
            let params = (1..=64)
                .rev()
                .find(|n| sql.contains(&format!("${n}")))
                .unwrap_or(0);
            // Our own statement names: diesel keeps its prepared statements on this connection.
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let name = format!("plan_q{}", NEXT.fetch_add(1, Ordering::SeqCst));
            c.batch_execute(&format!("PREPARE {name} AS {sql}"))?;
            let execute = if params == 0 {
                format!("EXECUTE {name}")
            } else {
                format!("EXECUTE {name}({})", vec!["NULL"; params].join(", "))
            };
            let lines = diesel::sql_query(format!(
                "SELECT pg_temp.plan_of('{}') AS detail",
                execute.replace('\'', "''")
            ))
            .load::<Line>(c)?;
            c.batch_execute(&format!("DEALLOCATE {name}"))?;
            Ok(lines.into_iter().map(|l| l.detail).collect())
        }
    }
}

/// The large table a plan line reads whole (or all of its history), if any.
pub fn full_scan(line: &str) -> Option<&'static str> {
    LARGE.into_iter().find(|t| {
        let sqlite_scan = line.starts_with(&format!("SCAN {t}"))
            && !line.contains("USING INDEX")
            && !line.contains("USING COVERING INDEX")
            && !line.contains("USING INTEGER PRIMARY KEY");
        let pg_scan = line.contains(&format!("Seq Scan on {t}"));
        // An index range with only an upper bound on a start reads all the history before it.
        let open_range =
            line.contains(&format!("{t} USING INDEX")) && line.contains("(starts_at<?)");
        sqlite_scan || pg_scan || open_range
    })
}
