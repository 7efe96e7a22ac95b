//! The patient's manage link: see, cancel, reschedule. GET only shows; only POSTs act.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::slots::{self, SlotQuery, SlotsTarget};
use crate::domain::booking::PractitionerChoice;
use crate::domain::errors::FieldErrors;
use crate::domain::time::{local_parts, parse_instant};
use crate::error::AppError;
use crate::service::audit::Actor;
use crate::service::booking::{self as svc, AppointmentDetails};
use crate::service::clinic::{self, Clinic};
use crate::web::forms::Fields;
use crate::web::views::{AppointmentSummary, Layout, appointment_summary};
use crate::web::{AppState, render, render_status, see_other};

#[derive(Template)]
#[template(path = "confirmation.html")]
struct ConfirmationPage {
    layout: Layout,
    a: AppointmentSummary,
}

#[derive(Template)]
#[template(path = "manage.html")]
struct ManagePage {
    layout: Layout,
    a: AppointmentSummary,
    token: String,
    can_change: bool,
    refusal: Option<String>,
    flash: Option<String>,
    reason: String,
    errors: FieldErrors,
}

async fn load(state: &AppState, token: String) -> Result<(Clinic, AppointmentDetails), AppError> {
    state
        .db(move |c| Ok((clinic::load(c)?, svc::details(c, &token)?)))
        .await
}

pub async fn confirmation(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let (clinic, d) = load(&state, token.clone()).await?;
    render(&ConfirmationPage {
        layout: Layout::new(&clinic, "Your appointment is booked"),
        a: appointment_summary(clinic.tz, &d, state.manage_url(&token)),
    })
}

fn manage_page(
    state: &AppState,
    clinic: &Clinic,
    d: &AppointmentDetails,
    token: &str,
    flash: Option<String>,
    reason: String,
    errors: FieldErrors,
) -> ManagePage {
    let check = svc::self_service(d, clinic.policy(state.clock.now()));
    ManagePage {
        layout: Layout::new(clinic, "Your appointment"),
        a: appointment_summary(clinic.tz, d, state.manage_url(token)),
        token: token.to_string(),
        can_change: check.is_ok(),
        refusal: check.err().map(|r| r.message().to_string()),
        flash,
        reason,
        errors,
    }
}

pub async fn show(
    state: web::Data<AppState>,
    token: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let (clinic, d) = load(&state, token.clone()).await?;
    let q = Fields::from_query(req.query_string()).unwrap_or_default();
    let flash = match q.get("done") {
        "cancelled" => Some("Your appointment has been cancelled.".to_string()),
        "rescheduled" => Some("Your appointment has been moved.".to_string()),
        _ => None,
    };
    render(&manage_page(
        &state,
        &clinic,
        &d,
        &token,
        flash,
        String::new(),
        FieldErrors::new(),
    ))
}

pub async fn cancel(
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let fields = Fields::parse(&body)?;
    let reason_text = fields.get("reason").to_string();
    let now = state.clock.now();
    let t = token.clone();
    let r = reason_text.clone();
    let result = state
        .db(move |c| {
            let reason = svc::parse_reason(&r)?;
            svc::cancel(
                c,
                now,
                &t,
                reason.as_deref(),
                &Actor::Patient {
                    label: "patient via manage link".into(),
                },
            )
        })
        .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/appointments/{token}?done=cancelled"))),
        Err(e @ (AppError::Refused(_) | AppError::Invalid(_))) => {
            let (clinic, d) = load(&state, token.clone()).await?;
            let (status, errors) = match e {
                AppError::Invalid(f) => (StatusCode::UNPROCESSABLE_ENTITY, f),
                other => (other.status(), FieldErrors::new()),
            };
            let mut page = manage_page(&state, &clinic, &d, &token, None, reason_text, errors);
            if status == StatusCode::CONFLICT && page.refusal.is_none() {
                page.refusal = Some("This appointment can no longer be changed online.".into());
            }
            render_status(status, &page)
        }
        Err(e) => Err(e),
    }
}

fn reschedule_target(token: &str, d: &AppointmentDetails) -> SlotsTarget {
    SlotsTarget {
        heading: format!("Reschedule: {}", d.treatment.name),
        date_action: format!("/appointments/{token}/reschedule"),
        pick_action: format!("/appointments/{token}/reschedule"),
        pick_method: "post",
        pick_label: "Move my appointment to this time",
        back_link: format!("/appointments/{token}"),
        back_label: "Keep my current time",
    }
}

async fn reschedule_page(
    state: &AppState,
    token: String,
    query: SlotQuery,
    status: StatusCode,
    message: Option<String>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let t = token.clone();
    let (d, treatment, data) = state
        .db(move |c| {
            let d = svc::details(c, &t)?;
            let treatment = crate::db::treatments::treatment(c, d.appointment.treatment_id)?;
            let data = slots::load(c, now, &treatment, query, Some(d.appointment.id))?;
            Ok((d, treatment, data))
        })
        .await?;
    if let Err(refusal) = svc::self_service(&d, data.policy) {
        let page = manage_page(
            state,
            &data.clinic,
            &d,
            &token,
            None,
            String::new(),
            FieldErrors::new(),
        );
        let status = if status.is_success() {
            StatusCode::OK
        } else {
            StatusCode::CONFLICT
        };
        let _ = refusal;
        return render_status(status, &page);
    }
    slots::page(
        status,
        &data,
        &treatment,
        reschedule_target(&token, &d),
        message,
    )
}

pub async fn reschedule_form(
    state: web::Data<AppState>,
    token: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let query = SlotQuery::read(&Fields::from_query(req.query_string()).unwrap_or_default());
    reschedule_page(&state, token.into_inner(), query, StatusCode::OK, None).await
}

pub async fn reschedule(
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let fields = Fields::parse(&body)?;
    let choice =
        PractitionerChoice::parse(fields.get("practitioner")).unwrap_or(PractitionerChoice::Any);
    let Ok(start) = parse_instant(fields.get("start")) else {
        let q = SlotQuery {
            date: None,
            choice,
            problem: None,
        };
        return reschedule_page(
            &state,
            token,
            q,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("Please choose one of the times below.".into()),
        )
        .await;
    };
    let now = state.clock.now();
    let t = token.clone();
    match state
        .db(move |c| {
            svc::reschedule(
                c,
                now,
                &t,
                start,
                choice,
                &Actor::Patient {
                    label: "patient via manage link".into(),
                },
            )
        })
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/appointments/{token}?done=rescheduled"
        ))),
        Err(e @ (AppError::SlotUnavailable(_) | AppError::Invalid(_) | AppError::Refused(_))) => {
            let message = match &e {
                AppError::Invalid(f) => f.iter().next().map(|(_, m)| m.clone()),
                other => Some(other.public_message()),
            };
            let tz = state.db(|c| Ok(clinic::load(c)?.tz)).await?;
            let q = SlotQuery {
                date: Some(local_parts(tz, start).0),
                choice,
                problem: None,
            };
            reschedule_page(&state, token, q, e.status(), message).await
        }
        Err(e) => Err(e),
    }
}
