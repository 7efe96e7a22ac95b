//! Schedule changes that could strand booked appointments (opening hours, a practitioner's
//! hours, time off, deactivating) answer alike: the list of those appointments, and the page
//! again until the change is confirmed.

use std::future::Future;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use crate::domain::errors::FieldErrors;
use crate::error::AppError;
use crate::service::schedule_conflicts::{ConflictView, Guarded};
use crate::web::outcome::answer;

#[derive(Template)]
#[template(path = "staff/admin/conflicts.html")]
pub struct ConflictsBlock {
    pub items: Vec<ConflictView>,
    pub saved: bool,
    pub seen: String,
}

/// The conflict list of a guarded change ("" when there is nothing to list).
pub fn conflicts_block<T>(g: &Guarded<T>) -> Result<String, AppError> {
    if g.conflicts.is_empty() {
        return Ok(String::new());
    }
    Ok(ConflictsBlock {
        items: g.conflicts.clone(),
        saved: g.saved.is_some(),
        seen: g.seen(),
    }
    .render()?)
}

/// Why a guarded change shows its page again.
pub struct Reshown {
    /// 200 (saved, with conflicts to list), 409 (waiting for a confirmation) or 422.
    pub status: StatusCode,
    pub saved: bool,
    /// The messages by their fields (422).
    pub errors: FieldErrors,
    /// The conflict list's HTML ("" when there is none).
    pub conflicts: String,
}

/// How a guarded change answers: saved with nothing stranded → 303 to `done`; saved with
/// conflicts → the page listing them (200); not saved → the page asking to confirm (409); bad
/// input → the page with the messages (422).
pub async fn answer_guarded<T, Fut>(
    result: Result<Guarded<T>, AppError>,
    done: String,
    reshow: impl FnOnce(Reshown) -> Fut,
) -> Result<HttpResponse, AppError>
where
    Fut: Future<Output = Result<HttpResponse, AppError>>,
{
    match result {
        Ok(g) if g.saved.is_none() || !g.conflicts.is_empty() => {
            let saved = g.saved.is_some();
            reshow(Reshown {
                status: if saved {
                    StatusCode::OK
                } else {
                    StatusCode::CONFLICT
                },
                saved,
                errors: FieldErrors::new(),
                conflicts: conflicts_block(&g)?,
            })
            .await
        }
        other => {
            answer(
                other,
                |_| done,
                |r| {
                    reshow(Reshown {
                        status: r.status,
                        saved: false,
                        errors: r.errors,
                        conflicts: String::new(),
                    })
                },
            )
            .await
        }
    }
}
