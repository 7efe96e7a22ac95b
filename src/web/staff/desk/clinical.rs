//! The clinical actions of the staff appointment page: marking a screening flag reviewed, and
//! recording a consultation or patch test done in person. Both audited.

use actix_web::{HttpResponse, web};

use crate::domain::staff::Role;
use crate::error::AppError;
use crate::service::screening;
use crate::web::AppState;
use crate::web::staff::auth::StaffForm;
use crate::web::staff::path_id;

use super::appointment::{Redo, back_to_page};
use super::clinical_view::reviews;
use super::reach;

/// `POST /staff/appointments/{id}/screening/reviewed` (audited).
pub async fn mark_reviewed(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    form.user.require(reviews)?;
    let id = path_id(&path, "appointment")?;
    let (actor, reach, now) = (form.user.actor(), reach(&form.user), state.clock.now());
    let result = state
        .db(move |c| screening::mark_reviewed(c, now, id, &actor, reach))
        .await;
    back_to_page(&state, &form.user, id, result, "reviewed", Redo::default()).await
}

/// `POST /staff/appointments/{id}/consultations` with `kind` = consultation | patch_test (audited).
pub async fn record_consultation(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    form.user
        .require(|r| r.manages_bookings() || r == Role::Practitioner)?;
    let id = path_id(&path, "appointment")?;
    let (actor, reach, now) = (form.user.actor(), reach(&form.user), state.clock.now());
    let kind = form.fields.get("kind").to_string();
    let cleared = match form.fields.get("cleared").trim() {
        "" => None,
        s => Some(s.parse::<i32>().unwrap_or(-1)),
    };
    let result = state
        .db(move |c| screening::record_consultation(c, now, id, &kind, cleared, &actor, reach))
        .await;
    back_to_page(
        &state,
        &form.user,
        id,
        result,
        "consultation",
        Redo::default(),
    )
    .await
}
