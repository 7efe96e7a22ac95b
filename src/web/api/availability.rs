use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::domain::booking::PractitionerChoice;
use crate::domain::errors::FieldErrors;
use crate::domain::time::{parse_date, rfc3339_local};
use crate::error::{ApiError, AppError};
use crate::service::availability::day_slots;
use crate::service::clinic;
use crate::web::AppState;
use crate::web::forms::Fields;

/// `GET /api/v1/availability?treatment=SLUG&date=YYYY-MM-DD[&practitioner=ID]`
pub async fn day(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let key = format!("availability?{}", req.query_string());
    let minute = now.timestamp().div_euclid(60);
    if let Some(body) = state.page_cache.get(&key, minute) {
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
    let (tz, slots) = state
        .db(move |c| {
            let mut errors = FieldErrors::new();
            let Some(t) = crate::db::treatments::active_treatment_by_slug(c, &slug)? else {
                errors.add("treatment", "Unknown treatment.");
                return Err(AppError::Invalid(errors));
            };
            let clinic = clinic::load(c)?;
            let eligible = clinic::eligible_practitioners(c, &t)?;
            if let PractitionerChoice::Specific(id) = choice
                && !eligible.iter().any(|p| p.id == id)
            {
                errors.add(
                    "practitioner",
                    "That practitioner doesn't exist or doesn't perform this treatment.",
                );
                return Err(AppError::Invalid(errors));
            }
            let slots = day_slots(
                c,
                &clinic,
                &t,
                &eligible,
                date,
                choice,
                now,
                clinic.rules,
                None,
            )?;
            Ok((clinic.tz, slots))
        })
        .await?;
    let list: Vec<_> = slots
        .iter()
        .map(|s| {
            json!({
                "start": rfc3339_local(tz, s.start),
                "end": rfc3339_local(tz, s.end),
                "practitioner": {"id": s.practitioner_id, "name": s.practitioner_name},
            })
        })
        .collect();
    let body = web::Bytes::from(
        json!({
            "treatment": q.get("treatment").trim(),
            "date": date.format("%Y-%m-%d").to_string(),
            "timezone": tz.name(),
            "slots": list,
        })
        .to_string(),
    );
    state.page_cache.put(key, generation, minute, body.clone());
    Ok(json_body(body))
}

fn json_body(body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(body)
}
