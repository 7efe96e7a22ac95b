//! `GET /api/v1/treatments`: what the clinic offers, and who performs each treatment.

use actix_web::{HttpResponse, web};

use super::json::{Treatment, TreatmentList};
use crate::error::ApiError;
use crate::service::{catalog, screening};
use crate::web::AppState;

pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let (offers, clinical) = state
        .db(|c| Ok((catalog::offers(c)?, screening::all(c)?)))
        .await?;
    Ok(HttpResponse::Ok().json(TreatmentList {
        treatments: offers
            .iter()
            .map(|o| {
                let q = clinical.iter().find(|q| q.treatment.id == o.treatment.id);
                Treatment::from(o).with_clinical(q)
            })
            .collect(),
    }))
}
