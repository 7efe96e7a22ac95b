//! The waitlist's pages (issue 11): joining (standalone, or from a full day on the booking
//! page), the claim page of an offer email (GET shows, only POST books) and leaving the list.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::domain::booking::PractitionerChoice;
use crate::domain::errors::FieldErrors;
use crate::domain::time::{datetime_label, today};
use crate::domain::treatment::price_range_label;
use crate::domain::waitlist::{JoinInput, MAX_RANGE_DAYS};
use crate::error::AppError;
use crate::service::catalog;
use crate::service::waitlist::{self as svc, OfferPage, OfferView};
use crate::web::consent_source::consent_given;
use crate::web::forms::Fields;
use crate::web::views::{Layout, PractitionerOption, TreatmentCard, practitioner_options};
use crate::web::{AppState, render, render_status, see_other};

#[derive(Template)]
#[template(path = "waitlist_join.html")]
struct JoinPage {
    layout: Layout,
    treatment: TreatmentCard,
    practitioners: Vec<PractitionerOption>,
    from: String,
    to: String,
    min_date: String,
    /// The last day the clinic takes bookings for (its horizon).
    max_date: String,
    max_days: i64,
    name: String,
    email: String,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "waitlist_joined.html")]
struct JoinedPage {
    layout: Layout,
    treatment: String,
    from: String,
    to: String,
    email: String,
    extended: bool,
}

async fn join_page(
    state: &AppState,
    slug: String,
    input: JoinInput,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let (clinic, offer) = state.db(move |c| catalog::offer(c, &slug)).await?;
    let today = today(clinic.tz, now);
    let first = today.format("%Y-%m-%d").to_string();
    let max_date = (today + chrono::Duration::days(i64::from(clinic.rules.horizon_days)))
        .format("%Y-%m-%d")
        .to_string();
    let choice = PractitionerChoice::parse(&input.practitioner).unwrap_or(PractitionerChoice::Any);
    let from = if input.from.is_empty() {
        first.clone()
    } else {
        input.from
    };
    render_status(
        status,
        &JoinPage {
            layout: Layout::new(&clinic, format!("Waitlist: {}", offer.treatment.name)),
            treatment: TreatmentCard::new(&offer.treatment, clinic.currency),
            practitioners: practitioner_options(&offer.practitioners, choice),
            to: if input.to.is_empty() {
                from.clone()
            } else {
                input.to
            },
            from,
            min_date: first,
            max_date,
            max_days: MAX_RANGE_DAYS,
            name: input.name,
            email: input.email,
            errors,
        },
    )
}

fn input_of(f: &Fields) -> JoinInput {
    JoinInput {
        from: f.get("from").trim().to_string(),
        to: f.get("to").trim().to_string(),
        practitioner: f.get("practitioner").to_string(),
        name: f.get("name").to_string(),
        email: f.get("email").to_string(),
    }
}

/// `GET /waitlist/{slug}`: the form, prefilled from the query (`from`/`date`, `to`, `practitioner`).
pub async fn form(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let q = Fields::from_query(req.query_string())?;
    let mut input = input_of(&q);
    if input.from.is_empty() {
        input.from = q.get("date").trim().to_string();
    }
    join_page(
        &state,
        slug.into_inner(),
        input,
        FieldErrors::new(),
        StatusCode::OK,
    )
    .await
}

/// `POST /waitlist/{slug}`: joins, or shows the form again with what to correct.
pub async fn join(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let input = input_of(&Fields::parse(&body)?);
    let now = state.clock.now();
    let (s, i) = (slug.clone(), input.clone());
    match state
        .db(move |c| svc::join(c, now, &s, &i, FieldErrors::new()))
        .await
    {
        Ok(j) => {
            let clinic = state.db(crate::service::clinic::load).await?;
            render_status(
                StatusCode::CREATED,
                &JoinedPage {
                    layout: Layout::new(&clinic, "You're on the waitlist"),
                    treatment: j.treatment.name,
                    from: j.entry.from_date,
                    to: j.entry.to_date,
                    email: j.entry.email,
                    extended: j.extended,
                },
            )
        }
        Err(AppError::Invalid(errors)) => {
            join_page(
                &state,
                slug,
                input,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "waitlist_claim.html")]
struct ClaimPage {
    layout: Layout,
    token: String,
    treatment: String,
    when: String,
    practitioner: String,
    price: String,
    /// "open", "taken", "claimed", "expired" or "left".
    state: &'static str,
    until: String,
    consent_error: Option<String>,
    consent_url: String,
}

fn claim_page(
    v: &OfferView,
    token: String,
    consent_error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let tz = v.clinic.tz;
    let (state, until, status) = match v.state {
        OfferPage::Open(u) => (
            "open",
            datetime_label(tz, u),
            if consent_error.is_some() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            },
        ),
        OfferPage::Taken => ("taken", String::new(), StatusCode::CONFLICT),
        OfferPage::Claimed => ("claimed", String::new(), StatusCode::OK),
        OfferPage::Expired => ("expired", String::new(), StatusCode::GONE),
        OfferPage::Left => ("left", String::new(), StatusCode::GONE),
    };
    render_status(
        status,
        &ClaimPage {
            layout: Layout::new(&v.clinic, "A time has come free"),
            token,
            treatment: v.treatment.name.clone(),
            when: datetime_label(tz, v.starts_at()),
            practitioner: v.practitioner.name.clone(),
            price: price_range_label(
                v.clinic.currency,
                v.treatment.price_min_cents,
                v.treatment.price_max_cents,
            ),
            state,
            until,
            consent_error,
            consent_url: format!("/treatments/{}/consent", v.treatment.slug),
        },
    )
}

/// `GET /waitlist/claim/{token}`: the offered time and, while it is open, the form. Changes
/// nothing (mail scanners open links).
pub async fn show_claim(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let now = state.clock.now();
    let t = token.clone();
    let v = state.db(move |c| svc::offer(c, now, &t)).await?;
    claim_page(&v, token, None)
}

/// `POST /waitlist/claim/{token}`: books the offered time, first come first served.
pub async fn claim(
    state: web::Data<AppState>,
    token: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let fields = Fields::parse(&body)?;
    let now = state.clock.now();
    if !fields.checked("consent") {
        let t = token.clone();
        let v = state.db(move |c| svc::offer(c, now, &t)).await?;
        return claim_page(
            &v,
            token,
            Some("Please confirm you have read the consent to book this time.".into()),
        );
    }
    let consent = consent_given(&req, None);
    let t = token.clone();
    match state.db(move |c| svc::claim(c, now, &t, consent)).await {
        Ok(booked) => Ok(see_other(&format!(
            "/appointments/{}/confirmation",
            booked.token.as_str()
        ))),
        // Taken, claimed or expired: the page says which, with the right status.
        Err(AppError::OfferTaken | AppError::OfferClaimed | AppError::OfferExpired) => {
            let t = token.clone();
            let v = state.db(move |c| svc::offer(c, now, &t)).await?;
            claim_page(&v, token, None)
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "waitlist_leave.html")]
struct LeavePage {
    layout: Layout,
    token: String,
    treatment: String,
    from: String,
    to: String,
    waiting: bool,
    just_now: bool,
}

/// `GET /waitlist/leave/{token}`: asks to confirm (changes nothing).
pub async fn show_leave(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let t = token.clone();
    let (clinic, entry, treatment) = state.db(move |c| svc::leaving(c, &t)).await?;
    render(&LeavePage {
        layout: Layout::new(&clinic, "Leave the waitlist"),
        token,
        treatment: treatment.name,
        from: entry.from_date,
        to: entry.to_date,
        waiting: entry.status == "waiting",
        just_now: false,
    })
}

/// `POST /waitlist/leave/{token}`: off the list, with its open offers.
pub async fn leave(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let now = state.clock.now();
    let t = token.clone();
    let (clinic, entry, treatment) = state
        .db(move |c| {
            svc::leave(c, now, &t)?;
            svc::leaving(c, &t)
        })
        .await?;
    render(&LeavePage {
        layout: Layout::new(&clinic, "Leave the waitlist"),
        token,
        treatment: treatment.name,
        from: entry.from_date,
        to: entry.to_date,
        waiting: false,
        just_now: true,
    })
}
