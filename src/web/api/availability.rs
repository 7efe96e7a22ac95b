//! `GET /api/v1/availability`: a day's free slots, by the same service (and the same refusals)
//! as the booking page.

use actix_web::{HttpRequest, HttpResponse, web};

use super::json::{Availability, Slot};
use crate::domain::booking::PractitionerChoice;
use crate::domain::errors::FieldErrors;
use crate::domain::time::parse_date;
use crate::error::{ApiError, AppError};
use crate::service::availability::{self, Day, DayQuery};
use crate::web::AppState;
use crate::web::forms::Fields;

/// `GET /api/v1/availability?treatment=SLUG&date=YYYY-MM-DD[&practitioner=ID]`
pub async fn day(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let cache = &state.page_cache;
    let key = cache
        .enabled()
        .then(|| format!("availability?{}", req.query_string()));
    let minute = now.timestamp().div_euclid(60);
    if let Some(body) = key.as_deref().and_then(|k| cache.get(k, minute)) {
        return Ok(json_body(body));
    }
    let generation = state.page_cache.generation();
    let q = Fields::from_query(req.query_string())?;
    let mut errors = FieldErrors::new();
    let slug = q.get("treatment").trim().to_string();
    if slug.is_empty() {
        errors.add("treatment", "is required");
    }
    let date = if q.get("date").is_empty() {
        errors.add("date", "is required (YYYY-MM-DD)");
        None
    } else {
        errors.take("date", parse_date(q.get("date")))
    };
    let choice = errors.take(
        "practitioner",
        PractitionerChoice::parse(q.get("practitioner")),
    );
    let (Some(date), Some(choice), true) = (date, choice, errors.is_empty()) else {
        return Err(AppError::Invalid(errors).into());
    };
    // Exactly the day asked: no moving into the booking window, no looking ahead.
    let ask = DayQuery {
        day: Day::On(date),
        choice,
        browse: false,
    };
    let s = slug.clone();
    let day = state
        .read(move |c| availability::requested_day(c, now, &s, ask))
        .await?;
    let tz = day.clinic.tz;
    let body = Availability {
        treatment: &slug,
        date: date.format("%Y-%m-%d").to_string(),
        timezone: tz.name(),
        slots: day.slots.iter().map(|s| Slot::new(tz, s)).collect(),
    };
    let body =
        web::Bytes::from(serde_json::to_vec(&body).map_err(|e| AppError::Internal(e.to_string()))?);
    if let Some(key) = key {
        cache.put(key, generation, minute, body.clone());
    }
    Ok(json_body(body))
}

fn json_body(body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(body)
}
