//! The patient's manage link: see, cancel, reschedule. GET only shows; only POSTs act.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::slots::{self, SlotQuery, SlotsTarget};
use crate::domain::booking::PractitionerChoice;
use crate::domain::errors::FieldErrors;
use crate::domain::time::parse_instant;
use crate::error::AppError;
use crate::service::audit::Actor;
use crate::service::availability::Day;
use crate::service::booking::{self as svc, AppointmentDetails};
use crate::service::clinic::Clinic;
use crate::web::forms::Fields;
use crate::web::outcome::answer;
use crate::web::views::{AppointmentSummary, Layout, appointment_summary};
use crate::web::{AppState, render, render_status};

#[derive(Template)]
#[template(path = "confirmation.html")]
struct ConfirmationPage {
    layout: Layout,
    a: AppointmentSummary,
    /// The health questions still to answer (a booking made without them).
    screening_url: Option<String>,
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
    state.db(move |c| svc::lookup(c, &token)).await
}

pub async fn confirmation(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let (clinic, d) = load(&state, token.clone()).await?;
    let id = d.appointment.id;
    let pending = state
        .db(move |c| crate::service::screening::is_pending(c, id))
        .await?;
    render(&ConfirmationPage {
        layout: Layout::new(&clinic, "Your appointment is booked"),
        a: appointment_summary(clinic.tz, clinic.currency, &d, state.manage_url(&token)),
        screening_url: pending.then(|| format!("/appointments/{token}/screening")),
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
        a: appointment_summary(clinic.tz, clinic.currency, d, state.manage_url(token)),
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
        // Said plainly: the new time is with someone else (issue 12).
        "rescheduled-other" => Some(format!(
            "Your appointment has been moved. Please note: it is now with {}, not with the \
             practitioner you had before.",
            d.practitioner.name
        )),
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
    let done = format!("/appointments/{token}?done=cancelled");
    answer(
        result,
        |_| done,
        |r| async move {
            let (clinic, d) = load(&state, token.clone()).await?;
            let mut page = manage_page(&state, &clinic, &d, &token, None, reason_text, r.errors);
            if r.status == StatusCode::CONFLICT && page.refusal.is_none() {
                page.refusal = Some("This appointment can no longer be changed online.".into());
            }
            render_status(r.status, &page)
        },
    )
    .await
}

fn reschedule_target(tz: chrono_tz::Tz, token: &str, d: &AppointmentDetails) -> SlotsTarget {
    SlotsTarget {
        // What it is now, so the patient sees what they are moving from.
        heading: format!(
            "Reschedule: {} (now: {} with {})",
            d.treatment.name,
            crate::domain::time::datetime_label(tz, d.starts_at()),
            d.practitioner.name
        ),
        date_action: format!("/appointments/{token}/reschedule"),
        pick_action: format!("/appointments/{token}/reschedule"),
        pick_method: "post",
        pick_label: "Move my appointment to this time",
        back_link: format!("/appointments/{token}"),
        back_label: "Keep my current time",
        waitlist_action: None,
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
    let s = state
        .db(move |c| slots::load(c, query, |c, q| svc::rescheduling(c, now, &t, q)))
        .await?;
    let (d, day) = &s.answer;
    if svc::self_service(d, day.policy).is_err() {
        // Too late to move it, or no longer booked: the manage page says why.
        let page = manage_page(
            state,
            &day.clinic,
            d,
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
        return render_status(status, &page);
    }
    slots::page(
        status,
        &s,
        day,
        reschedule_target(day.clinic.tz, &token, d),
        message,
    )
}

pub async fn reschedule_form(
    state: web::Data<AppState>,
    token: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let fields = Fields::from_query(req.query_string()).unwrap_or_default();
    let mut query = SlotQuery::read(&fields);
    let token = token.into_inner();
    // Unasked, the page keeps what the appointment has: its practitioner and its day (today
    // once that has passed), not "anyone" on the first free day (issue 12).
    if fields.get("practitioner").is_empty() || fields.get("date").is_empty() {
        let (clinic, d) = load(&state, token.clone()).await?;
        if fields.get("practitioner").is_empty() {
            query.choice = PractitionerChoice::Specific(d.practitioner.id);
        }
        if fields.get("date").is_empty() {
            let (day, _) = crate::domain::time::local_parts(clinic.tz, d.starts_at());
            let today = crate::domain::time::today(clinic.tz, state.clock.now());
            query.day = Day::On(day.max(today));
        }
    }
    reschedule_page(&state, token, query, StatusCode::OK, None).await
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
        return reschedule_page(
            &state,
            token,
            SlotQuery::plain(Day::Today, choice),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("Please choose one of the times below.".into()),
        )
        .await;
    };
    let now = state.clock.now();
    let t = token.clone();
    let before = load(&state, token.clone())
        .await
        .ok()
        .map(|(_, d)| d.practitioner.id);
    let result = state
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
        .await;
    let base = format!("/appointments/{token}");
    let done = move |moved_to: i32| {
        let other = before.is_some_and(|b| b != moved_to);
        format!(
            "{base}?done={}",
            if other {
                "rescheduled-other"
            } else {
                "rescheduled"
            }
        )
    };
    answer(
        result,
        |row| done(row.practitioner_id),
        |r| async move {
            // The same day again, with why that time could not be had.
            let q = SlotQuery::plain(Day::Of(start), choice);
            reschedule_page(&state, token, q, r.status, Some(r.message)).await
        },
    )
    .await
}
