//! `GET /api/v1/treatments`: what the clinic offers, and who performs each treatment.

use actix_web::{HttpResponse, web};

use super::json::{Treatment, TreatmentList};
use crate::error::ApiError;
use crate::service::catalog;
use crate::web::AppState;

pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let offers = state.db(catalog::offers).await?;
    Ok(HttpResponse::Ok().json(TreatmentList {
        treatments: offers.iter().map(Treatment::from).collect(),
    }))
}
