//! Staff end a patient's treatment course early (the next booking then starts a new course) or
//! extend it by a session, from an appointment of the course.

use actix_web::{HttpResponse, web};

use crate::error::AppError;
use crate::service::courses as svc;
use crate::web::AppState;
use crate::web::staff::auth::StaffForm;
use crate::web::staff::path_id;

/// Where to go back to: the appointment the action was taken from.
fn back(form: &StaffForm, done: &str) -> Result<HttpResponse, AppError> {
    let id: i32 =
        form.fields.get("appointment").parse().map_err(|_| {
            AppError::BadRequest("Which appointment this came from is missing.".into())
        })?;
    Ok(crate::web::see_other(&format!(
        "/staff/appointments/{id}?done={done}"
    )))
}

pub async fn end(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    form.user.require(|r| r.manages_bookings())?;
    let id = path_id(&path, "course")?;
    let (now, actor) = (state.clock.now(), form.user.actor());
    state.db(move |c| svc::end(c, now, &actor, id)).await?;
    back(&form, "course-ended")
}

pub async fn extend(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    form.user.require(|r| r.manages_bookings())?;
    let id = path_id(&path, "course")?;
    let (now, actor) = (state.clock.now(), form.user.actor());
    state.db(move |c| svc::extend(c, now, &actor, id)).await?;
    back(&form, "course-extended")
}
