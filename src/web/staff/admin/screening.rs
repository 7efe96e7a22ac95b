//! /staff/treatments/{id}/clinical: a treatment's screening questions (each edit a new
//! version), its consent text (versioned the same way) and its consultation requirement.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::require_admin;
use crate::domain::errors::FieldErrors;
use crate::domain::screening::Effect;
use crate::error::AppError;
use crate::service::screening_admin::{self as svc, ClinicalSetup};
use crate::web::forms::Fields;
use crate::web::outcome::answer;
use crate::web::staff::auth::{StaffForm, StaffUser};
use crate::web::staff::layout::StaffLayout;
use crate::web::staff::{clinic_name, path_id};
use crate::web::{AppState, render_status};

pub struct EffectOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

fn effect_options(current: &str) -> Vec<EffectOption> {
    Effect::ALL
        .into_iter()
        .map(|e| EffectOption {
            value: e.as_str(),
            label: e.label(),
            selected: e.as_str() == current,
        })
        .collect()
}

pub struct QuestionLine {
    pub id: i32,
    pub version: i32,
    pub text: String,
    pub effects: Vec<EffectOption>,
}

#[derive(Template)]
#[template(path = "staff/admin/screening.html")]
struct SetupPage {
    layout: StaffLayout,
    id: i32,
    name: String,
    slug: String,
    notice: Option<&'static str>,
    message: Option<String>,
    errors: FieldErrors,
    questions: Vec<QuestionLine>,
    new_effects: Vec<EffectOption>,
    consent: String,
    consent_version: Option<i32>,
    months: String,
    is_consultation: bool,
}

async fn page(
    state: &AppState,
    user: &StaffUser,
    id: i32,
    status: StatusCode,
    notice: Option<&'static str>,
    message: Option<String>,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let s: ClinicalSetup = state.db(move |c| svc::setup(c, id)).await?;
    let clinic = clinic_name(state).await?;
    let t = &s.treatment;
    render_status(
        status,
        &SetupPage {
            layout: StaffLayout::new(
                user,
                &clinic,
                format!("Screening and consent: {}", t.name),
                "/staff/treatments",
            ),
            id: t.id,
            name: t.name.clone(),
            slug: t.slug.clone(),
            notice,
            message,
            errors,
            questions: s
                .questions
                .iter()
                .map(|q| QuestionLine {
                    id: q.id,
                    version: q.version,
                    text: q.text.clone(),
                    effects: effect_options(&q.effect),
                })
                .collect(),
            new_effects: effect_options("review"),
            consent: s
                .consent
                .as_ref()
                .map(|c| c.body.clone())
                .unwrap_or_default(),
            consent_version: s.consent.as_ref().map(|c| c.version),
            months: s
                .consultation_months
                .map(|m| m.to_string())
                .unwrap_or_default(),
            is_consultation: s.is_consultation,
        },
    )
}

pub async fn show(
    user: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let id = path_id(&path, "treatment")?;
    let q = Fields::from_query(req.query_string()).unwrap_or_default();
    let notice = match q.get("saved") {
        "question" => Some("Saved as a new version; answers already given keep the old one."),
        "added" => Some("Question added: asked from now on."),
        "removed" => Some("Question removed: no longer asked; past answers keep it."),
        "consent" => Some("Consent text saved as a new version; past agreements keep theirs."),
        "months" => Some("Consultation requirement saved."),
        _ => None,
    };
    page(
        &state,
        &user,
        id,
        StatusCode::OK,
        notice,
        None,
        FieldErrors::new(),
    )
    .await
}

/// The page after an edit: back to it (303), or again with the reason.
async fn done(
    state: &AppState,
    user: &StaffUser,
    id: i32,
    result: Result<(), AppError>,
    saved: &str,
) -> Result<HttpResponse, AppError> {
    answer(
        result,
        |()| format!("/staff/treatments/{id}/clinical?saved={saved}"),
        |r| {
            let m = Some(format!("{} Nothing was changed.", r.message));
            page(state, user, id, r.status, None, m, r.errors)
        },
    )
    .await
}

/// `POST /staff/treatments/{id}/screening/{question}`: a new version of the question.
pub async fn edit_question(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    require_admin(&form.user)?;
    let id = path_id(&path.0, "treatment")?;
    let qid = path_id(&path.1, "question")?;
    let (text, effect) = (
        form.fields.get("text").to_string(),
        form.fields.get("effect").to_string(),
    );
    let (actor, now) = (form.user.actor(), state.clock.now());
    let result = state
        .db(move |c| svc::edit_question(c, now, id, qid, &text, &effect, &actor))
        .await;
    done(&state, &form.user, id, result, "question").await
}

/// `POST /staff/treatments/{id}/screening/{question}/remove`
pub async fn remove_question(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    require_admin(&form.user)?;
    let id = path_id(&path.0, "treatment")?;
    let qid = path_id(&path.1, "question")?;
    let (actor, now) = (form.user.actor(), state.clock.now());
    let result = state
        .db(move |c| svc::retire_question(c, now, id, qid, &actor))
        .await;
    done(&state, &form.user, id, result, "removed").await
}

/// `POST /staff/treatments/{id}/screening`: a new question.
pub async fn add_question(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require_admin(&form.user)?;
    let id = path_id(&path, "treatment")?;
    let (text, effect) = (
        form.fields.get("new_text").to_string(),
        form.fields.get("new_effect").to_string(),
    );
    let (actor, now) = (form.user.actor(), state.clock.now());
    let result = state
        .db(move |c| svc::add_question(c, now, id, &text, &effect, &actor))
        .await;
    done(&state, &form.user, id, result, "added").await
}

/// `POST /staff/treatments/{id}/consent`: a new version of the consent text.
pub async fn edit_consent(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require_admin(&form.user)?;
    let id = path_id(&path, "treatment")?;
    let body = form.fields.get("consent").to_string();
    let (actor, now) = (form.user.actor(), state.clock.now());
    let result = state
        .db(move |c| svc::edit_consent(c, now, id, &body, &actor))
        .await;
    done(&state, &form.user, id, result, "consent").await
}

/// `POST /staff/treatments/{id}/consultation`: the consultation requirement in months.
pub async fn set_months(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require_admin(&form.user)?;
    let id = path_id(&path, "treatment")?;
    let months = form.fields.get("months").to_string();
    let (actor, now) = (form.user.actor(), state.clock.now());
    let result = state
        .db(move |c| svc::set_consultation_months(c, now, id, &months, &actor))
        .await;
    done(&state, &form.user, id, result, "months").await
}
