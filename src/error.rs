//! One error type for the whole app, shown as a page to people and as JSON to integrations.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use serde_json::json;

use crate::domain::appointment::SelfServiceRefusal;
use crate::domain::availability::SlotProblem;
use crate::domain::errors::FieldErrors;
use crate::domain::screening::ClinicalRefusal;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found: {0}")]
    NotFound(&'static str),
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Logged in, but this role may not do that (or the form's CSRF token was wrong).
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("slot unavailable: {0:?}")]
    SlotUnavailable(SlotProblem),
    #[error("refused: {0:?}")]
    Refused(SelfServiceRefusal),
    /// Stopped for the patient's safety: a blocking screening answer, a missing consultation.
    #[error("clinical refusal: {0:?}")]
    Clinical(ClinicalRefusal),
    /// A status move the appointment state machine forbids (staff actions).
    #[error("not allowed: {0}")]
    NotAllowed(String),
    /// A course session booked too soon after (or before) another session of its course.
    #[error("course interval: {0}")]
    CourseInterval(String),
    /// The database stayed locked or the pool stayed empty too long: try again shortly.
    #[error("busy")]
    Busy,
    #[error("database error: {0}")]
    Db(#[from] diesel::result::Error),
    #[error("connection pool error: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("template error: {0}")]
    Template(#[from] askama::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::SlotUnavailable(_)
            | AppError::Refused(_)
            | AppError::NotAllowed(_)
            | AppError::CourseInterval(_)
            | AppError::Clinical(_) => StatusCode::CONFLICT,
            AppError::Busy | AppError::Pool(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Db(e) if is_locked(e) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Db(_) | AppError::Template(_) | AppError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// What a person is told. Internal details stay in the log.
    pub fn public_message(&self) -> String {
        match self {
            AppError::NotFound(what) => format!("We couldn't find that {what}."),
            AppError::Invalid(_) => "Some of the details need correcting.".into(),
            AppError::BadRequest(m) | AppError::Forbidden(m) => m.clone(),
            AppError::SlotUnavailable(p) => p.message().into(),
            AppError::Refused(r) => r.message().into(),
            AppError::NotAllowed(m) | AppError::CourseInterval(m) => m.clone(),
            AppError::Clinical(r) => r.message(),
            _ if self.status() == StatusCode::SERVICE_UNAVAILABLE => {
                "The clinic's system is busy right now. Please try again in a moment.".into()
            }
            _ => "Something went wrong on our side. Nothing was changed; please try again.".into(),
        }
    }

    fn log(&self) {
        if self.status().is_server_error() {
            log::error!("{self}");
        }
    }
}

fn is_locked(e: &diesel::result::Error) -> bool {
    matches!(e, diesel::result::Error::DatabaseError(_, info) if info.message().contains("database is locked"))
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    title: String,
    message: String,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        self.log();
        let status = self.status();
        let page = ErrorPage {
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            message: self.public_message(),
        };
        match page.render() {
            Ok(body) => HttpResponse::build(status)
                .content_type("text/html; charset=utf-8")
                .body(body),
            Err(_) => HttpResponse::build(status).body(self.public_message()),
        }
    }
}

/// The same errors as JSON for `/api/v1`: a stable `error` code, and `fields` for invalid input.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl ApiError {
    pub fn body(&self) -> serde_json::Value {
        let e = &self.0;
        let message = e.public_message();
        match e {
            AppError::NotFound(what) => {
                json!({"error": "not_found", "message": message, "what": what})
            }
            AppError::Invalid(fields) => {
                json!({"error": "invalid", "message": message, "fields": fields})
            }
            AppError::BadRequest(_) => json!({"error": "bad_request", "message": message}),
            AppError::Forbidden(_) => json!({"error": "forbidden", "message": message}),
            AppError::SlotUnavailable(p) => {
                json!({"error": "slot_unavailable", "reason": slot_reason(*p), "message": message})
            }
            AppError::Refused(r) => json!({"error": r.code(), "message": message}),
            AppError::NotAllowed(_) => json!({"error": "not_allowed", "message": message}),
            AppError::CourseInterval(_) => json!({"error": "course_interval", "message": message}),
            AppError::Clinical(r) => json!({"error": r.code(), "message": message}),
            _ if e.status() == StatusCode::SERVICE_UNAVAILABLE => {
                json!({"error": "busy", "message": message})
            }
            _ => json!({"error": "internal", "message": message}),
        }
    }
}

fn slot_reason(p: SlotProblem) -> &'static str {
    match p {
        SlotProblem::OffGrid => "off_grid",
        SlotProblem::InPast => "in_past",
        SlotProblem::TooSoon => "too_soon",
        SlotProblem::BeyondHorizon => "beyond_horizon",
        SlotProblem::OutsideHours => "outside_hours",
        SlotProblem::ResourceClosed => "resource_hours",
        SlotProblem::Taken => "taken",
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status()
    }

    fn error_response(&self) -> HttpResponse {
        self.0.log();
        HttpResponse::build(self.0.status()).json(self.body())
    }
}

/// A 400 for bodies and query strings the API could not read, naming what was wrong.
pub fn api_bad_request(message: String) -> actix_web::Error {
    ApiError(AppError::BadRequest(message)).into()
}
