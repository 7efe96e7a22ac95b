use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

use super::body::{opt_str, practitioner, req_str};
use crate::domain::booking::{PatientInput, PractitionerChoice, parse_patient};
use crate::domain::errors::FieldErrors;
use crate::domain::time::{parse_instant, rfc3339_local};
use crate::error::{ApiError, AppError};
use crate::service::audit::Actor;
use crate::service::booking::{self as svc, AppointmentDetails, BookCommand};
use crate::service::clinic;
use crate::web::AppState;

fn booking_json(state: &AppState, tz: chrono_tz::Tz, d: &AppointmentDetails) -> Value {
    json!({
        "id": d.appointment.id,
        "status": d.status.as_str(),
        "treatment": d.treatment.slug,
        "start": rfc3339_local(tz, d.starts_at()),
        "end": rfc3339_local(tz, d.ends_at()),
        "practitioner": {"id": d.practitioner.id, "name": d.practitioner.name},
        "patient": {"name": d.patient.name, "email": d.patient.email, "phone": d.patient.phone},
        "note": d.appointment.patient_note,
        "cancel_reason": d.appointment.cancel_reason,
        "manage_url": state.manage_url(&d.appointment.token),
    })
}

async fn respond(
    state: &AppState,
    status: actix_web::http::StatusCode,
    token: String,
) -> Result<HttpResponse, ApiError> {
    let (tz, d) = state
        .db(move |c| Ok((clinic::load(c)?.tz, svc::details(c, &token)?)))
        .await?;
    Ok(HttpResponse::build(status).json(booking_json(state, tz, &d)))
}

fn as_object(body: &Value) -> Result<&Value, ApiError> {
    if body.is_object() {
        Ok(body)
    } else {
        Err(AppError::BadRequest("The body must be a JSON object.".into()).into())
    }
}

/// `POST /api/v1/bookings`
pub async fn create(
    state: web::Data<AppState>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let body = as_object(&body)?;
    let mut errors = FieldErrors::new();
    let treatment = req_str(body, "treatment", "treatment", &mut errors)
        .unwrap_or("")
        .to_string();
    let start = req_str(body, "start", "start", &mut errors)
        .and_then(|s| errors.take("start", parse_instant(s)));
    let raw_choice = practitioner(body, &mut errors);
    let choice = errors.take("practitioner", PractitionerChoice::parse(&raw_choice));
    let empty = Value::Null;
    let patient = match body.get("patient") {
        Some(p @ Value::Object(_)) => p,
        None | Some(Value::Null) => {
            errors.add("patient", "is required");
            &empty
        }
        Some(_) => {
            errors.add("patient", "must be an object with name and email");
            &empty
        }
    };
    let consent = match body.get("consent") {
        Some(Value::Bool(b)) => *b,
        None | Some(Value::Null) => false,
        Some(_) => {
            errors.add("consent", "must be true or false");
            true // the type error is already reported; don't report it twice
        }
    };
    let name = req_str(patient, "name", "patient.name", &mut errors).unwrap_or("");
    let email = req_str(patient, "email", "patient.email", &mut errors).unwrap_or("");
    let phone = opt_str(patient, "phone", "patient.phone", &mut errors).unwrap_or("");
    let note = opt_str(body, "note", "note", &mut errors).unwrap_or("");
    let mut patient_errors = FieldErrors::new();
    let parsed = parse_patient(
        &PatientInput {
            name,
            email,
            phone,
            note,
            consent,
        },
        &mut patient_errors,
    );
    for (field, message) in patient_errors.iter() {
        let path = match field.as_str() {
            "name" | "email" | "phone" => format!("patient.{field}"),
            other => other.to_string(),
        };
        errors.add(&path, message.clone());
    }
    let (Some(start), Some(choice), Some(part), true) = (start, choice, parsed, errors.is_empty())
    else {
        return Err(AppError::Invalid(errors).into());
    };
    let cmd = BookCommand {
        actor: Actor::Patient {
            label: "patient via the API".into(),
        },
        treatment_slug: treatment,
        start,
        practitioner: choice,
        patient: part.patient,
        note: part.note,
    };
    let now = state.clock.now();
    let row = state.db(move |c| svc::book(c, now, &cmd)).await?;
    respond(&state, actix_web::http::StatusCode::CREATED, row.token).await
}

/// `GET /api/v1/bookings/{token}`
pub async fn show(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    respond(&state, actix_web::http::StatusCode::OK, token.into_inner()).await
}

/// Optional JSON body: empty means `{}`.
fn optional_body(bytes: &[u8]) -> Result<Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    let v: Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError(AppError::BadRequest(format!(
            "The body is not valid JSON: {e}"
        )))
    })?;
    as_object(&v)?;
    Ok(v)
}

/// `POST /api/v1/bookings/{token}/cancel` with an optional `{"reason"}`.
pub async fn cancel(
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let token = token.into_inner();
    let body = optional_body(&body)?;
    let mut errors = FieldErrors::new();
    let reason = opt_str(&body, "reason", "reason", &mut errors)
        .unwrap_or("")
        .to_string();
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors).into());
    }
    let now = state.clock.now();
    let t = token.clone();
    state
        .db(move |c| {
            let reason = svc::parse_reason(&reason)?;
            svc::cancel(
                c,
                now,
                &t,
                reason.as_deref(),
                &Actor::Patient {
                    label: "patient via the API".into(),
                },
            )
        })
        .await?;
    respond(&state, actix_web::http::StatusCode::OK, token).await
}

/// `POST /api/v1/bookings/{token}/reschedule` with `{"start", "practitioner"?}`.
pub async fn reschedule(
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let token = token.into_inner();
    let body = as_object(&body)?;
    let mut errors = FieldErrors::new();
    let start = req_str(body, "start", "start", &mut errors)
        .and_then(|s| errors.take("start", parse_instant(s)));
    let raw_choice = practitioner(body, &mut errors);
    let choice = errors.take("practitioner", PractitionerChoice::parse(&raw_choice));
    let (Some(start), Some(choice), true) = (start, choice, errors.is_empty()) else {
        return Err(AppError::Invalid(errors).into());
    };
    let now = state.clock.now();
    let t = token.clone();
    state
        .db(move |c| {
            svc::reschedule(
                c,
                now,
                &t,
                start,
                choice,
                &Actor::Patient {
                    label: "patient via the API".into(),
                },
            )
        })
        .await?;
    respond(&state, actix_web::http::StatusCode::OK, token).await
}
