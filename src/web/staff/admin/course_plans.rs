//! Recommended treatment courses in the staff console (admins only): sessions and the minimum
//! and maximum days between them, per treatment.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{require_admin, saved_notice};
use crate::db::models::TreatmentRow;
use crate::domain::errors::FieldErrors;
use crate::error::AppError;
use crate::service::courses as svc;
use crate::service::courses::PlanRow;
use crate::web::outcome::{Refusal, answer};
use crate::web::staff::auth::{StaffForm, StaffUser};
use crate::web::staff::layout::StaffLayout;
use crate::web::staff::{clinic_name, path_id};
use crate::web::{AppState, render_status};

const SECTION: &str = "/staff/course-plans";

#[derive(Template)]
#[template(path = "staff/admin/course_plans.html")]
struct PlansPage {
    layout: StaffLayout,
    notice: Option<&'static str>,
    plans: Vec<(TreatmentRow, Option<PlanRow>)>,
    errors: FieldErrors,
}

async fn page(
    user: &StaffUser,
    state: &web::Data<AppState>,
    status: StatusCode,
    notice: Option<&'static str>,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let clinic = clinic_name(state).await?;
    let plans = state.db(svc::plans).await?;
    render_status(
        status,
        &PlansPage {
            layout: StaffLayout::new(user, &clinic, "Treatment courses", SECTION),
            notice,
            plans,
            errors,
        },
    )
}

pub async fn list(
    user: StaffUser,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let notice = saved_notice(req.query_string());
    page(&user, &state, StatusCode::OK, notice, FieldErrors::new()).await
}

pub async fn save(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require_admin(&form.user)?;
    let id = path_id(&path, "treatment")?;
    let f = &form.fields;
    let (sessions, min, max) = (
        f.get("sessions").to_string(),
        f.get("min_interval_days").to_string(),
        f.get("max_interval_days").to_string(),
    );
    let (now, actor) = (state.clock.now(), form.user.actor());
    let result = state
        .db(move |c| svc::set_plan(c, now, &actor, id, (&sessions, &min, &max)))
        .await;
    answer(
        result,
        |()| format!("{SECTION}?saved=treatment"),
        |r: Refusal| async move { page(&form.user, &state, r.status, None, r.errors).await },
    )
    .await
}
