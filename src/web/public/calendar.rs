//! The appointment as an .ics download.

use actix_web::{HttpResponse, web};

use crate::error::AppError;
use crate::service::booking as svc;
use crate::service::calendar::{appointment_ics, host_of};
use crate::web::AppState;

pub async fn ics(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let t = token.clone();
    let (clinic, d) = state.db(move |c| svc::lookup(c, &t)).await?;
    let body = appointment_ics(
        &clinic,
        &d,
        &state.manage_url(&token),
        host_of(&state.base_url),
    );
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"appointment.ics\"",
        ))
        .body(body))
}
