//! /staff/care-plans: each treatment's emails, and a step's editor with a preview. The rules of
//! a step and its saving live in `domain::care_plan` and `service::care_plans`.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::db::models::CarePlanStepRow;
use crate::domain::care_plan::{Anchor, StepForm, StepKind, offset_in_units, offset_label};
use crate::domain::errors::FieldErrors;
use crate::domain::message_words::PLACEHOLDERS;
use crate::error::AppError;
use crate::service::care_plans;
use crate::web::forms::Fields;
use crate::web::outcome::answer;
use crate::web::staff::auth::{StaffForm, StaffUser};
use crate::web::staff::layout::StaffLayout;
use crate::web::{AppState, render, render_status};

pub struct StepLine {
    pub id: i32,
    pub kind: &'static str,
    pub when: String,
    pub subject: String,
    pub active: bool,
}

pub struct PlanView {
    pub treatment: String,
    pub steps: Vec<StepLine>,
}

#[derive(Template)]
#[template(path = "staff/reminders/care_plans.html")]
struct ListPage {
    layout: StaffLayout,
    plans: Vec<PlanView>,
}

fn line(s: &CarePlanStepRow) -> StepLine {
    let kind = StepKind::parse(&s.kind).map(|k| k.label()).unwrap_or("?");
    let when = Anchor::parse(&s.anchor)
        .map(|a| offset_label(s.offset_minutes, a))
        .unwrap_or_default();
    StepLine {
        id: s.id,
        kind,
        when,
        subject: s.subject.clone(),
        active: s.active,
    }
}

pub async fn list(user: StaffUser, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    user.require(|r| r.manages_clinic())?;
    let (clinic, plans) = state.db(care_plans::plans).await?;
    render(&ListPage {
        layout: StaffLayout::new(&user, &clinic.row.name, "Care plans", "/staff/care-plans"),
        plans: plans
            .into_iter()
            .map(|p| PlanView {
                treatment: p.treatment,
                steps: p.steps.iter().map(line).collect(),
            })
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "staff/reminders/step.html")]
struct StepPage {
    layout: StaffLayout,
    id: i32,
    treatment: String,
    kind: &'static str,
    anchor: &'static str,
    offset_value: String,
    offset_unit: &'static str,
    subject: String,
    body: String,
    late_body: String,
    /// Only steps before the session have a short variant for late bookings.
    has_late: bool,
    active: bool,
    errors: FieldErrors,
    saved: bool,
    /// The preview shows wording not saved yet.
    unsaved: bool,
    preview_subject: String,
    preview_text: String,
    preview_html: String,
    late_preview_text: Option<String>,
    late_preview_html: Option<String>,
    placeholders: &'static [(&'static str, &'static str)],
}

/// The step's editor, holding `edited` (the form just posted) when there is one.
async fn page(
    user: &StaffUser,
    state: &AppState,
    id: i32,
    edited: Option<StepForm>,
    errors: FieldErrors,
    saved: bool,
) -> Result<StepPage, AppError> {
    let base_url = state.base_url.clone();
    let (e, now) = (edited.clone(), state.clock.now());
    let unsaved = edited.is_some();
    let data = state
        .db(move |c| care_plans::step(c, now, id, e.as_ref(), &base_url))
        .await?;
    let step = &data.step;
    let form = edited.unwrap_or_else(|| {
        let (offset, unit) = offset_in_units(step.offset_minutes);
        StepForm {
            subject: step.subject.clone(),
            body: step.body.clone(),
            offset,
            offset_unit: unit.to_string(),
            active: step.active,
            late_body: step.late_body.clone(),
        }
    });
    let has_late = Anchor::parse(&step.anchor) == Some(Anchor::Start);
    Ok(StepPage {
        layout: StaffLayout::new(
            user,
            &data.clinic.row.name,
            "Edit care plan step",
            "/staff/care-plans",
        ),
        id,
        kind: StepKind::parse(&step.kind)
            .map(|k| k.label())
            .unwrap_or("?"),
        anchor: Anchor::parse(&step.anchor)
            .map(|a| a.label())
            .unwrap_or("?"),
        offset_value: form.offset,
        offset_unit: match form.offset_unit.as_str() {
            "days" => "days",
            "hours" => "hours",
            _ => "minutes",
        },
        subject: form.subject,
        body: form.body,
        late_body: form.late_body,
        has_late,
        active: form.active,
        errors,
        saved,
        unsaved,
        preview_subject: data.preview.subject,
        preview_text: data.preview.text,
        preview_html: data.preview.html,
        late_preview_text: data.late_preview.as_ref().map(|p| p.text.clone()),
        late_preview_html: data.late_preview.map(|p| p.html),
        placeholders: PLACEHOLDERS,
        treatment: data.treatment,
    })
}

pub async fn edit(
    user: StaffUser,
    state: web::Data<AppState>,
    id: web::Path<i32>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    user.require(|r| r.manages_clinic())?;
    let saved = req.query_string().contains("saved=1");
    render(
        &page(
            &user,
            &state,
            id.into_inner(),
            None,
            FieldErrors::new(),
            saved,
        )
        .await?,
    )
}

/// The step form as typed (subject and body without surrounding space, as they are saved).
fn typed(f: &Fields) -> StepForm {
    StepForm {
        subject: f.get("subject").trim().to_string(),
        body: f.get("body").trim().to_string(),
        offset: f.get("offset").to_string(),
        offset_unit: f.get("offset_unit").to_string(),
        active: f.checked("active"),
        late_body: f.get("late_body").trim().to_string(),
    }
}

pub async fn save(
    form: StaffForm,
    state: web::Data<AppState>,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let user = form.user;
    user.require(|r| r.manages_clinic())?;
    let id = id.into_inner();
    let typed = typed(&form.fields);
    // "Preview" shows the typed wording (and what is wrong with it) without saving anything.
    if form.fields.get("action") == "preview" {
        let errors = typed.parse().err().unwrap_or_default();
        return render(&page(&user, &state, id, Some(typed), errors, false).await?);
    }
    let (now, actor, t) = (state.clock.now(), user.actor(), typed.clone());
    let result = state
        .db(move |c| care_plans::update_step(c, now, &actor, id, &t))
        .await;
    answer(
        result,
        |()| format!("/staff/care-plans/steps/{id}?saved=1"),
        |r| async move {
            let p = page(&user, &state, id, Some(typed), r.errors, false).await?;
            render_status(r.status, &p)
        },
    )
    .await
}
