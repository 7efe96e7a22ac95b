//! The appointment as an .ics download.

use actix_web::{HttpResponse, web};

use crate::error::AppError;
use crate::service::booking as svc;
use crate::service::calendar::{IcsMethod, appointment_ics};
use crate::web::AppState;

pub async fn ics(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let t = token.clone();
    let (clinic, d) = state.db(move |c| svc::lookup(c, &t)).await?;
    let body = appointment_ics(&clinic, &d, &state.manage_url(&token));
    let method = if body.contains("METHOD:CANCEL") {
        IcsMethod::Cancel
    } else {
        IcsMethod::Publish
    };
    Ok(HttpResponse::Ok()
        .content_type(format!(
            "text/calendar; charset=utf-8; method={}",
            method.as_str()
        ))
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"appointment.ics\"",
        ))
        .body(body))
}
