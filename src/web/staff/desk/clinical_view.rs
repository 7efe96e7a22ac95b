//! The clinical part of the staff appointment page: screening status and answers (each with the
//! version of the question answered), the flag and its review, the consent agreed, and the
//! patient's consultations. The actions are in `clinical`.

use chrono_tz::Tz;

use crate::db::models::from_db;
use crate::domain::screening::Effect;
use crate::domain::staff::Role;
use crate::domain::time::datetime_label;
use crate::service::screening::AppointmentClinical;
use crate::web::staff::auth::StaffUser;

pub struct AnswerView {
    pub text: String,
    pub version: i32,
    pub effect: &'static str,
    pub answer: &'static str,
    /// A "yes" that blocks or asks for review.
    pub attention: bool,
}

pub struct ConsentView {
    pub version: i32,
    pub href: String,
    pub agreed: String,
    pub ip: String,
    pub user_agent: String,
}

pub struct ClinicalView {
    /// "pending", "answered" or "" (this treatment asked no questions when booked).
    pub status: &'static str,
    pub flag: Option<&'static str>,
    pub flag_open: bool,
    pub reviewed: Option<String>,
    pub may_review: bool,
    pub answers: Vec<AnswerView>,
    pub consent: Option<ConsentView>,
    pub consultations: Vec<String>,
    pub requirement: Option<String>,
    pub may_record: bool,
    /// (id, name) of the treatments a consultation may clear.
    pub clearable: Vec<(i32, String)>,
}

/// Practitioners review screening answers; an admin may too.
pub(super) fn reviews(role: Role) -> bool {
    matches!(role, Role::Practitioner | Role::Admin)
}

pub fn view(user: &StaffUser, tz: Tz, slug: &str, c: AppointmentClinical) -> ClinicalView {
    let local = |t: chrono::NaiveDateTime| datetime_label(tz, from_db(t));
    ClinicalView {
        status: match c.state.as_ref().map(|s| s.status.as_str()) {
            Some("pending") => "pending",
            Some(_) => "answered",
            None => "",
        },
        flag: c.flag().map(|f| f.label()),
        flag_open: c.open_flag(),
        reviewed: c.state.as_ref().and_then(|s| s.reviewed_at).map(|t| {
            format!(
                "Reviewed by {}, {}",
                c.reviewed_by.clone().unwrap_or_default(),
                local(t)
            )
        }),
        may_review: reviews(user.role),
        answers: c
            .answers
            .iter()
            .map(|a| {
                let effect = Effect::parse(&a.question.effect).unwrap_or(Effect::Info);
                AnswerView {
                    text: a.question.text.clone(),
                    version: a.question.version,
                    effect: effect.label(),
                    answer: if a.answer { "Yes" } else { "No" },
                    attention: a.answer && effect != Effect::Info,
                }
            })
            .collect(),
        consent: c.consent.as_ref().map(|(r, t)| ConsentView {
            version: t.version,
            href: format!("/treatments/{slug}/consent?version={}", t.version),
            agreed: local(r.agreed_at),
            ip: r.ip.clone().unwrap_or_else(|| "—".into()),
            user_agent: r.user_agent.clone().unwrap_or_else(|| "—".into()),
        }),
        consultations: c
            .consultations
            .iter()
            .map(|k| {
                let what = if k.kind == "patch_test" {
                    "Patch test"
                } else {
                    "Consultation"
                };
                let cleared = k
                    .cleared_treatment_id
                    .and_then(|t| c.clearable.iter().find(|(id, _)| *id == t))
                    .map(|(_, name)| format!(" (cleared for {name})"))
                    .unwrap_or_default();
                format!("{what}, {}{cleared}", local(k.done_at))
            })
            .collect(),
        requirement: c
            .consultation_months
            .map(|m| format!("This treatment needs a consultation within {m} months.")),
        may_record: user.role.manages_bookings() || user.role == Role::Practitioner,
        clearable: c.clearable.clone(),
    }
}
