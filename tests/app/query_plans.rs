//! The query plans of the hot paths — availability (a day with its look-ahead, and a month), a
//! booking, the staff day view and the dashboard — on a populated database: every statement the
//! real service functions send is captured and explained (SQLite `EXPLAIN QUERY PLAN`;
//! PostgreSQL `EXPLAIN` of the generic plan, sequential scans discouraged so that a missing index
//! shows as a `Seq Scan`). None may scan a large table whole. Run with `--nocapture` to see them.

use std::sync::{Arc, Mutex};

use carepath::db::DbConnection;
use carepath::domain::booking::{PatientDetails, PractitionerChoice};
use carepath::domain::patient::{EmailAddress, PatientName};
use carepath::service::audit::Actor;
use carepath::service::availability::{self, Day, DayQuery};
use carepath::service::booking::{self, BookCommand};
use carepath::service::{dashboard, desk, populate};
use chrono::NaiveDate;
use diesel::connection::{Connection, InstrumentationEvent, SimpleConnection};
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::helpers::*;

/// Tables that grow with the practice: a whole scan of one of these is what must not happen.
const LARGE: [&str; 4] = ["appointments", "patients", "outbox", "audit_log"];

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    detail: String,
}

/// Runs `f` and returns the SQL of every statement it sent (binds left as placeholders).
fn captured<T>(
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
            sink.lock().unwrap().push(sql);
        }
    });
    let out = f(conn);
    conn.set_instrumentation(|_: InstrumentationEvent<'_>| {});
    let mut v = log.lock().unwrap().clone();
    v.dedup();
    (out, v)
}

fn explain(conn: &mut DbConnection, sql: &str) -> Vec<String> {
    match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
            .load::<Line>(c)
            .unwrap_or_else(|e| panic!("explain {sql}: {e}"))
            .into_iter()
            .map(|l| l.detail)
            .collect(),
        DbConnection::Pg(c) => {
            let params = (1..=64)
                .rev()
                .find(|n| sql.contains(&format!("${n}")))
                .unwrap_or(0);
            let nulls = vec!["NULL"; params].join(", ");
            // Our own statement names: diesel keeps its prepared statements on this connection.
            static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let name = format!(
                "plan_q{}",
                NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            );
            c.batch_execute(&format!("PREPARE {name} AS {sql}"))
                .unwrap_or_else(|e| panic!("prepare {sql}: {e}"));
            let execute = if params == 0 {
                format!("EXECUTE {name}")
            } else {
                format!("EXECUTE {name}({nulls})")
            };
            diesel::sql_query(format!(
                "SELECT pg_temp.plan_of('{}') AS detail",
                execute.replace('\'', "''")
            ))
            .load::<Line>(c)
            .unwrap_or_else(|e| panic!("explain {sql}: {e}"))
            .into_iter()
            .map(|l| l.detail)
            .collect()
        }
    }
}

fn prepare_explain(conn: &mut DbConnection) {
    if let DbConnection::Pg(c) = conn {
        // The generic plan is the one that doesn't depend on the (NULL) values given here.
        c.batch_execute(
            "SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off;
             CREATE FUNCTION pg_temp.plan_of(q text) RETURNS SETOF text AS $$
             BEGIN RETURN QUERY EXECUTE 'EXPLAIN ' || q; END $$ LANGUAGE plpgsql;",
        )
        .unwrap();
    }
}

/// What in a plan line would read a large table whole (or all of its history).
fn full_scan(line: &str) -> Option<&'static str> {
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

fn show_and_check(
    conn: &mut DbConnection,
    path: &str,
    statements: &[String],
    problems: &mut Vec<String>,
) {
    println!("=== {path}: {} statements", statements.len());
    for sql in statements {
        let head = sql.split_whitespace().next().unwrap_or("").to_uppercase();
        if !["SELECT", "UPDATE", "DELETE", "WITH", "(SELECT"].contains(&head.as_str()) {
            continue;
        }
        println!("--- {sql}");
        for line in explain(conn, sql) {
            println!("    {line}");
            if let Some(t) = full_scan(&line) {
                problems.push(format!("{path}: reads {t} whole: {line}\n  in {sql}"));
            }
        }
    }
}

#[tokio::test]
async fn hot_paths_use_indexes_on_a_populated_database() {
    let app = TestApp::spawn().await;
    let now = app.clock.now();
    let mut pooled = app.state.pool.get().unwrap();
    let conn: &mut DbConnection = &mut pooled;
    let report = populate::populate(conn, now, 3000).unwrap();
    assert_eq!(report.appointments, 3000);
    assert_eq!((report.outbox, report.audit), (6000, 3000));
    assert_eq!(app.appointment_count(), 3000);
    // It fills an empty schedule only.
    assert!(populate::populate(conn, now, 10).is_err());
    prepare_explain(conn);
    let date = NaiveDate::from_ymd_opt(2030, 6, 12).unwrap();
    let mut problems = Vec::new();

    let browse = DayQuery {
        day: Day::On(date),
        choice: PractitionerChoice::Any,
        browse: true,
    };
    let (day, sql) = captured(conn, |c| {
        availability::requested_day(c, now, "microdermabrasion", browse).unwrap()
    });
    show_and_check(
        conn,
        "availability (day and look-ahead)",
        &sql,
        &mut problems,
    );
    let (_, sql) = captured(conn, |c| {
        availability::month(c, now, "microdermabrasion", date, PractitionerChoice::Any).unwrap()
    });
    show_and_check(conn, "availability (month)", &sql, &mut problems);

    let slot = day.slots.first().expect("a free slot on a populated day");
    let cmd = BookCommand {
        actor: Actor::Patient {
            label: "plan test".into(),
        },
        treatment_slug: "microdermabrasion".into(),
        start: slot.start,
        practitioner: PractitionerChoice::Specific(slot.practitioner_id),
        patient: PatientDetails {
            name: PatientName::parse("Plan Test").unwrap(),
            email: EmailAddress::parse("plan.test@example.org").unwrap(),
            phone: None,
        },
        note: None,
        clinical: Default::default(),
        waitlist_offer: None,
    };
    let (booked, sql) = captured(conn, |c| booking::book(c, now, &cmd));
    booked.unwrap();
    show_and_check(conn, "booking", &sql, &mut problems);

    let (_, sql) = captured(conn, |c| {
        desk::schedule::day(
            c,
            now,
            Some(date),
            Some(desk::schedule::Who::Everyone),
            None,
        )
        .unwrap()
    });
    show_and_check(conn, "staff day view", &sql, &mut problems);
    let (_, sql) = captured(conn, |c| dashboard::load(c, now, None).unwrap());
    show_and_check(conn, "dashboard", &sql, &mut problems);

    assert!(problems.is_empty(), "full scans:\n{}", problems.join("\n"));
}
