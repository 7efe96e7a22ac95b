//! The query plans of the hot paths — availability (a day with its look-ahead, and a month), a
//! booking, the staff day view and the dashboard — on a populated database: every statement the
//! real service functions send is captured and explained (SQLite `EXPLAIN QUERY PLAN`;
//! PostgreSQL `EXPLAIN` of the generic plan, sequential scans discouraged so that a missing index
//! shows as a `Seq Scan`). None may scan a large table whole. Run with `--nocapture` to see them.

use carepath::db::{DbConnection, explain};
use carepath::domain::booking::{PatientDetails, PractitionerChoice};
use carepath::domain::patient::{EmailAddress, PatientName};
use carepath::service::audit::Actor;
use carepath::service::availability::{self, Day, DayQuery};
use carepath::service::booking::{self, BookCommand};
use carepath::service::{populate, query_plans};
use chrono::NaiveDate;

use crate::helpers::*;

fn show_and_check(
    conn: &mut DbConnection,
    path: &str,
    statements: &[String],
    problems: &mut Vec<String>,
) {
    println!("=== {path}: {} statements", statements.len());
    for sql in statements.iter().filter(|s| explain::explainable(s)) {
        println!("--- {sql}");
        for line in explain::plan(conn, sql).unwrap_or_else(|e| panic!("explain {sql}: {e}")) {
            println!("    {line}");
            if let Some(t) = explain::full_scan(&line) {
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
    explain::prepare(conn).unwrap();
    let date = NaiveDate::from_ymd_opt(2030, 6, 12).unwrap();
    let mut problems = Vec::new();

    let browse = DayQuery {
        day: Day::On(date),
        choice: PractitionerChoice::Any,
        browse: true,
    };
    let (day, sql) = explain::captured(conn, |c| {
        availability::requested_day(c, now, "microdermabrasion", browse).unwrap()
    });
    show_and_check(
        conn,
        "availability (day and look-ahead)",
        &sql,
        &mut problems,
    );
    let (_, sql) = explain::captured(conn, |c| {
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
    let (booked, sql) = explain::captured(conn, |c| booking::book(c, now, &cmd));
    booked.unwrap();
    show_and_check(conn, "booking", &sql, &mut problems);

    // The read paths exactly as `carepath query-plans` (and so the benchmark) reports them:
    // the availability API, the booking page, the month API, the day view and the dashboard.
    let paths = query_plans::hot_paths(conn, now, Some(date), Some("microdermabrasion")).unwrap();
    print!("{}", query_plans::render(&paths));
    for p in &paths {
        assert!(!p.statements.is_empty(), "{} sent no statement", p.path);
        for (st, t) in p.full_scans() {
            problems.push(format!("{}: reads {t} whole in {}", p.path, st.sql));
        }
    }
    let day_view = paths
        .iter()
        .find(|p| p.path.starts_with("GET /staff/day"))
        .unwrap();
    assert!(
        day_view
            .statements
            .iter()
            .any(|s| s.sql.contains("appointments")),
        "the day view's capture holds its appointment query"
    );

    assert!(problems.is_empty(), "full scans:\n{}", problems.join("\n"));
}
