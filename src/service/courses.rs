//! Treatment courses: a booking of a treatment with a recommended course joins the patient's
//! open course of it (or starts one), refused inside the booking transaction when it comes
//! sooner than the minimum interval after (or before) another session. Staff end or extend a
//! course; admins edit the plans.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use diesel::Connection;
use serde_json::json;

use crate::db::DbConnection;
pub use crate::db::courses::PlanRow;
use crate::db::courses::{self as store, CourseRow, SessionTimes};
use crate::db::models::{AppointmentRow, TreatmentRow, from_db, to_db};
use crate::domain::appointment::Status;
use crate::domain::course::{CoursePlan, Session, Spacing, next_earliest, parse_plan, spacing};
use crate::domain::errors::FieldErrors;
use crate::domain::time::date_label;
use crate::error::AppError;
use crate::service::audit::{self, Actor, Entry};

fn plan_of(row: &PlanRow) -> CoursePlan {
    CoursePlan {
        sessions: u16::try_from(row.sessions).unwrap_or(1),
        min_interval_days: u16::try_from(row.min_interval_days).unwrap_or(0),
        max_interval_days: u16::try_from(row.max_interval_days).unwrap_or(u16::MAX),
    }
}

/// Sessions that count: not cancelled, not missed.
fn counting(rows: &[SessionTimes], leave_out: i32) -> Vec<Session> {
    rows.iter()
        .filter(|r| r.0 != leave_out)
        .filter(|r| r.4 != Status::Cancelled.as_str() && r.4 != Status::NoShow.as_str())
        .map(|r| Session {
            starts_at: from_db(r.1),
            ends_at: from_db(r.2),
            completed_at: r.3.map(from_db),
        })
        .collect()
}

fn refusal(plan: CoursePlan, earliest: Option<NaiveDate>) -> AppError {
    let weeks = plan.min_interval_days;
    AppError::CourseInterval(match earliest {
        Some(t) => format!(
            "This session is part of your course, and sessions need at least {weeks} days \
             between them. The earliest your next session can be is {}.",
            date_label(t)
        ),
        None => format!(
            "This session is part of your course, and sessions need at least {weeks} days \
             between them: it is too close to a session you already have booked."
        ),
    })
}

/// Inside the booking transaction: joins the new appointment to the patient's open course of
/// its treatment (starting one if there is none, or the open one is full), after checking the
/// interval. Treatments without a plan have no courses.
pub fn on_booked(c: &mut DbConnection, tz: Tz, row: &AppointmentRow) -> Result<(), AppError> {
    let Some(plan_row) = store::plan_for(c, row.treatment_id)? else {
        return Ok(());
    };
    let plan = plan_of(&plan_row);
    let open = match store::open_course(c, row.patient_id, row.treatment_id)? {
        Some(course) => {
            store::lock(c, course.id)?;
            let sessions = counting(&store::sessions(c, course.id)?, row.id);
            if sessions.len() < usize::try_from(course.sessions_planned).unwrap_or(0) {
                Some((course, sessions))
            } else {
                // Full: it ends here and this booking starts the next course. A patient has at
                // most one open course of a treatment (a unique index says so), which is what
                // makes two racing first sessions one course: the loser's insert fails, and
                // the booking's retry finds the winner's course and checks the interval.
                store::end(c, course.id, row.created_at)?;
                None
            }
        }
        None => None,
    };
    let course = match open {
        Some((course, sessions)) => {
            if let Spacing::TooSoon { earliest } =
                spacing(plan, tz, &sessions, from_db(row.starts_at))
            {
                return Err(refusal(plan, earliest));
            }
            course
        }
        None => store::start(
            c,
            row.patient_id,
            row.treatment_id,
            plan_row.sessions,
            row.created_at,
        )?,
    };
    store::add_session(c, course.id, row.id)?;
    Ok(())
}

/// Inside a move's transaction: the new time must keep the course's interval too.
pub fn on_moved(c: &mut DbConnection, tz: Tz, row: &AppointmentRow) -> Result<(), AppError> {
    let Some(course) = store::course_of(c, row.id)? else {
        return Ok(());
    };
    let Some(plan_row) = store::plan_for(c, row.treatment_id)? else {
        return Ok(());
    };
    let plan = plan_of(&plan_row);
    store::lock(c, course.id)?;
    let sessions = counting(&store::sessions(c, course.id)?, row.id);
    match spacing(plan, tz, &sessions, from_db(row.starts_at)) {
        Spacing::TooSoon { earliest } => Err(refusal(plan, earliest)),
        _ => Ok(()),
    }
}

/// Where an appointment stands in its course, for the patient's and staff's pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub course_id: i32,
    /// This session's number among the course's counting sessions (1-based).
    pub n: usize,
    pub of: i32,
    pub ended: bool,
    /// Booked more than the maximum interval after the previous session: how many days.
    pub late_days: Option<i64>,
    /// The first date the next session may have (after the course's last session), while
    /// the course has sessions to go.
    pub next_from: Option<NaiveDate>,
}

impl Progress {
    pub fn label(&self) -> String {
        format!("Session {} of {}", self.n, self.of)
    }
}

pub fn progress(c: &mut DbConnection, appointment_id: i32) -> Result<Option<Progress>, AppError> {
    let Some(course) = store::course_of(c, appointment_id)? else {
        return Ok(None);
    };
    // Only appointments in a course pay for the clinic's zone.
    let tz = crate::service::clinic::load(c)?.tz;
    let plan = store::plan_for(c, course.treatment_id)?.map(|p| plan_of(&p));
    let rows = store::sessions(c, course.id)?;
    let all = counting(&rows, -1);
    let this = rows.iter().find(|r| r.0 == appointment_id);
    let n = match this {
        Some(r) => all
            .iter()
            .filter(|s| s.starts_at <= from_db(r.1))
            .count()
            .max(1),
        None => 1,
    };
    let late_days = match (plan, this) {
        (Some(plan), Some(r)) => {
            let others = counting(&rows, r.0);
            match spacing(plan, tz, &others, from_db(r.1)) {
                Spacing::Late { days } => Some(days),
                _ => None,
            }
        }
        _ => None,
    };
    let open = course.status == "open";
    let next_from = plan
        .filter(|_| open && (all.len() as i64) < i64::from(course.sessions_planned))
        .and_then(|p| next_earliest(p, tz, &all));
    Ok(Some(Progress {
        course_id: course.id,
        n,
        of: course.sessions_planned,
        ended: !open,
        late_days,
        next_from,
    }))
}

fn record(
    c: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    action: &'static str,
    subject_kind: &'static str,
    id: i32,
    after: serde_json::Value,
) -> Result<(), AppError> {
    audit::record(
        c,
        now,
        actor,
        Entry {
            action,
            subject_kind,
            subject_id: Some(id),
            before: None,
            after: Some(after),
            note: None,
        },
    )?;
    Ok(())
}

fn course(c: &mut DbConnection, id: i32) -> Result<CourseRow, AppError> {
    store::by_id(c, id)?.ok_or(AppError::NotFound("course"))
}

/// Staff end a course early: its next booking of the treatment starts a new course (this is
/// also how staff split one).
pub fn end(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    id: i32,
) -> Result<(), AppError> {
    conn.transaction(|c| {
        course(c, id)?;
        if store::end(c, id, to_db(now))? == 0 {
            return Err(AppError::NotAllowed(
                "This course has already ended.".into(),
            ));
        }
        record(
            c,
            now,
            actor,
            "course.end",
            "course",
            id,
            json!({"status": "ended"}),
        )
    })
}

/// Staff extend a course by one session.
pub fn extend(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    id: i32,
) -> Result<(), AppError> {
    conn.transaction(|c| {
        let row = course(c, id)?;
        if row.status != "open" {
            return Err(AppError::NotAllowed(
                "This course has ended; a new booking starts a new one.".into(),
            ));
        }
        if row.sessions_planned >= 50 {
            return Err(AppError::NotAllowed(
                "A course has at most 50 sessions.".into(),
            ));
        }
        store::set_planned(c, id, row.sessions_planned + 1)?;
        record(
            c,
            now,
            actor,
            "course.extend",
            "course",
            id,
            json!({"sessions_planned": row.sessions_planned + 1}),
        )
    })
}

/// Every treatment with its recommended course (if any), for the admin page.
pub fn plans(conn: &mut DbConnection) -> Result<Vec<(TreatmentRow, Option<PlanRow>)>, AppError> {
    let plans = store::all_plans(conn)?;
    Ok(crate::db::treatments::all_treatments(conn)?
        .into_iter()
        .map(|t| {
            let p = plans.iter().find(|p| p.treatment_id == t.id).cloned();
            (t, p)
        })
        .collect())
}

/// Sets a treatment's recommended course; all three fields empty removes it.
pub fn set_plan(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    treatment_id: i32,
    (sessions, min, max): (&str, &str, &str),
) -> Result<(), AppError> {
    let plan = if [sessions, min, max].iter().all(|s| s.trim().is_empty()) {
        None
    } else {
        match parse_plan(sessions, min, max) {
            Ok(p) => Some((
                i32::from(p.sessions),
                i32::from(p.min_interval_days),
                i32::from(p.max_interval_days),
            )),
            Err(m) => {
                let mut f = FieldErrors::new();
                f.add("plan", m);
                return Err(AppError::Invalid(f));
            }
        }
    };
    conn.transaction(|c| {
        if crate::db::treatments::find_treatment(c, treatment_id)?.is_none() {
            return Err(AppError::NotFound("treatment"));
        }
        store::set_plan(c, treatment_id, plan)?;
        record(
            c,
            now,
            actor,
            "treatment.course_plan",
            "treatment",
            treatment_id,
            json!({"plan": plan}),
        )
    })
}
