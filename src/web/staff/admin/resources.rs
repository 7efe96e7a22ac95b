//! Devices and rooms in the staff console (admins only): list and add resources, take one out
//! of use or back, and say which kinds each treatment needs.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{require_admin, saved_notice};
use crate::domain::errors::FieldErrors;
use crate::error::AppError;
use crate::service::resources::{self as svc, Inventory};
use crate::web::outcome::{Refusal, answer};
use crate::web::staff::auth::{StaffForm, StaffUser};
use crate::web::staff::layout::StaffLayout;
use crate::web::staff::{clinic_name, path_id};
use crate::web::{AppState, render_status};

const SECTION: &str = "/staff/resources";

#[derive(Template)]
#[template(path = "staff/admin/resources.html")]
struct ResourcesPage {
    layout: StaffLayout,
    notice: Option<&'static str>,
    inventory: Inventory,
    /// What the add form held when it was refused.
    name: String,
    kind: String,
    errors: FieldErrors,
}

async fn page(
    user: &StaffUser,
    state: &web::Data<AppState>,
    status: StatusCode,
    notice: Option<&'static str>,
    (name, kind): (String, String),
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let clinic = clinic_name(state).await?;
    let inventory = state.db(svc::inventory).await?;
    render_status(
        status,
        &ResourcesPage {
            layout: StaffLayout::new(user, &clinic, "Devices and rooms", SECTION),
            notice,
            inventory,
            name,
            kind,
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
    page(
        &user,
        &state,
        StatusCode::OK,
        notice,
        Default::default(),
        FieldErrors::new(),
    )
    .await
}

pub async fn create(form: StaffForm, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    require_admin(&form.user)?;
    let name = form.fields.get("name").to_string();
    let kind = form.fields.get("kind").to_string();
    let (now, actor, n, k) = (
        state.clock.now(),
        form.user.actor(),
        name.clone(),
        kind.clone(),
    );
    let result = state.db(move |c| svc::create(c, now, &actor, &n, &k)).await;
    answer(
        result,
        |()| format!("{SECTION}?saved=created"),
        |r: Refusal| async move {
            page(&form.user, &state, r.status, None, (name, kind), r.errors).await
        },
    )
    .await
}

pub async fn set_status(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require_admin(&form.user)?;
    let id = path_id(&path, "resource")?;
    let active = match form.fields.get("active") {
        "yes" => true,
        "no" => false,
        _ => {
            return Err(AppError::BadRequest(
                "Say whether the resource is in use: active=yes or active=no.".into(),
            ));
        }
    };
    let (now, actor) = (state.clock.now(), form.user.actor());
    state
        .db(move |c| svc::set_active(c, now, &actor, id, active))
        .await?;
    let saved = if active { "reactivated" } else { "deactivated" };
    Ok(crate::web::see_other(&format!("{SECTION}?saved={saved}")))
}

pub async fn set_needs(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require_admin(&form.user)?;
    let id = path_id(&path, "treatment")?;
    let kinds = form.fields.get("kinds").to_string();
    let (now, actor) = (state.clock.now(), form.user.actor());
    let result = state
        .db(move |c| svc::set_needs(c, now, &actor, id, &kinds))
        .await;
    answer(
        result,
        |()| format!("{SECTION}?saved=treatment"),
        |r: Refusal| async move {
            page(
                &form.user,
                &state,
                r.status,
                None,
                Default::default(),
                r.errors,
            )
            .await
        },
    )
    .await
}
