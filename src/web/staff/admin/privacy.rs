//! Patients' data rights in the staff console (admins only): the privacy notice and retention
//! settings, a patient's data export, and erasing a patient after a confirmation page.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{require_admin, saved_notice};
use crate::domain::errors::FieldErrors;
use crate::domain::privacy::PrivacyInput;
use crate::error::AppError;
use crate::service::privacy as svc;
use crate::web::outcome::{Refusal, answer};
use crate::web::staff::auth::{StaffForm, StaffUser};
use crate::web::staff::layout::StaffLayout;
use crate::web::staff::{clinic_name, path_id};
use crate::web::{AppState, render_status};

const SECTION: &str = "/staff/privacy";

#[derive(Template)]
#[template(path = "staff/admin/privacy.html")]
struct SettingsPage {
    layout: StaffLayout,
    notice: Option<&'static str>,
    input: PrivacyInput,
    errors: FieldErrors,
}

pub async fn show(
    user: StaffUser,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let name = clinic_name(&state).await?;
    let input = state.db(svc::settings_input).await?;
    render_status(
        StatusCode::OK,
        &SettingsPage {
            layout: StaffLayout::new(&user, &name, "Privacy", SECTION),
            notice: saved_notice(req.query_string()),
            input,
            errors: FieldErrors::new(),
        },
    )
}

pub async fn save(form: StaffForm, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    require_admin(&form.user)?;
    let f = &form.fields;
    let input = PrivacyInput {
        notice: f.get("notice").to_string(),
        patient_retention_days: f.get("patient_retention_days").to_string(),
        audit_retention_days: f.get("audit_retention_days").to_string(),
        session_retention_days: f.get("session_retention_days").to_string(),
    };
    let (now, actor, i) = (state.clock.now(), form.user.actor(), input.clone());
    let result = state
        .db(move |c| svc::save_settings(c, now, &actor, &i))
        .await;
    answer(
        result,
        |()| "/staff/privacy?saved=settings".into(),
        |r: Refusal| async move {
            let name = clinic_name(&state).await?;
            render_status(
                r.status,
                &SettingsPage {
                    layout: StaffLayout::new(&form.user, &name, "Privacy", SECTION),
                    notice: None,
                    input,
                    errors: r.errors,
                },
            )
        },
    )
    .await
}

/// Everything held about the patient, as one JSON file to download.
pub async fn export(
    user: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let id = path_id(&path, "patient")?;
    let now = state.clock.now();
    let (file, doc) = state.db(move |c| svc::export(c, now, id)).await?;
    let body = serde_json::to_string_pretty(&doc).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{file}\""),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}

#[derive(Template)]
#[template(path = "staff/admin/erase.html")]
struct ErasePage {
    layout: StaffLayout,
    id: i32,
    name: String,
    email: String,
    appointments: usize,
    pending_messages: usize,
    erased: bool,
    message: String,
}

async fn erase_page(
    user: &StaffUser,
    state: &AppState,
    id: i32,
    status: StatusCode,
    message: String,
) -> Result<HttpResponse, AppError> {
    let p = state.db(move |c| svc::erase_preview(c, id)).await?;
    render_status(
        status,
        &ErasePage {
            layout: StaffLayout::new(
                user,
                &p.clinic.row.name,
                "Erase a patient",
                "/staff/patients",
            ),
            id: p.patient_id,
            name: p.name,
            email: p.email,
            appointments: p.appointments,
            pending_messages: p.pending_messages,
            erased: p.erased_at.is_some(),
            message,
        },
    )
}

/// The confirmation step: what erasure will do (GET changes nothing).
pub async fn erase_form(
    user: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let id = path_id(&path, "patient")?;
    erase_page(&user, &state, id, StatusCode::OK, String::new()).await
}

/// Erases, when the form's `confirm` box is ticked; otherwise the page again (422).
pub async fn erase(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require_admin(&form.user)?;
    let id = path_id(&path, "patient")?;
    if !form.fields.checked("confirm") {
        return erase_page(
            &form.user,
            &state,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Nothing was erased: tick the box to confirm.".into(),
        )
        .await;
    }
    let (now, actor) = (state.clock.now(), form.user.actor());
    let result = state
        .db(move |c| svc::erase(c, now, &actor, id, "erased by staff on request"))
        .await;
    answer(
        result,
        |_| format!("/staff/patients/{id}?erased=1"),
        |r: Refusal| async move { erase_page(&form.user, &state, id, r.status, r.message).await },
    )
    .await
}
