//! Browsing the audit trail: filters as typed, pages of rows, each row's change spelled out.

use chrono::Duration;
use chrono_tz::Tz;
use serde_json::Value;

use crate::db::DbConnection;
use crate::db::audit::{self, AuditFilter};
use crate::db::models::{AuditRow, from_db, to_db};
use crate::domain::audit_diff::{Change, diff};
use crate::domain::errors::FieldErrors;
use crate::domain::time::{local_day_bounds, parse_date};
use crate::error::AppError;
use crate::service::clinic::{self, Clinic};

pub const PAGE_SIZE: i64 = 50;

/// What the subject kinds are called in the filter.
pub const SUBJECT_KINDS: [(&str, &str); 6] = [
    ("appointment", "Appointment"),
    ("patient", "Patient"),
    ("treatment", "Treatment"),
    ("practitioner", "Practitioner"),
    ("clinic", "Clinic settings"),
    ("staff", "Staff account"),
];

/// The filter form as typed (the query string).
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor: String,
    pub action: String,
    pub subject_kind: String,
    pub from: String,
    pub to: String,
    pub page: String,
}

#[derive(Debug, Clone)]
pub struct AuditLine {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub subject_link: Option<String>,
    pub changes: Vec<Change>,
    pub note: Option<String>,
}

pub struct AuditPage {
    pub lines: Vec<AuditLine>,
    pub page: i64,
    pub has_next: bool,
}

/// Where a subject is edited or shown in the console.
fn link(kind: &str, id: Option<i32>) -> Option<String> {
    let base = match kind {
        "clinic" => return Some("/staff/settings".into()),
        "appointment" => "/staff/appointments",
        "patient" => "/staff/patients",
        "treatment" => "/staff/treatments",
        "practitioner" => "/staff/practitioners",
        "staff" => "/staff/accounts",
        _ => return None,
    };
    id.map(|id| format!("{base}/{id}"))
}

fn parse_json(s: &Option<String>) -> Option<Value> {
    s.as_deref().and_then(|s| serde_json::from_str(s).ok())
}

fn line(tz: Tz, r: AuditRow) -> AuditLine {
    let label = SUBJECT_KINDS
        .iter()
        .find(|(k, _)| *k == r.subject_kind)
        .map_or(r.subject_kind.as_str(), |(_, l)| l);
    AuditLine {
        at: from_db(r.at)
            .with_timezone(&tz)
            .format("%Y-%m-%d %H:%M:%S %Z")
            .to_string(),
        actor: r.actor_label.clone(),
        action: r.action.clone(),
        subject: match r.subject_id {
            Some(id) => format!("{label} #{id}"),
            None => label.to_string(),
        },
        subject_link: link(&r.subject_kind, r.subject_id),
        changes: diff(
            parse_json(&r.before_json).as_ref(),
            parse_json(&r.after_json).as_ref(),
        ),
        note: r.note,
    }
}

/// Reads the filters; dates are the clinic's local dates, both included.
pub fn filter(tz: Tz, q: &AuditQuery) -> Result<(AuditFilter, i64), FieldErrors> {
    let mut e = FieldErrors::new();
    let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let from = some(&q.from).and_then(|s| {
        e.take(
            "from",
            parse_date(&s).map_err(|m| format!("The first date is {m}.")),
        )
    });
    let to = some(&q.to).and_then(|s| {
        e.take(
            "to",
            parse_date(&s).map_err(|m| format!("The last date is {m}.")),
        )
    });
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        e.add("to", "The last date can't be before the first.");
    }
    let kind = some(&q.subject_kind);
    if let Some(k) = &kind
        && !SUBJECT_KINDS.iter().any(|(known, _)| known == k)
    {
        e.add("subject_kind", "Choose a kind of subject from the list.");
    }
    let page = match some(&q.page) {
        None => 1,
        Some(p) => match p.parse::<i64>() {
            Ok(n) if (1..=100_000).contains(&n) => n,
            _ => {
                e.add("page", "Not a page number.");
                1
            }
        },
    };
    if !e.is_empty() {
        return Err(e);
    }
    let day_start = |d| to_db(local_day_bounds(tz, d).0);
    Ok((
        AuditFilter {
            actor: some(&q.actor),
            action_prefix: some(&q.action),
            subject_kind: kind,
            from: from.map(day_start),
            to: to.map(|d| day_start(d + Duration::days(1))),
        },
        page,
    ))
}

/// One page of the filtered trail, with the clinic whose zone its times are shown in (or the
/// filter's problems, by field).
pub fn browse(
    conn: &mut DbConnection,
    q: &AuditQuery,
) -> Result<(Clinic, Result<AuditPage, FieldErrors>), AppError> {
    let clinic = clinic::load(conn)?;
    let tz = clinic.tz;
    let (f, page) = match filter(tz, q) {
        Ok(ok) => ok,
        Err(e) => return Ok((clinic, Err(e))),
    };
    // One row more than a page tells whether there is a next page.
    let mut rows = audit::search(conn, &f, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)?;
    let has_next = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    Ok((
        clinic,
        Ok(AuditPage {
            lines: rows.into_iter().map(|r| line(tz, r)).collect(),
            page,
            has_next,
        }),
    ))
}
