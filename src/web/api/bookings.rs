//! `/api/v1/bookings`: book, show, cancel and reschedule by the same services and rules as the
//! pages. Bodies are read into derived request structs whose fields are lenient (`body::Field`),
//! so each mistake is named by its field.

use actix_web::http::StatusCode;
use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::body::{self, Field, PractitionerParam};
use super::json::Booking;
use crate::domain::booking::{PatientInput, parse_patient};
use crate::domain::errors::FieldErrors;
use crate::domain::time::parse_instant;
use crate::error::{ApiError, AppError};
use crate::service::audit::Actor;
use crate::service::booking::{self as svc, BookCommand};
use crate::service::clinical_checks::{ClinicalInput, ConsentGiven};
use crate::service::screening;
use crate::web::AppState;
use crate::web::consent_source::consent_given;

/// `POST /api/v1/bookings`
#[derive(Debug, Deserialize)]
struct NewBooking {
    #[serde(default)]
    treatment: Field<String>,
    #[serde(default)]
    start: Field<String>,
    #[serde(default)]
    practitioner: Field<PractitionerParam>,
    /// An object: read into `PatientBody` once known to be one.
    #[serde(default)]
    patient: Field<Map<String, Value>>,
    #[serde(default)]
    consent: Field<bool>,
    #[serde(default)]
    note: Field<String>,
    /// `{"<question id>": true | false, …}`: every current question, or leave it out to book
    /// with screening pending.
    #[serde(default)]
    screening: Field<Map<String, Value>>,
    /// The consent version the patient was shown (the current one when left out).
    #[serde(default)]
    consent_version: Field<i32>,
}

#[derive(Debug, Default, Deserialize)]
struct PatientBody {
    #[serde(default)]
    name: Field<String>,
    #[serde(default)]
    email: Field<String>,
    #[serde(default)]
    phone: Field<String>,
}

/// `POST /api/v1/bookings/{token}/cancel`, body optional.
#[derive(Debug, Deserialize)]
struct Cancellation {
    #[serde(default)]
    reason: Field<String>,
}

/// `POST /api/v1/bookings/{token}/reschedule`
#[derive(Debug, Deserialize)]
struct Move {
    #[serde(default)]
    start: Field<String>,
    #[serde(default)]
    practitioner: Field<PractitionerParam>,
}

fn patient_actor() -> Actor {
    Actor::Patient {
        label: "patient via the API".into(),
    }
}

/// The booking as it stands now, with `status`.
async fn show_token(
    state: &AppState,
    status: StatusCode,
    token: String,
) -> Result<HttpResponse, ApiError> {
    let t = token.clone();
    let (clinic, d, screening) = state
        .db(move |c| {
            let (clinic, d) = svc::lookup(c, &t)?;
            let s = screening::status_name(c, d.appointment.id)?;
            Ok((clinic, d, s))
        })
        .await?;
    // The token as presented: the database holds only its digest.
    let manage_url = state.manage_url(&token);
    Ok(HttpResponse::build(status)
        .json(Booking::new(clinic.tz, &d, manage_url).with_screening(screening)))
}

impl NewBooking {
    /// The booking asked for, or every mistake in the body named by its field.
    fn command(self) -> Result<BookCommand, FieldErrors> {
        let mut errors = FieldErrors::new();
        let treatment = self
            .treatment
            .required("treatment", &mut errors)
            .unwrap_or_default();
        let start = self
            .start
            .required("start", &mut errors)
            .and_then(|s| errors.take("start", parse_instant(&s)));
        let choice = body::practitioner(self.practitioner, &mut errors);
        let patient: PatientBody = match self.patient {
            Field::Given(p) => body::nested(p),
            Field::Missing => {
                errors.add("patient", "is required");
                PatientBody::default()
            }
            Field::WrongType => {
                errors.add("patient", "must be an object with name and email");
                PatientBody::default()
            }
        };
        let consent = match self.consent {
            Field::Given(b) => b,
            Field::Missing => false,
            Field::WrongType => {
                errors.add("consent", "must be true or false");
                true // the type error is already reported; don't report it twice
            }
        };
        let name = patient
            .name
            .required("patient.name", &mut errors)
            .unwrap_or_default();
        let email = patient
            .email
            .required("patient.email", &mut errors)
            .unwrap_or_default();
        let phone = patient.phone.optional("patient.phone", &mut errors);
        let note = self.note.optional("note", &mut errors);
        let answers = screening_answers(self.screening, &mut errors);
        let consent_version = match self.consent_version {
            Field::Given(v) => Some(v),
            Field::Missing => None,
            Field::WrongType => {
                errors.add("consent_version", "must be a version number");
                None
            }
        };
        let mut patient_errors = FieldErrors::new();
        let parsed = parse_patient(
            &PatientInput {
                name: &name,
                email: &email,
                phone: &phone,
                note: &note,
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
        match (start, choice, parsed) {
            (Some(start), Some(choice), Some(part)) if errors.is_empty() => Ok(BookCommand {
                actor: patient_actor(),
                treatment_slug: treatment,
                start,
                practitioner: choice,
                patient: part.patient,
                note: part.note,
                clinical: ClinicalInput {
                    answers,
                    consent: Some(ConsentGiven {
                        version: consent_version,
                        ..ConsentGiven::default()
                    }),
                },
                waitlist_offer: None,
            }),
            _ => Err(errors),
        }
    }
}

/// `screening` as sent: question ids (as the object's keys) to true/false.
fn screening_answers(
    field: Field<Map<String, Value>>,
    errors: &mut FieldErrors,
) -> Option<BTreeMap<i32, bool>> {
    let map = match field {
        Field::Missing => return None,
        Field::WrongType => {
            errors.add(
                "screening",
                "must be an object of question id → true or false",
            );
            return None;
        }
        Field::Given(m) => m,
    };
    let mut answers = BTreeMap::new();
    for (k, v) in map {
        let path = format!("screening.{k}");
        match (k.trim().parse::<i32>(), v) {
            (Ok(id), Value::Bool(b)) if id > 0 => {
                answers.insert(id, b);
            }
            (Ok(id), _) if id > 0 => errors.add(&path, "must be true or false"),
            _ => errors.add(&path, "is not a question id"),
        }
    }
    Some(answers)
}

/// `POST /api/v1/bookings`
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let b: NewBooking = body::object(body.into_inner())?;
    let mut cmd = b.command().map_err(AppError::Invalid)?;
    let version = cmd.clinical.consent.as_ref().and_then(|c| c.version);
    cmd.clinical.consent = Some(consent_given(&req, version));
    let now = state.clock.now();
    // The answer is built from what the booking's transaction knew: no second trip to read it
    // back by its token (issue 13).
    let b = state.db(move |c| svc::book_answered(c, now, &cmd)).await?;
    let manage_url = state.manage_url(b.token.as_str());
    Ok(HttpResponse::Created()
        .json(Booking::new(b.clinic.tz, &b.details, manage_url).with_screening(b.screening)))
}

/// `GET /api/v1/bookings/{token}`
pub async fn show(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    show_token(&state, StatusCode::OK, token.into_inner()).await
}

/// `POST /api/v1/bookings/{token}/cancel` with an optional `{"reason"}`.
pub async fn cancel(
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let token = token.into_inner();
    let b: Cancellation = body::optional_object(&body)?;
    let mut errors = FieldErrors::new();
    let reason = b.reason.optional("reason", &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors).into());
    }
    let now = state.clock.now();
    let t = token.clone();
    state
        .db(move |c| {
            let reason = svc::parse_reason(&reason)?;
            svc::cancel(c, now, &t, reason.as_deref(), &patient_actor())
        })
        .await?;
    show_token(&state, StatusCode::OK, token).await
}

/// `POST /api/v1/bookings/{token}/reschedule` with `{"start", "practitioner"?}`.
pub async fn reschedule(
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let token = token.into_inner();
    let b: Move = body::object(body.into_inner())?;
    let mut errors = FieldErrors::new();
    let start = b
        .start
        .required("start", &mut errors)
        .and_then(|s| errors.take("start", parse_instant(&s)));
    let choice = body::practitioner(b.practitioner, &mut errors);
    let (Some(start), Some(choice), true) = (start, choice, errors.is_empty()) else {
        return Err(AppError::Invalid(errors).into());
    };
    let now = state.clock.now();
    let t = token.clone();
    state
        .db(move |c| svc::reschedule(c, now, &t, start, choice, &patient_actor()))
        .await?;
    show_token(&state, StatusCode::OK, token).await
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn errors_of(v: Value) -> FieldErrors {
        let b: NewBooking = body::object(v).expect("an object");
        b.command().expect_err("refused")
    }

    #[test]
    fn each_wrongly_typed_field_is_named_with_its_own_message() {
        let ok = json!({
            "treatment": "microdermabrasion",
            "start": "2030-06-04T10:00:00+01:00",
            "practitioner": 2,
            "patient": {"name": "Ann Lee", "email": "ann@example.org"},
            "consent": true,
        });
        let b: NewBooking = body::object(ok.clone()).expect("an object");
        assert!(b.command().is_ok());
        let cases = [
            ("treatment", json!(5), "treatment", "must be a string"),
            ("start", json!([1]), "start", "must be a string"),
            (
                "practitioner",
                json!(true),
                "practitioner",
                "must be a practitioner id or \"any\"",
            ),
            (
                "practitioner",
                json!("x"),
                "practitioner",
                "Unknown practitioner.",
            ),
            (
                "practitioner",
                json!(2.5),
                "practitioner",
                "Unknown practitioner.",
            ),
            (
                "patient",
                json!(["Ann Lee", "ann@example.org"]),
                "patient",
                "must be an object with name and email",
            ),
            (
                "patient",
                json!({"name": 1, "email": "ann@example.org"}),
                "patient.name",
                "must be a string",
            ),
            (
                "patient",
                json!({"name": "Ann Lee", "email": "ann@example.org", "phone": 7}),
                "patient.phone",
                "must be a string",
            ),
            ("consent", json!("yes"), "consent", "must be true or false"),
            ("note", json!({}), "note", "must be a string"),
        ];
        for (key, value, field, message) in cases {
            let mut body = ok.clone();
            body[key] = value.clone();
            let e = errors_of(body);
            assert_eq!(e.get(field), Some(message), "{key}: {value} → {e:?}");
            // A patient that isn't an object has no name or email either (as before).
            let expected = if field == "patient" { 3 } else { 1 };
            assert_eq!(e.len(), expected, "{key}: {value} → {e:?}");
        }
        // Missing: the patient and, inside it, its required fields.
        let mut body = ok.clone();
        body.as_object_mut().unwrap().remove("patient");
        let e = errors_of(body);
        assert_eq!(e.get("patient"), Some("is required"));
        assert_eq!(e.get("patient.name"), Some("is required"));
        assert_eq!(e.get("patient.email"), Some("is required"));
        // Null reads as absent; "any" and a quoted id as a choice.
        for p in [json!(null), json!("any"), json!("2")] {
            let mut body = ok.clone();
            body["practitioner"] = p;
            let b: NewBooking = body::object(body).expect("an object");
            assert!(b.command().is_ok());
        }
        assert!(body::object::<NewBooking>(json!([1, 2])).is_err());
    }
}
