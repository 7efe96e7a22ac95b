use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde_json::json;

use crate::db::care_plans;
use crate::db::models::{CarePlanStepRow, to_db};
use crate::domain::care_plan::{Anchor, StepKind, offset_label};
use crate::domain::errors::FieldErrors;
use crate::error::AppError;
use crate::service::audit::{self, Entry};
use crate::service::care_plans::preview;
use crate::service::clinic;
use crate::web::staff::auth::{StaffForm, StaffUser};
use crate::web::staff::layout::StaffLayout;
use crate::web::{AppState, render, render_status, see_other};

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
    let (clinic, plans) = state
        .db(|c| {
            let mut plans = Vec::new();
            for t in crate::db::treatments::active_treatments(c)? {
                let steps = care_plans::steps_of(c, t.id)?;
                plans.push(PlanView {
                    treatment: t.name,
                    steps: steps.iter().map(line).collect(),
                });
            }
            Ok((clinic::load(c)?, plans))
        })
        .await?;
    render(&ListPage {
        layout: StaffLayout::new(&user, &clinic.row.name, "Care plans", "/staff/care-plans"),
        plans,
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
    active: bool,
    errors: FieldErrors,
    saved: bool,
    preview_subject: String,
    preview_text: String,
    preview_html: String,
    placeholders: &'static str,
}

const PLACEHOLDERS: &str = "{patient_name} {treatment} {treatment_name} {when} {practitioner} {price} {clinic_name} {clinic_phone} {clinic_address} {manage_url} {book_url}";

/// Shows offsets in the largest whole unit ("-5 days" rather than "-7200 minutes").
fn offset_parts(minutes: i32) -> (String, &'static str) {
    if minutes % (24 * 60) == 0 {
        ((minutes / (24 * 60)).to_string(), "days")
    } else if minutes % 60 == 0 {
        ((minutes / 60).to_string(), "hours")
    } else {
        (minutes.to_string(), "minutes")
    }
}

async fn page(
    user: &StaffUser,
    state: &AppState,
    id: i32,
    edited: Option<(String, String, String, String, bool)>,
    errors: FieldErrors,
    saved: bool,
) -> Result<StepPage, AppError> {
    let base_url = state.base_url.clone();
    let (clinic, step, treatment) = state
        .db(move |c| {
            let step = care_plans::step(c, id)?.ok_or(AppError::NotFound("care plan step"))?;
            let treatment = crate::db::treatments::treatment(c, step.treatment_id)?.name;
            Ok((clinic::load(c)?, step, treatment))
        })
        .await?;
    let (offset_value, offset_unit) = offset_parts(step.offset_minutes);
    let (offset_value, unit, subject, body, active) = match edited {
        Some((v, u, s, b, a)) => (v, u, s, b, a),
        None => (
            offset_value,
            offset_unit.to_string(),
            step.subject.clone(),
            step.body.clone(),
            step.active,
        ),
    };
    let shown = CarePlanStepRow {
        subject: subject.clone(),
        body: body.clone(),
        ..step.clone()
    };
    let p = preview(&clinic, &shown, &treatment, &base_url).map_err(AppError::Internal)?;
    Ok(StepPage {
        layout: StaffLayout::new(
            user,
            &clinic.row.name,
            "Edit care plan step",
            "/staff/care-plans",
        ),
        id,
        treatment,
        kind: StepKind::parse(&step.kind)
            .map(|k| k.label())
            .unwrap_or("?"),
        anchor: Anchor::parse(&step.anchor)
            .map(|a| a.label())
            .unwrap_or("?"),
        offset_value,
        offset_unit: match unit.as_str() {
            "days" => "days",
            "hours" => "hours",
            _ => "minutes",
        },
        subject,
        body,
        active,
        errors,
        saved,
        preview_subject: p.subject,
        preview_text: p.text,
        preview_html: p.html,
        placeholders: PLACEHOLDERS,
    })
}

pub async fn edit(
    user: StaffUser,
    state: web::Data<AppState>,
    id: web::Path<i32>,
    req: actix_web::HttpRequest,
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

pub async fn save(
    form: StaffForm,
    state: web::Data<AppState>,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let user = form.user;
    user.require(|r| r.manages_clinic())?;
    let id = id.into_inner();
    let f = &form.fields;
    let mut errors = FieldErrors::new();
    let subject = f.get("subject").trim().to_string();
    let body = f.get("body").trim().to_string();
    if subject.is_empty() || subject.chars().count() > 200 {
        errors.add("subject", "A subject of 1 to 200 characters, please.");
    }
    if body.is_empty() || body.chars().count() > 10_000 {
        errors.add(
            "body",
            "The message needs some text (at most 10,000 characters).",
        );
    }
    let unit = f.get("offset_unit").to_string();
    let factor = match unit.as_str() {
        "days" => 24 * 60,
        "hours" => 60,
        "minutes" => 1,
        _ => {
            errors.add("offset", "Choose days, hours or minutes.");
            1
        }
    };
    let offset = match f.get("offset").trim().parse::<i32>() {
        Ok(v) if v.unsigned_abs() <= 366 * 24 * 60 / factor as u32 => Some(v * factor),
        _ => {
            errors.add(
                "offset",
                "A whole number within a year, negative for before.",
            );
            None
        }
    };
    let active = f.checked("active");
    let (Some(offset), true) = (offset, errors.is_empty()) else {
        let edited = Some((f.get("offset").to_string(), unit, subject, body, active));
        let p = page(&user, &state, id, edited, errors, false).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &p);
    };
    let now = state.clock.now();
    let actor = user.actor();
    state
        .db(move |c| {
            use diesel::Connection;
            c.transaction(|c| {
                let before = care_plans::step(c, id)?.ok_or(AppError::NotFound("care plan step"))?;
                care_plans::update_step(c, id, &subject, &body, offset, active, to_db(now))?;
                audit::record(
                    c,
                    now,
                    &actor,
                    Entry {
                        action: "care_plan.update",
                        subject_kind: "care_plan_step",
                        subject_id: Some(id),
                        before: Some(json!({"subject": before.subject, "body": before.body, "offset_minutes": before.offset_minutes, "active": before.active})),
                        after: Some(json!({"subject": subject, "body": body, "offset_minutes": offset, "active": active})),
                        note: None,
                    },
                )?;
                Ok(())
            })
        })
        .await?;
    Ok(see_other(&format!("/staff/care-plans/steps/{id}?saved=1")))
}
