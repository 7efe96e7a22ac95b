//! Patients' data rights: exporting everything held about a patient, erasing a patient (their
//! appointments stay as anonymous facts), the retention job, and the privacy notice.

use chrono::{DateTime, Duration, Utc};
use diesel::Connection;
use serde_json::{Value, json};

use crate::db::DbConnection;
use crate::db::models::{AuditRow, PrivacySettingsRow, from_db, to_db};
use crate::db::privacy as q;
use crate::domain::privacy::{self, PrivacyInput};
use crate::domain::token::ManageToken;
use crate::error::AppError;
use crate::service::audit::{self, Actor, Entry};
use crate::service::clinic::{self, Clinic};

fn rfc(t: chrono::NaiveDateTime) -> String {
    from_db(t).to_rfc3339()
}

fn patient_or_404(
    conn: &mut DbConnection,
    id: i32,
) -> Result<crate::db::models::PatientRow, AppError> {
    match crate::db::patients::by_id(conn, id) {
        Ok(p) => Ok(p),
        Err(diesel::result::Error::NotFound) => Err(AppError::NotFound("patient")),
        Err(e) => Err(e.into()),
    }
}

fn json_text(s: &Option<String>) -> Value {
    s.as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(Value::Null)
}

fn audit_json(r: &AuditRow) -> Value {
    json!({
        "at": rfc(r.at),
        "actor_kind": r.actor_kind,
        "actor": r.actor_label,
        "action": r.action,
        "subject_kind": r.subject_kind,
        "subject_id": r.subject_id,
        "before": json_text(&r.before_json),
        "after": json_text(&r.after_json),
        "note": r.note,
    })
}

/// Everything held about one patient, as one JSON document (a subject access request). The
/// file name to offer comes with it.
pub fn export(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    patient_id: i32,
) -> Result<(String, Value), AppError> {
    let p = patient_or_404(conn, patient_id)?;
    let erased_at = q::erased_at(conn, patient_id)?;
    let treatments = crate::db::treatments::all_treatments(conn)?;
    let practitioners = crate::db::practitioners::all_practitioners_by_id(conn)?;
    let notes = q::notes_of(conn, patient_id)?;
    let rows = q::appointments_of(conn, patient_id)?;
    let ids: Vec<i32> = rows.iter().map(|a| a.id).collect();
    let (screening_answers, consent_records) =
        crate::service::clinical_records::export(conn, &ids)?;
    let appointments: Vec<Value> = rows
        .iter()
        .map(|a| {
            let t = treatments.iter().find(|t| t.id == a.treatment_id);
            let pr = practitioners.iter().find(|p| p.id == a.practitioner_id);
            json!({
                "id": a.id,
                "treatment": {"id": a.treatment_id, "slug": t.map(|t| &t.slug), "name": t.map(|t| &t.name)},
                "practitioner": {"id": a.practitioner_id, "name": pr.map(|p| &p.name)},
                "starts_at": rfc(a.starts_at),
                "ends_at": rfc(a.ends_at),
                "status": a.status,
                "booked_by": a.booked_by,
                "patient_note": a.patient_note,
                "cancel_reason": a.cancel_reason,
                "checked_in_at": a.checked_in_at.map(rfc),
                "completed_at": a.completed_at.map(rfc),
                "created_at": rfc(a.created_at),
                "updated_at": rfc(a.updated_at),
                "staff_notes": notes.iter().filter(|n| n.appointment_id == a.id).map(|n| json!({
                    "at": rfc(n.created_at),
                    "body": n.body,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let messages: Vec<Value> = q::messages_of(conn, patient_id)?
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "appointment_id": m.appointment_id,
                "kind": m.kind,
                "status": m.status,
                "recipient": m.recipient,
                "due_at": rfc(m.due_at),
                "sent_at": m.sent_at.map(rfc),
                "attempts": m.attempts,
                "note": m.note,
                "created_at": rfc(m.created_at),
                "updated_at": rfc(m.updated_at),
            })
        })
        .collect();
    // Links emailed to the patient: when and what for (the secrets themselves are not stored).
    let links: Vec<Value> = crate::db::links::of_patient(conn, patient_id)?
        .iter()
        .map(|l| {
            json!({
                "purpose": l.purpose,
                "appointment_id": l.appointment_id,
                "created_at": rfc(l.created_at),
            })
        })
        .collect();
    // Waitlist entries under the patient's email (issue 11).
    let waitlist: Vec<Value> = crate::db::waitlist::of_email(conn, &p.email)?
        .iter()
        .map(|e| {
            json!({
                "treatment_id": e.treatment_id,
                "practitioner_id": e.practitioner_id,
                "from": e.from_date,
                "to": e.to_date,
                "name": e.name,
                "status": e.status,
                "created_at": rfc(e.created_at),
            })
        })
        .collect();
    let audit: Vec<Value> = q::audit_about(conn, patient_id)?
        .iter()
        .map(audit_json)
        .collect();
    let doc = json!({
        "format": "carepath-patient-export/1",
        "exported_at": now.to_rfc3339(),
        "patient": {
            "id": p.id,
            "name": p.name,
            "email": p.email,
            "phone": p.phone,
            "followups_opt_out": p.followups_opt_out,
            "created_at": rfc(p.created_at),
            "updated_at": rfc(p.updated_at),
            "erased_at": erased_at.map(rfc),
        },
        "appointments": appointments,
        "messages": messages,
        "links": links,
        "waitlist": waitlist,
        "audit": audit,
        // Each with the version of the question or consent text the patient saw.
        "screening_answers": screening_answers,
        "consent_records": consent_records,
    });
    Ok((format!("patient-{patient_id}.json"), doc))
}

/// What erasing a patient will do, for the confirmation page.
pub struct ErasePreview {
    pub clinic: Clinic,
    pub patient_id: i32,
    pub name: String,
    pub email: String,
    pub appointments: usize,
    /// Messages not yet sent, which erasure cancels.
    pub pending_messages: usize,
    pub erased_at: Option<DateTime<Utc>>,
}

pub fn erase_preview(conn: &mut DbConnection, patient_id: i32) -> Result<ErasePreview, AppError> {
    let p = patient_or_404(conn, patient_id)?;
    let erased_at = q::erased_at(conn, patient_id)?.map(from_db);
    let appointments = q::appointments_of(conn, patient_id)?.len();
    let pending_messages = q::messages_of(conn, patient_id)?
        .iter()
        .filter(|m| m.status == "planned" || m.status == "failed")
        .count();
    Ok(ErasePreview {
        clinic: clinic::load(conn)?,
        patient_id,
        name: p.name,
        email: p.email,
        appointments,
        pending_messages,
        erased_at,
    })
}

/// What an erasure did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erased {
    pub appointments_kept: usize,
    pub messages_cancelled: usize,
}

/// Erases a patient in one transaction: planned messages cancelled, personal data replaced by
/// placeholders, manage and unsubscribe links invalidated, and an audit entry (which holds no
/// personal data). Erasing an erased patient again is refused.
pub fn erase(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    patient_id: i32,
    why: &str,
) -> Result<Erased, AppError> {
    crate::service::changes::committed(
        conn.transaction(|c| erase_in(c, now, actor, patient_id, why)),
    )
}

fn erase_in(
    c: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    patient_id: i32,
    why: &str,
) -> Result<Erased, AppError> {
    let at = to_db(now);
    // The first statement writes, so on SQLite the transaction holds the write lock throughout.
    let messages_cancelled = q::cancel_all_pending(c, patient_id, "patient erased", at)?;
    patient_or_404(c, patient_id)?;
    if q::erased_at(c, patient_id)?.is_some() {
        return Err(AppError::NotAllowed(
            "This patient's personal data has already been erased.".into(),
        ));
    }
    // Their waitlist entries (looked up by email: a waiting patient may have no record), with
    // their offers, links and unsent offer emails (issue 11).
    let p = patient_or_404(c, patient_id)?;
    crate::db::waitlist::delete_of_email(c, &p.email)?;
    let kept = q::appointments_of(c, patient_id)?;
    let appointments_kept = kept.len();
    let ids: Vec<i32> = kept.iter().map(|a| a.id).collect();
    crate::service::clinical_records::erase(c, &ids)?;
    let email = privacy::erased_email(patient_id);
    q::erase(
        c,
        patient_id,
        &q::Placeholder {
            name: privacy::ERASED_NAME,
            email: &email,
        },
        || ManageToken::generate().digest(),
        at,
    )?;
    scrub_audit(c, patient_id)?;
    audit::record(
        c,
        now,
        actor,
        Entry {
            action: "patient.erase",
            subject_kind: "patient",
            subject_id: Some(patient_id),
            before: None,
            after: Some(json!({
                "appointments_kept": appointments_kept,
                "messages_cancelled": messages_cancelled,
            })),
            note: Some(why),
        },
    )?;
    Ok(Erased {
        appointments_kept,
        messages_cancelled,
    })
}

/// Snapshot fields of the audit trail that hold text the patient typed.
const TYPED_BY_PATIENT: [&str; 2] = ["cancel_reason", "patient_note"];

/// Takes the patient's own words out of the audit entries about them; who did what, when, stays.
fn scrub_audit(c: &mut DbConnection, patient_id: i32) -> Result<(), AppError> {
    let scrub = |s: &Option<String>| -> (Option<String>, bool) {
        let Some(mut v) = s
            .as_deref()
            .and_then(|t| serde_json::from_str::<Value>(t).ok())
        else {
            return (s.clone(), false);
        };
        let mut changed = false;
        if let Some(o) = v.as_object_mut() {
            for k in TYPED_BY_PATIENT {
                if o.get(k).is_some_and(|x| !x.is_null()) {
                    o.insert(k.to_string(), Value::Null);
                    changed = true;
                }
            }
        }
        (Some(v.to_string()), changed)
    };
    for r in q::audit_about(c, patient_id)? {
        let (before, b) = scrub(&r.before_json);
        let (after, a) = scrub(&r.after_json);
        if a || b {
            q::set_audit_snapshots(c, r.id, before.as_deref(), after.as_deref())?;
        }
    }
    Ok(())
}

/// What the daily retention job did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionReport {
    pub patients_erased: usize,
    pub audit_entries_deleted: usize,
    pub sessions_deleted: usize,
}

impl std::fmt::Display for RetentionReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "erased {} patient(s) past retention, deleted {} audit entries and {} ended staff sessions",
            self.patients_erased, self.audit_entries_deleted, self.sessions_deleted
        )
    }
}

/// The retention job at `now`: erases patients with no appointment within the patient retention
/// period (when set), deletes audit entries older than the audit period (when set) and staff
/// sessions ended longer ago than the session period. Each patient is erased in its own
/// transaction, so one failure doesn't undo the others.
pub fn run_retention(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
) -> Result<RetentionReport, AppError> {
    let s = q::settings(conn)?;
    let mut report = RetentionReport::default();
    if let Some(days) = s.audit_retention_days {
        let cutoff = to_db(now - Duration::days(i64::from(days)));
        report.audit_entries_deleted = q::purge_audit(conn, cutoff)?;
    }
    let cutoff = to_db(now - Duration::days(i64::from(s.session_retention_days)));
    report.sessions_deleted = q::purge_sessions(conn, cutoff)?;
    if let Some(days) = s.patient_retention_days {
        let cutoff = to_db(now - Duration::days(i64::from(days)));
        let why = format!("retention: no appointment in {days} days");
        for id in q::past_retention(conn, cutoff)? {
            match erase(conn, now, &Actor::System, id, &why) {
                Ok(_) => report.patients_erased += 1,
                // Erased meanwhile by someone else: nothing left to do.
                Err(AppError::NotAllowed(_)) => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(report)
}

/// The privacy notice, as paragraphs, with the clinic for the page around it.
pub fn notice(conn: &mut DbConnection) -> Result<(Clinic, Vec<String>), AppError> {
    let s = q::settings(conn)?;
    let text = s.notice_text.as_deref().unwrap_or(privacy::DEFAULT_NOTICE);
    Ok((clinic::load(conn)?, privacy::paragraphs(text)))
}

fn input_of(s: &PrivacySettingsRow) -> PrivacyInput {
    let days = |d: Option<i32>| d.map(|d| d.to_string()).unwrap_or_default();
    PrivacyInput {
        notice: s
            .notice_text
            .clone()
            .unwrap_or_else(|| privacy::DEFAULT_NOTICE.to_string()),
        patient_retention_days: days(s.patient_retention_days),
        audit_retention_days: days(s.audit_retention_days),
        session_retention_days: s.session_retention_days.to_string(),
    }
}

/// The admin form's current values.
pub fn settings_input(conn: &mut DbConnection) -> Result<PrivacyInput, AppError> {
    Ok(input_of(&q::settings(conn)?))
}

fn snapshot(s: &PrivacySettingsRow) -> Value {
    json!({
        "notice": if s.notice_text.is_some() { "custom" } else { "default" },
        "patient_retention_days": s.patient_retention_days,
        "audit_retention_days": s.audit_retention_days,
        "session_retention_days": s.session_retention_days,
    })
}

/// Saves the notice and retention periods (audited).
pub fn save_settings(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    input: &PrivacyInput,
) -> Result<(), AppError> {
    let new = input.parse().map_err(AppError::Invalid)?;
    conn.transaction(|c| {
        let before = q::settings(c)?;
        q::update_settings(
            c,
            &q::SettingsUpdate {
                notice_text: new.notice.as_deref(),
                patient_retention_days: new.patient_retention_days,
                audit_retention_days: new.audit_retention_days,
                session_retention_days: new.session_retention_days,
            },
            to_db(now),
        )?;
        let after = q::settings(c)?;
        let notice_changed = before.notice_text != after.notice_text;
        audit::record(
            c,
            now,
            actor,
            Entry {
                action: "privacy.settings",
                subject_kind: "clinic",
                subject_id: None,
                before: Some(snapshot(&before)),
                after: Some(snapshot(&after)),
                note: notice_changed.then_some("privacy notice text changed"),
            },
        )?;
        Ok(())
    })
}
