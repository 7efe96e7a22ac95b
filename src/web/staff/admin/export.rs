//! /staff/export: appointments of a date range as a CSV file (admin and front desk).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{Datelike, Duration};

use crate::domain::errors::FieldErrors;
use crate::domain::export::parse_range;
use crate::domain::staff::Role;
use crate::domain::time::today;
use crate::error::AppError;
use crate::service::clinic;
use crate::service::export as svc;
use crate::web::forms::Fields;
use crate::web::staff::auth::StaffUser;
use crate::web::staff::layout::StaffLayout;
use crate::web::{AppState, render_status};

#[derive(Template)]
#[template(path = "staff/admin/export.html")]
struct ExportPage {
    layout: StaffLayout,
    from: String,
    to: String,
    timezone: String,
    errors: FieldErrors,
}

async fn page(
    user: &StaffUser,
    state: &AppState,
    from: Option<String>,
    to: Option<String>,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let c = state.db(clinic::load).await?;
    // By default, this month so far and the rest of it.
    let day = today(c.tz, state.clock.now());
    let first = day.with_day(1).unwrap_or(day);
    let last = (first + Duration::days(31)).with_day(1).unwrap_or(day) - Duration::days(1);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &ExportPage {
            layout: StaffLayout::new(user, &c.row.name, "Export appointments", "/staff/export"),
            from: from.unwrap_or_else(|| first.to_string()),
            to: to.unwrap_or_else(|| last.to_string()),
            timezone: c.row.timezone,
            errors,
        },
    )
}

pub async fn form(user: StaffUser, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    user.require(Role::manages_bookings)?;
    page(&user, &state, None, None, FieldErrors::new()).await
}

pub async fn csv(
    user: StaffUser,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    user.require(Role::manages_bookings)?;
    let q = Fields::from_query(req.query_string()).unwrap_or_default();
    let (from, to) = (q.get("from").to_string(), q.get("to").to_string());
    let range = match parse_range(&from, &to) {
        Ok(r) => r,
        Err(errors) => return page(&user, &state, Some(from), Some(to), errors).await,
    };
    let body = state.db(move |c| svc::csv(c, range)).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!(
                "attachment; filename=\"appointments-{}-to-{}.csv\"",
                range.from, range.to
            ),
        ))
        // Patients' details: not for shared caches.
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}
