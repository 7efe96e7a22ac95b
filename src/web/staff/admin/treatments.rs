//! /staff/treatments: the catalog editor.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::qualifications::{QualificationBox, held, qualification_boxes, ticked_qualifications};
use super::{require_admin, saved_notice};
use crate::db::models::TreatmentRow;
use crate::domain::catalog::TreatmentInput;
use crate::domain::errors::FieldErrors;
use crate::domain::money::amount_input;
use crate::domain::treatment::{duration_label, price_range_label};
use crate::error::AppError;
use crate::service::treatments as svc;
use crate::web::forms::Fields;
use crate::web::outcome::answer;
use crate::web::staff::auth::{StaffForm, StaffUser};
use crate::web::staff::layout::StaffLayout;
use crate::web::staff::path_id;
use crate::web::{AppState, render, render_status};

const SECTION: &str = "/staff/treatments";

pub struct TreatmentLine {
    pub id: i32,
    pub slug: String,
    pub name: String,
    pub duration: String,
    pub price: String,
    pub qualifications: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "staff/admin/treatments.html")]
struct ListPage {
    layout: StaffLayout,
    notice: Option<&'static str>,
    treatments: Vec<TreatmentLine>,
}

pub async fn list(
    user: StaffUser,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let rows = state.db(svc::all).await?;
    let clinic = state.db(crate::service::clinic::load).await?;
    render(&ListPage {
        layout: StaffLayout::new(&user, &clinic.row.name, "Treatments", SECTION),
        notice: saved_notice(req.query_string()),
        treatments: rows
            .iter()
            .map(|t| TreatmentLine {
                id: t.id,
                slug: t.slug.clone(),
                name: t.name.clone(),
                duration: format!(
                    "{} + {} min buffer",
                    duration_label(t.duration_minutes),
                    t.buffer_minutes
                ),
                price: price_range_label(clinic.currency, t.price_min_cents, t.price_max_cents),
                qualifications: t.qualifications.replace(',', ", "),
                active: t.active,
            })
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "staff/admin/treatment_form.html")]
struct FormPage {
    layout: StaffLayout,
    notice: Option<&'static str>,
    /// `None` while creating: the slug is typed then, and fixed afterwards.
    id: Option<i32>,
    action: String,
    input: TreatmentInput,
    boxes: Vec<QualificationBox>,
    errors: FieldErrors,
    /// "pounds (GBP)": what the price fields are in.
    currency: String,
}

fn input_of(t: &TreatmentRow) -> TreatmentInput {
    TreatmentInput {
        slug: t.slug.clone(),
        name: t.name.clone(),
        summary: t.summary.clone(),
        description: t.description.clone(),
        during_session: t.during_session.clone(),
        recovery: t.recovery.clone(),
        sessions_note: t.sessions_note.clone(),
        duration_minutes: t.duration_minutes.to_string(),
        buffer_minutes: t.buffer_minutes.to_string(),
        price_min: amount_input(t.price_min_cents),
        price_max: amount_input(t.price_max_cents),
        active: t.active,
        qualifications: held(&t.qualifications),
    }
}

fn input_from(f: &Fields) -> TreatmentInput {
    TreatmentInput {
        slug: f.get("slug").to_string(),
        name: f.get("name").to_string(),
        summary: f.get("summary").to_string(),
        description: f.get("description").to_string(),
        during_session: f.get("during_session").to_string(),
        recovery: f.get("recovery").to_string(),
        sessions_note: f.get("sessions_note").to_string(),
        duration_minutes: f.get("duration_minutes").to_string(),
        buffer_minutes: f.get("buffer_minutes").to_string(),
        price_min: f.get("price_min").to_string(),
        price_max: f.get("price_max").to_string(),
        active: f.checked("active"),
        qualifications: ticked_qualifications(f),
    }
}

async fn form_page(
    user: &StaffUser,
    state: &AppState,
    id: Option<i32>,
    input: TreatmentInput,
    errors: FieldErrors,
    notice: Option<&'static str>,
) -> Result<FormPage, AppError> {
    let title = match id {
        Some(_) => format!("Edit {}", input.name),
        None => "Add a treatment".to_string(),
    };
    let clinic = state.db(crate::service::clinic::load).await?;
    Ok(FormPage {
        layout: StaffLayout::new(user, &clinic.row.name, title, SECTION),
        currency: format!("{}, {}", clinic.currency.name, clinic.currency.code),
        notice,
        id,
        action: match id {
            Some(id) => format!("/staff/treatments/{id}"),
            None => "/staff/treatments".into(),
        },
        boxes: qualification_boxes(&input.qualifications),
        input,
        errors,
    })
}

pub async fn new_form(
    user: StaffUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let input = TreatmentInput {
        active: true,
        buffer_minutes: "15".into(),
        ..TreatmentInput::default()
    };
    render(&form_page(&user, &state, None, input, FieldErrors::new(), None).await?)
}

pub async fn edit_form(
    user: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let id = path_id(&path, "treatment")?;
    let t = state.db(move |c| svc::find(c, id)).await?;
    let notice = saved_notice(req.query_string());
    render(
        &form_page(
            &user,
            &state,
            Some(id),
            input_of(&t),
            FieldErrors::new(),
            notice,
        )
        .await?,
    )
}

pub async fn create(form: StaffForm, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    require_admin(&form.user)?;
    let input = input_from(&form.fields);
    let (now, actor, i) = (state.clock.now(), form.user.actor(), input.clone());
    let result = state.db(move |c| svc::create(c, now, &actor, &i)).await;
    answer(
        result,
        |row| format!("/staff/treatments/{}?saved=created", row.id),
        |r| async move {
            let page = form_page(&form.user, &state, None, input, r.errors, None).await?;
            render_status(r.status, &page)
        },
    )
    .await
}

pub async fn update(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require_admin(&form.user)?;
    let id = path_id(&path, "treatment")?;
    let mut input = input_from(&form.fields);
    let (now, actor, i) = (state.clock.now(), form.user.actor(), input.clone());
    let result = state.db(move |c| svc::update(c, now, &actor, id, &i)).await;
    answer(
        result,
        |_| format!("/staff/treatments/{id}?saved=treatment"),
        |r| async move {
            // The slug is fixed: show the stored one, whatever the form sent.
            input.slug = state.db(move |c| svc::find(c, id)).await?.slug;
            let page = form_page(&form.user, &state, Some(id), input, r.errors, None).await?;
            render_status(r.status, &page)
        },
    )
    .await
}
