//! GET /calendar/{token}.ics: a practitioner's appointments for calendar apps. No login (calendar
//! apps can't); the unguessable token is the credential, and an unknown or revoked one is a 404.

use actix_web::{HttpResponse, web};

use crate::error::AppError;
use crate::service::calendar_feed;
use crate::web::AppState;

pub async fn ics(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let (now, base) = (state.clock.now(), state.base_url.clone());
    let body = state
        .db(move |c| calendar_feed::calendar(c, now, &token, &base))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        // Patients' names inside: no shared caches, no search engines.
        .insert_header(("Cache-Control", "private, no-store"))
        .insert_header(("X-Robots-Tag", "noindex"))
        .body(body))
}
