//! `/api/v1/waitlist` (issue 11): join, claim an offer, leave; the same services as the pages.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::body::{self, Field, PractitionerParam};
use crate::domain::booking::PractitionerChoice;
use crate::domain::errors::FieldErrors;
use crate::domain::waitlist::JoinInput;
use crate::error::{ApiError, AppError};
use crate::service::waitlist as svc;
use crate::web::AppState;
use crate::web::consent_source::consent_given;

/// `POST /api/v1/waitlist`
#[derive(Debug, Deserialize)]
struct Join {
    #[serde(default)]
    treatment: Field<String>,
    #[serde(default)]
    from: Field<String>,
    #[serde(default)]
    to: Field<String>,
    #[serde(default)]
    practitioner: Field<PractitionerParam>,
    #[serde(default)]
    name: Field<String>,
    #[serde(default)]
    email: Field<String>,
}

/// `POST /api/v1/waitlist/claims/{token}`
#[derive(Debug, Deserialize)]
struct Claim {
    #[serde(default)]
    consent: Field<bool>,
}

pub async fn join(
    state: web::Data<AppState>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let b: Join = body::object(body.into_inner())?;
    let mut errors = FieldErrors::new();
    let treatment = b.treatment.required("treatment", &mut errors);
    let from = b.from.required("from", &mut errors).unwrap_or_default();
    let to = b.to.optional("to", &mut errors);
    let name = b.name.required("name", &mut errors).unwrap_or_default();
    let email = b.email.required("email", &mut errors).unwrap_or_default();
    let practitioner = match body::practitioner(b.practitioner, &mut errors) {
        Some(PractitionerChoice::Specific(id)) => id.to_string(),
        _ => String::new(),
    };
    let input = JoinInput {
        from,
        to,
        practitioner,
        name,
        email,
    };
    let slug = treatment.unwrap_or_default();
    let now = state.clock.now();
    let j = state
        .db(move |c| svc::join(c, now, &slug, &input, errors))
        .await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(json!({
        "status": j.entry.status,
        "treatment": j.treatment.slug,
        "from": j.entry.from_date,
        "to": j.entry.to_date,
        "practitioner": j.entry.practitioner_id,
        "name": j.entry.name,
        "email": j.entry.email,
        "extended": j.extended,
    })))
}

/// `GET /api/v1/waitlist/claims/{token}`: the offer (reads only).
pub async fn offer(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let token = token.into_inner();
    let now = state.clock.now();
    let v = state.db(move |c| svc::offer(c, now, &token)).await?;
    let (status, until) = match v.state {
        svc::OfferPage::Open(u) => ("open", Some(u.to_rfc3339())),
        svc::OfferPage::Taken => ("taken", None),
        svc::OfferPage::Claimed => ("claimed", None),
        svc::OfferPage::Expired => ("expired", None),
        svc::OfferPage::Left => ("left", None),
    };
    Ok(HttpResponse::Ok().json(json!({
        "status": status,
        "claim_until": until,
        "treatment": v.treatment.slug,
        "start": v.starts_at().to_rfc3339(),
        "practitioner": {"id": v.practitioner.id, "name": v.practitioner.name},
    })))
}

/// `POST /api/v1/waitlist/claims/{token}` with `{"consent": true}`: 201 with the booking, 409
/// `slot_taken`, 410 `offer_expired`.
pub async fn claim(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let token = token.into_inner();
    let b: Claim = body::optional_object(&body)?;
    if b.consent != Field::Given(true) {
        let mut f = FieldErrors::new();
        f.add(
            "consent",
            "must be true: the patient agrees to the treatment's consent",
        );
        return Err(AppError::Invalid(f).into());
    }
    let consent = consent_given(&req, None);
    let now = state.clock.now();
    let booked = state
        .db(move |c| svc::claim(c, now, &token, consent))
        .await?;
    let manage = booked.token.as_str().to_string();
    let url = state.manage_url(&manage);
    Ok(HttpResponse::build(StatusCode::CREATED).json(json!({
        "status": "booked",
        "token": manage,
        "manage_url": url,
        "start": crate::db::models::from_db(booked.appointment.starts_at).to_rfc3339(),
    })))
}

/// `POST` or `DELETE /api/v1/waitlist/leave/{token}`: off the list.
pub async fn leave(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let token = token.into_inner();
    let now = state.clock.now();
    let entry = state.db(move |c| svc::leave(c, now, &token)).await?;
    Ok(HttpResponse::Ok().json(json!({"status": entry.status})))
}
