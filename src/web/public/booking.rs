//! Booking in three steps: pick a time (slots), give your details, see the confirmation.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};

use super::slots::{self, SlotQuery, SlotsTarget};
use crate::db::models::TreatmentRow;
use crate::domain::booking::{PatientInput, PractitionerChoice, parse_patient};
use crate::domain::errors::FieldErrors;
use crate::domain::time::{datetime_label, local_parts, parse_instant};
use crate::error::AppError;
use crate::service::audit::Actor;
use crate::service::booking::{self as svc, BookCommand};
use crate::service::clinic;
use crate::web::forms::Fields;
use crate::web::views::{Layout, SlotOption, TreatmentCard, slot_options};
use crate::web::{AppState, render_status, see_other};

fn booking_target(t: &TreatmentRow) -> SlotsTarget {
    SlotsTarget {
        heading: format!("Book: {}", t.name),
        date_action: format!("/book/{}", t.slug),
        pick_action: format!("/book/{}/details", t.slug),
        pick_method: "get",
        pick_label: "Continue to your details",
        back_link: format!("/treatments/{}", t.slug),
        back_label: "About this treatment",
    }
}

/// Step 2: a date, an optional practitioner, and that day's free times.
pub async fn pick_slot(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let slug = slug.into_inner();
    // The hottest page of the site: served from the page cache between writes.
    let key = format!("book/{slug}?{}", req.query_string());
    let minute = now.timestamp().div_euclid(60);
    if let Some(body) = state.page_cache.get(&key, minute) {
        return Ok(html(body));
    }
    let generation = state.page_cache.generation();
    let query = SlotQuery::read(&Fields::from_query(req.query_string()).unwrap_or_default());
    let (t, data) = state
        .db(move |c| {
            let t = clinic::treatment_by_slug(c, &slug)?;
            let data = slots::load(c, now, &t, query, None)?;
            Ok((t, data))
        })
        .await?;
    let body = web::Bytes::from(slots::page_body(&data, &t, booking_target(&t), None)?);
    state.page_cache.put(key, generation, minute, body.clone());
    Ok(html(body))
}

fn html(body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body)
}

#[derive(Template)]
#[template(path = "details.html")]
struct DetailsPage {
    layout: Layout,
    treatment: TreatmentCard,
    action: String,
    start_value: String,
    when: String,
    practitioner_value: String,
    practitioner_label: String,
    /// Offered instead of the chosen time when it was just taken.
    alternatives: Vec<SlotOption>,
    name: String,
    email: String,
    phone: String,
    note: String,
    consent: bool,
    errors: FieldErrors,
    message: Option<String>,
    back_link: String,
}

struct DetailsInput {
    start: DateTime<Utc>,
    choice: PractitionerChoice,
    fields: Fields,
    errors: FieldErrors,
    message: Option<String>,
    alternatives: bool,
}

async fn details_page(
    state: &AppState,
    slug: String,
    status: StatusCode,
    input: DetailsInput,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let (clinic, t, eligible, alternatives) = state
        .db(move |c| {
            let clinic = clinic::load(c)?;
            let t = clinic::treatment_by_slug(c, &slug)?;
            let eligible = clinic::eligible_practitioners(c, &t)?;
            let alternatives = if input.alternatives {
                let (date, _) = local_parts(clinic.tz, input.start);
                let q = SlotQuery {
                    date: Some(date),
                    choice: input.choice,
                    problem: None,
                };
                slots::load(c, now, &t, q, None)?.slots
            } else {
                Vec::new()
            };
            Ok((clinic, t, eligible, alternatives))
        })
        .await?;
    let f = &input.fields;
    let practitioner_label = match input.choice {
        PractitionerChoice::Any => "Any available practitioner".to_string(),
        PractitionerChoice::Specific(id) => eligible
            .iter()
            .find(|p| p.id == id)
            .map(|p| format!("{}, {}", p.name, p.title))
            .unwrap_or_else(|| "Unknown practitioner".into()),
    };
    let page = DetailsPage {
        layout: Layout::new(&clinic, format!("Your details: {}", t.name)),
        action: format!("/book/{}", t.slug),
        start_value: crate::domain::time::rfc3339_local(clinic.tz, input.start),
        when: datetime_label(clinic.tz, input.start),
        practitioner_value: input.choice.as_param(),
        practitioner_label,
        alternatives: slot_options(clinic.tz, &alternatives, input.choice, None),
        name: f.get("name").to_string(),
        email: f.get("email").to_string(),
        phone: f.get("phone").to_string(),
        note: f.get("note").to_string(),
        consent: f.checked("consent"),
        errors: input.errors,
        message: input.message,
        back_link: format!(
            "/book/{}?date={}&practitioner={}",
            t.slug,
            local_parts(clinic.tz, input.start).0.format("%Y-%m-%d"),
            input.choice.as_param()
        ),
        treatment: TreatmentCard::from(&t),
    };
    render_status(status, &page)
}

/// Re-shows the slot page when the chosen time can't be used at all.
async fn back_to_slots(
    state: &AppState,
    slug: String,
    choice: PractitionerChoice,
    date: Option<chrono::NaiveDate>,
    status: StatusCode,
    message: String,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let (t, data) = state
        .db(move |c| {
            let t = clinic::treatment_by_slug(c, &slug)?;
            let data = slots::load(
                c,
                now,
                &t,
                SlotQuery {
                    date,
                    choice,
                    problem: None,
                },
                None,
            )?;
            Ok((t, data))
        })
        .await?;
    slots::page(status, &data, &t, booking_target(&t), Some(message))
}

/// Step 3: the patient's details for the chosen time.
pub async fn details(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let q = Fields::from_query(req.query_string()).unwrap_or_default();
    let choice =
        PractitionerChoice::parse(q.get("practitioner")).unwrap_or(PractitionerChoice::Any);
    let Ok(start) = parse_instant(q.get("start")) else {
        return back_to_slots(
            &state,
            slug,
            choice,
            None,
            StatusCode::BAD_REQUEST,
            "Please choose one of the times below.".into(),
        )
        .await;
    };
    let now = state.clock.now();
    let s = slug.clone();
    let free = state
        .db(move |c| {
            let t = clinic::treatment_by_slug(c, &s)?;
            match svc::find_free(c, now, &t, start, choice) {
                Ok(_) => Ok(None),
                Err(AppError::SlotUnavailable(p)) => Ok(Some(p.message().to_string())),
                Err(AppError::Invalid(f)) => Ok(Some(
                    f.iter().next().map(|(_, m)| m.clone()).unwrap_or_default(),
                )),
                Err(e) => Err(e),
            }
        })
        .await?;
    if let Some(message) = free {
        let tz = state.db(|c| Ok(clinic::load(c)?.tz)).await?;
        let date = Some(local_parts(tz, start).0);
        return back_to_slots(&state, slug, choice, date, StatusCode::CONFLICT, message).await;
    }
    let input = DetailsInput {
        start,
        choice,
        fields: Fields::default(),
        errors: FieldErrors::new(),
        message: None,
        alternatives: false,
    };
    details_page(&state, slug, StatusCode::OK, input).await
}

/// The booking itself. Success goes to the confirmation page (303, so a reload can't rebook).
pub async fn submit(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let fields = Fields::parse(&body)?;
    let choice =
        PractitionerChoice::parse(fields.get("practitioner")).unwrap_or(PractitionerChoice::Any);
    let Ok(start) = parse_instant(fields.get("start")) else {
        return back_to_slots(
            &state,
            slug,
            choice,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Please choose one of the times below.".into(),
        )
        .await;
    };
    let mut errors = FieldErrors::new();
    let input = PatientInput {
        name: fields.get("name"),
        email: fields.get("email"),
        phone: fields.get("phone"),
        note: fields.get("note"),
        consent: fields.checked("consent"),
    };
    let Some(part) = parse_patient(&input, &mut errors) else {
        let message = Some("Please check the highlighted fields.".into());
        let input = DetailsInput {
            start,
            choice,
            fields,
            errors,
            message,
            alternatives: false,
        };
        return details_page(&state, slug, StatusCode::UNPROCESSABLE_ENTITY, input).await;
    };
    let cmd = BookCommand {
        actor: Actor::Patient {
            label: "patient via booking page".into(),
        },
        treatment_slug: slug.clone(),
        start,
        practitioner: choice,
        patient: part.patient,
        note: part.note,
    };
    let now = state.clock.now();
    match state.db(move |c| svc::book(c, now, &cmd)).await {
        Ok(row) => Ok(see_other(&format!(
            "/appointments/{}/confirmation",
            row.token
        ))),
        Err(AppError::SlotUnavailable(p)) => {
            let input = DetailsInput {
                start,
                choice,
                fields,
                errors,
                message: Some(format!("{} Your details are kept below.", p.message())),
                alternatives: true,
            };
            details_page(&state, slug, StatusCode::CONFLICT, input).await
        }
        Err(AppError::Invalid(f)) if f.get("treatment").is_some() => {
            Err(AppError::NotFound("treatment"))
        }
        Err(AppError::Invalid(f)) => {
            let input = DetailsInput {
                start,
                choice,
                fields,
                errors: f,
                message: Some("Please check the highlighted fields.".into()),
                alternatives: false,
            };
            details_page(&state, slug, StatusCode::UNPROCESSABLE_ENTITY, input).await
        }
        Err(e) => Err(e),
    }
}
