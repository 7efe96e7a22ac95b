use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::domain::treatment::price_range_label;
use crate::error::ApiError;
use crate::service::clinic;
use crate::web::AppState;

pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let rows = state
        .db(|c| {
            let treatments = crate::db::treatments::active_treatments(c)?;
            let mut out = Vec::with_capacity(treatments.len());
            for t in treatments {
                let eligible = clinic::eligible_practitioners(c, &t)?;
                out.push((t, eligible));
            }
            Ok(out)
        })
        .await?;
    let list: Vec<_> = rows
        .iter()
        .map(|(t, eligible)| {
            json!({
                "slug": t.slug,
                "name": t.name,
                "summary": t.summary,
                "description": t.description,
                "during_session": t.during_session,
                "recovery": t.recovery,
                "sessions": t.sessions_note,
                "duration_minutes": t.duration_minutes,
                "buffer_minutes": t.buffer_minutes,
                "price": {
                    "currency": "USD",
                    "min_cents": t.price_min_cents,
                    "max_cents": t.price_max_cents,
                    "label": price_range_label(t.price_min_cents, t.price_max_cents),
                },
                "qualifications": t.qualifications.split(',').map(str::trim).filter(|q| !q.is_empty()).collect::<Vec<_>>(),
                "practitioners": eligible.iter().map(|p| json!({"id": p.id, "name": p.name, "title": p.title})).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "treatments": list })))
}
