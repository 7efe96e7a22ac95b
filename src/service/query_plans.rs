//! The query plan of every statement the hot read paths send — the availability API, the
//! booking page (its day and month calendar), the month API, the staff day view and the
//! dashboard (with the staff session and account each staff request reads) — run for real on the
//! database at hand and explained (`db::explain`). `carepath query-plans` prints it; the benchmark
//! runs that on its populated database, so a plan that reads a large table whole shows there.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::availability::{self, Day, DayQuery};
use super::desk::schedule::{self, Who};
use super::{catalog_snapshot, dashboard, staff};
use crate::db::{DbConnection, explain};
use crate::domain::booking::PractitionerChoice;
use crate::domain::time::today;
use crate::error::AppError;

/// One statement and its plan.
pub struct Statement {
    pub sql: String,
    pub plan: Vec<String>,
    /// Large tables some line of the plan reads whole.
    pub full_scans: Vec<&'static str>,
}

/// A path and every statement it sent.
pub struct PathPlans {
    pub path: String,
    pub statements: Vec<Statement>,
}

impl PathPlans {
    pub fn full_scans(&self) -> impl Iterator<Item = (&Statement, &'static str)> {
        self.statements
            .iter()
            .flat_map(|s| s.full_scans.iter().map(move |t| (s, *t)))
    }
}

/// Runs each hot read path once on `conn` (a connection of its own: explaining changes its
/// settings on PostgreSQL) for `date` (default: a week from today) and a treatment (default:
/// the first on the menu), and explains every statement each sent.
pub fn hot_paths(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    date: Option<NaiveDate>,
    treatment: Option<&str>,
) -> Result<Vec<PathPlans>, AppError> {
    let cat = catalog_snapshot::current(conn)?;
    let slug = match treatment {
        Some(s) => s.to_string(),
        None => cat
            .treatments
            .first()
            .map(|t| t.slug.clone())
            .ok_or_else(|| AppError::Internal("no active treatment to ask about".into()))?,
    };
    let date = date.unwrap_or_else(|| today(cat.clinic.tz, now) + Duration::days(7));
    explain::prepare(conn)?;
    let ask = |browse| DayQuery {
        day: Day::On(date),
        choice: PractitionerChoice::Any,
        browse,
    };
    let mut out = Vec::new();
    let mut run = |conn: &mut DbConnection,
                   path: String,
                   f: &dyn Fn(&mut DbConnection) -> Result<(), AppError>|
     -> Result<(), AppError> {
        let (result, sql) = explain::captured(conn, f);
        result?;
        let mut statements = Vec::new();
        for sql in sql.into_iter().filter(|s| explain::explainable(s)) {
            let plan = explain::plan(conn, &sql)?;
            let mut full_scans: Vec<&'static str> =
                plan.iter().filter_map(|l| explain::full_scan(l)).collect();
            full_scans.dedup();
            statements.push(Statement {
                sql,
                plan,
                full_scans,
            });
        }
        out.push(PathPlans { path, statements });
        Ok(())
    };
    run(
        conn,
        format!("GET /api/v1/availability?treatment={slug}&date={date}"),
        &|c| availability::requested_day(c, now, &slug, ask(false)).map(drop),
    )?;
    run(
        conn,
        format!(
            "GET /book/{slug}?date={date}&practitioner=any (the day, its look-ahead, the month)"
        ),
        &|c| availability::booking_page(c, now, &slug, ask(true), None).map(drop),
    )?;
    run(
        conn,
        format!("GET /api/v1/availability/month?treatment={slug}&month={date}"),
        &|c| availability::month(c, now, &slug, date, PractitionerChoice::Any).map(drop),
    )?;
    // Every staff page first reads the session (by its key's hash) and the account.
    let staff_request = |c: &mut DbConnection| -> Result<(), AppError> {
        staff::sessions::load(c, now, "query-plan session key")?;
        staff::account(c, 1)?;
        Ok(())
    };
    run(
        conn,
        format!("GET /staff/day?date={date} (with the session and account)"),
        &|c| {
            staff_request(c)?;
            schedule::day_page(c, now, Some(date), Some(Who::Everyone), None).map(drop)
        },
    )?;
    run(
        conn,
        "GET /staff/ (dashboard, with the session and account)".to_string(),
        &|c| {
            staff_request(c)?;
            dashboard::page(c, now, None).map(drop)
        },
    )?;
    Ok(out)
}

/// The report as text: each path, each statement and its plan lines.
pub fn render(paths: &[PathPlans]) -> String {
    let mut s = String::new();
    for p in paths {
        s.push_str(&format!(
            "=== {}: {} statements\n",
            p.path,
            p.statements.len()
        ));
        for st in &p.statements {
            s.push_str(&format!("--- {}\n", st.sql));
            for line in &st.plan {
                s.push_str(&format!("    {line}\n"));
            }
        }
    }
    s
}
