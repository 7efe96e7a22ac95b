//! `GET /api/v1/availability/month`: how many free slots each day of a month has, for a month
//! calendar; computed in one pass by the same rules as a single day.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::domain::booking::PractitionerChoice;
use crate::domain::errors::FieldErrors;
use crate::domain::time::parse_date;
use crate::error::{ApiError, AppError};
use crate::service::availability;
use crate::web::AppState;
use crate::web::forms::Fields;

#[derive(Serialize)]
struct Month<'a> {
    treatment: &'a str,
    month: String,
    timezone: &'a str,
    days: Vec<Day>,
    /// The first day after the month with a free slot (within a few weeks), if any.
    next_available: Option<String>,
}

#[derive(Serialize)]
struct Day {
    date: String,
    free_slots: usize,
}

/// `GET /api/v1/availability/month?treatment=SLUG&month=YYYY-MM[&practitioner=ID]`
pub async fn month(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let q = Fields::from_query(req.query_string())?;
    let mut errors = FieldErrors::new();
    let slug = q.get("treatment").trim().to_string();
    if slug.is_empty() {
        errors.add("treatment", "is required");
    }
    let month = if q.get("month").is_empty() {
        errors.add("month", "is required (YYYY-MM)");
        None
    } else {
        errors.take(
            "month",
            parse_date(&format!("{}-01", q.get("month").trim()))
                .map_err(|_| "not a month in the form YYYY-MM".to_string()),
        )
    };
    let choice = errors.take(
        "practitioner",
        PractitionerChoice::parse(q.get("practitioner")),
    );
    let (Some(month), Some(choice), true) = (month, choice, errors.is_empty()) else {
        return Err(AppError::Invalid(errors).into());
    };
    let s = slug.clone();
    let m = state
        .read(move |c| availability::month(c, now, &s, month, choice))
        .await?;
    let body = Month {
        treatment: &slug,
        month: month.format("%Y-%m").to_string(),
        timezone: m.clinic.tz.name(),
        days: m
            .days
            .iter()
            .map(|d| Day {
                date: d.date.format("%Y-%m-%d").to_string(),
                free_slots: d.free_slots,
            })
            .collect(),
        next_available: m.next_available.map(|d| d.format("%Y-%m-%d").to_string()),
    };
    Ok(HttpResponse::Ok().json(body))
}
