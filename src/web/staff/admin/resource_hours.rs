//! A device's or room's own weekly hours in the staff console (admins only): the shared week
//! editor on a page of its own. An empty week means "whenever the clinic is open".

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::week_editor::{read_week, week_editor};
use super::{require_admin, saved_notice};
use crate::domain::errors::FieldErrors;
use crate::domain::working_week::WeekInput;
use crate::error::AppError;
use crate::service::resources::{self as svc, ResourceRow};
use crate::web::outcome::{Refusal, answer};
use crate::web::staff::auth::{StaffForm, StaffUser};
use crate::web::staff::layout::StaffLayout;
use crate::web::staff::{clinic_name, path_id};
use crate::web::{AppState, render_status};

const SECTION: &str = "/staff/resources";

#[derive(Template)]
#[template(path = "staff/admin/resource_hours.html")]
struct HoursPage {
    layout: StaffLayout,
    notice: Option<&'static str>,
    resource: ResourceRow,
    /// Whether it has hours of its own now (else: whenever the clinic is open).
    limited: bool,
    errors: FieldErrors,
    week_html: String,
}

async fn page(
    user: &StaffUser,
    state: &web::Data<AppState>,
    id: i32,
    status: StatusCode,
    notice: Option<&'static str>,
    typed: Option<(WeekInput, FieldErrors)>,
) -> Result<HttpResponse, AppError> {
    let clinic = clinic_name(state).await?;
    let (resource, week) = state.db(move |c| svc::with_hours(c, id)).await?;
    let limited = week.is_some();
    let (input, errors) = typed.unwrap_or_else(|| {
        (
            week.as_ref().map(WeekInput::from_hours).unwrap_or_default(),
            FieldErrors::new(),
        )
    });
    let week_html = week_editor(
        &format!(
            "{}: weekly hours (empty: whenever the clinic is open)",
            resource.name
        ),
        &input,
        &errors,
    )?;
    render_status(
        status,
        &HoursPage {
            layout: StaffLayout::new(user, &clinic, resource.name.clone(), SECTION),
            notice,
            resource,
            limited,
            errors,
            week_html,
        },
    )
}

pub async fn show(
    user: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let id = path_id(&path, "resource")?;
    let notice = saved_notice(req.query_string());
    page(&user, &state, id, StatusCode::OK, notice, None).await
}

pub async fn save(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require_admin(&form.user)?;
    let id = path_id(&path, "resource")?;
    let week = read_week(&form.fields);
    let (now, actor, w) = (state.clock.now(), form.user.actor(), week.clone());
    let result = state
        .db(move |c| svc::set_hours(c, now, &actor, id, &w))
        .await;
    answer(
        result,
        |()| format!("{SECTION}/{id}/hours?saved=resource_hours"),
        |r: Refusal| async move {
            page(
                &form.user,
                &state,
                id,
                r.status,
                None,
                Some((week, r.errors)),
            )
            .await
        },
    )
    .await
}
