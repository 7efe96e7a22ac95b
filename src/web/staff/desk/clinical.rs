//! The clinical part of the staff appointment page: screening status and answers (each with the
//! version of the question answered), the flag and its review, the consent agreed, and the
//! patient's consultations; and the two actions, marking a flag reviewed and recording a
//! consultation or patch test done in person.

use actix_web::{HttpResponse, web};
use chrono_tz::Tz;

use crate::db::models::from_db;
use crate::domain::screening::Effect;
use crate::domain::staff::Role;
use crate::domain::time::datetime_label;
use crate::error::AppError;
use crate::service::screening::{self, AppointmentClinical};
use crate::web::AppState;
use crate::web::staff::auth::{StaffForm, StaffUser};
use crate::web::staff::path_id;

use super::appointment::{Redo, back_to_page};
use super::reach;

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
}

/// Practitioners review screening answers; an admin may too.
fn reviews(role: Role) -> bool {
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
                format!("{what}, {}", local(k.done_at))
            })
            .collect(),
        requirement: c
            .consultation_months
            .map(|m| format!("This treatment needs a consultation within {m} months.")),
        may_record: user.role.manages_bookings() || user.role == Role::Practitioner,
    }
}

/// `POST /staff/appointments/{id}/screening/reviewed` (audited).
pub async fn mark_reviewed(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    form.user.require(reviews)?;
    let id = path_id(&path, "appointment")?;
    let (actor, reach, now) = (form.user.actor(), reach(&form.user), state.clock.now());
    let result = state
        .db(move |c| screening::mark_reviewed(c, now, id, &actor, reach))
        .await;
    back_to_page(&state, &form.user, id, result, "reviewed", Redo::default()).await
}

/// `POST /staff/appointments/{id}/consultations` with `kind` = consultation | patch_test (audited).
pub async fn record_consultation(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    form.user
        .require(|r| r.manages_bookings() || r == Role::Practitioner)?;
    let id = path_id(&path, "appointment")?;
    let (actor, reach, now) = (form.user.actor(), reach(&form.user), state.clock.now());
    let kind = form.fields.get("kind").to_string();
    let result = state
        .db(move |c| screening::record_consultation(c, now, id, &kind, &actor, reach))
        .await;
    back_to_page(
        &state,
        &form.user,
        id,
        result,
        "consultation",
        Redo::default(),
    )
    .await
}
