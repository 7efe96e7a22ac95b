//! How a form's action answers, in one place for every page: done → 303 to the next page;
//! refused by a rule → the form again with 409 and why; bad input → the form again with 422 and
//! the messages beside their fields. Anything else is a real error page.

use std::future::Future;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use crate::domain::errors::FieldErrors;
use crate::error::AppError;

/// Why the form is shown again: a sentence for the top of the page, and per-field messages.
#[derive(Debug, Clone, Default)]
pub struct Refusal {
    pub status: StatusCode,
    pub message: String,
    pub errors: FieldErrors,
}

impl Refusal {
    /// The refusal a service error means to a person filling a form, or the error itself when it
    /// is not about what they asked for (not found, forbidden, the database down…).
    pub fn from_error(
        e: AppError,
        slot_message: fn(crate::domain::availability::SlotProblem) -> String,
    ) -> Result<Self, AppError> {
        match e {
            AppError::Invalid(errors) => {
                // Said at the top too: the field may be in a part of the page the reader has left.
                let message = errors
                    .iter()
                    .next()
                    .map(|(_, m)| m.clone())
                    .unwrap_or_default();
                Ok(Self {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    message,
                    errors,
                })
            }
            AppError::SlotUnavailable(p) => Ok(Self {
                status: StatusCode::CONFLICT,
                message: slot_message(p),
                errors: FieldErrors::new(),
            }),
            e @ (AppError::NotAllowed(_)
            | AppError::Refused(_)
            | AppError::CourseInterval(_)
            | AppError::Clinical(_)) => Ok(Self {
                status: StatusCode::CONFLICT,
                message: e.public_message(),
                errors: FieldErrors::new(),
            }),
            e => Err(e),
        }
    }
}

/// The answer to a form's action: `done` builds the 303 target from the service's result;
/// `reshow` renders the form again for a refusal.
pub async fn answer<T, Fut>(
    result: Result<T, AppError>,
    done: impl FnOnce(T) -> String,
    reshow: impl FnOnce(Refusal) -> Fut,
) -> Result<HttpResponse, AppError>
where
    Fut: Future<Output = Result<HttpResponse, AppError>>,
{
    answer_with(result, done, reshow, |p| p.message().to_string()).await
}

/// `answer`, with the page's own words for a slot that can't be had.
pub async fn answer_with<T, Fut>(
    result: Result<T, AppError>,
    done: impl FnOnce(T) -> String,
    reshow: impl FnOnce(Refusal) -> Fut,
    slot_message: fn(crate::domain::availability::SlotProblem) -> String,
) -> Result<HttpResponse, AppError>
where
    Fut: Future<Output = Result<HttpResponse, AppError>>,
{
    match result {
        Ok(v) => Ok(super::see_other(&done(v))),
        Err(e) => reshow(Refusal::from_error(e, slot_message)?).await,
    }
}
