//! Browsing the audit trail: filters as typed, pages of rows, each row's change spelled out.

use chrono::Duration;
use chrono_tz::Tz;
use serde_json::Value;

use crate::db::DbConnection;
use crate::db::audit::{self, AuditFilter};
use crate::db::models::{AuditRow, from_db, to_db};
use std::collections::HashMap;

use crate::domain::appointment::Status;
use crate::domain::audit_diff::{Change, readable_diff};
use crate::domain::errors::FieldErrors;
use crate::domain::time::datetime_label;
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
    /// The action in words ("Checked in", "Treatment update").
    pub action_words: String,
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

/// The names the trail's ids stand for, loaded once per page.
#[derive(Default)]
struct Names {
    practitioners: HashMap<i64, String>,
    treatments: HashMap<i64, String>,
    patients: HashMap<i64, String>,
    staff: HashMap<i64, String>,
    /// Appointment id → its patient's name.
    appointment_patients: HashMap<i64, String>,
}

impl Names {
    fn load(conn: &mut DbConnection, rows: &[AuditRow]) -> Result<Names, AppError> {
        let ids_of = |kind: &str| -> Vec<i32> {
            rows.iter()
                .filter(|r| r.subject_kind == kind)
                .filter_map(|r| r.subject_id)
                .collect()
        };
        // Patients named in snapshots (a merge, an erasure) as well as patient subjects.
        let mut patient_ids = ids_of("patient");
        for r in rows {
            for json in [&r.before_json, &r.after_json] {
                if let Some(id) = parse_json(json)
                    .and_then(|v| v.get("patient_id").and_then(Value::as_i64))
                    .and_then(|id| i32::try_from(id).ok())
                {
                    patient_ids.push(id);
                }
            }
        }
        let map = |pairs: Vec<(i32, String)>| {
            pairs
                .into_iter()
                .map(|(id, name)| (i64::from(id), name))
                .collect::<HashMap<_, _>>()
        };
        Ok(Names {
            practitioners: crate::db::practitioners::all_practitioners_by_id(conn)?
                .into_iter()
                .map(|p| (i64::from(p.id), p.name))
                .collect(),
            treatments: crate::db::treatments::all_treatments(conn)?
                .into_iter()
                .map(|t| (i64::from(t.id), t.name))
                .collect(),
            staff: crate::db::staff::all(conn)?
                .into_iter()
                .map(|s| (i64::from(s.id), format!("{} ({})", s.name, s.email)))
                .collect(),
            patients: map(crate::db::patients::names_by_id(conn, &patient_ids)?),
            appointment_patients: map(crate::db::patients::names_by_appointment(
                conn,
                &ids_of("appointment"),
            )?),
        })
    }

    /// A value as a person reads it: the name an id stands for, an instant on the clinic's
    /// clock, a status in words.
    fn tell(&self, tz: Tz, key: &str, v: &Value) -> Option<String> {
        let named = |m: &HashMap<i64, String>| {
            v.as_i64()
                .map(|id| m.get(&id).cloned().unwrap_or_else(|| format!("#{id}")))
        };
        match key {
            "practitioner_id" => named(&self.practitioners),
            "treatment_id" => named(&self.treatments),
            "patient_id" => named(&self.patients),
            "staff_id" => named(&self.staff),
            "status" => v
                .as_str()
                .and_then(Status::parse)
                .map(|s| s.label().to_string()),
            _ => v
                .as_str()
                .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
                .map(|t| datetime_label(tz, t.with_timezone(&chrono::Utc))),
        }
    }

    /// Who the subject is, beside its kind and number: "Appointment #24 · Ann Lee".
    fn subject_name(&self, kind: &str, id: i32) -> Option<&String> {
        let id = i64::from(id);
        match kind {
            "appointment" => self.appointment_patients.get(&id),
            "patient" => self.patients.get(&id),
            "practitioner" => self.practitioners.get(&id),
            "treatment" => self.treatments.get(&id),
            "staff" => self.staff.get(&id),
            _ => None,
        }
    }
}

/// What an action code means, for the "What" column (the code stays beside it: the filter
/// takes its prefix).
fn action_words(action: &str) -> String {
    if action.starts_with("appointment.") {
        return crate::service::desk::history::action_label(action);
    }
    let (thing, verb) = action.split_once('.').unwrap_or(("", action));
    let verb = verb.replace(['_', '.'], " ");
    let thing = thing.replace('_', " ");
    let mut s = format!("{thing} {verb}").trim().to_string();
    if let Some(first) = s.get(..1) {
        s = first.to_uppercase() + &s[1..];
    }
    s
}

fn line(tz: Tz, names: &Names, r: AuditRow) -> AuditLine {
    let label = SUBJECT_KINDS
        .iter()
        .find(|(k, _)| *k == r.subject_kind)
        .map_or(r.subject_kind.as_str(), |(_, l)| l);
    AuditLine {
        at: datetime_label(tz, from_db(r.at)),
        actor: r.actor_label.clone(),
        action: r.action.clone(),
        action_words: action_words(&r.action),
        subject: match r.subject_id {
            Some(id) => match names.subject_name(&r.subject_kind, id) {
                Some(name) => format!("{label} #{id} · {name}"),
                None => format!("{label} #{id}"),
            },
            None => label.to_string(),
        },
        subject_link: link(&r.subject_kind, r.subject_id),
        changes: readable_diff(
            parse_json(&r.before_json).as_ref(),
            parse_json(&r.after_json).as_ref(),
            &|k, v| names.tell(tz, k, v),
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
    let names = Names::load(conn, &rows)?;
    Ok((
        clinic,
        Ok(AuditPage {
            lines: rows.into_iter().map(|r| line(tz, &names, r)).collect(),
            page,
            has_next,
        }),
    ))
}
