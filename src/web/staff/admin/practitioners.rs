//! /staff/practitioners: profiles, active or not, weekly hours, time off, calendar feeds.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::parts::{
    QualificationBox, conflicts_block, held, qualification_boxes, read_week, saved_notice,
    ticked_qualifications, week_editor,
};
use super::require_admin;
use crate::db::models::from_db;
use crate::domain::catalog::PractitionerInput;
use crate::domain::errors::FieldErrors;
use crate::domain::time::datetime_label;
use crate::domain::working_week::WeekInput;
use crate::error::AppError;
use crate::service::clinic;
use crate::service::practitioners::{self as svc, TimeOffForm};
use crate::service::schedule_conflicts::{Confirmation, Guarded};
use crate::web::forms::Fields;
use crate::web::staff::auth::{StaffForm, StaffUser};
use crate::web::staff::layout::StaffLayout;
use crate::web::staff::{clinic_name, path_id};
use crate::web::{AppState, render, render_status, see_other};

const SECTION: &str = "/staff/practitioners";

pub struct PractitionerLine {
    pub id: i32,
    pub name: String,
    pub title: String,
    pub qualifications: String,
    pub active: bool,
    pub feed: bool,
}

#[derive(Template)]
#[template(path = "staff/admin/practitioners.html")]
struct ListPage {
    layout: StaffLayout,
    notice: Option<&'static str>,
    practitioners: Vec<PractitionerLine>,
}

pub async fn list(
    user: StaffUser,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let rows = state
        .db(|c| Ok(crate::db::practitioners::all_practitioners(c)?))
        .await?;
    render(&ListPage {
        layout: StaffLayout::new(&user, &clinic_name(&state).await?, "Practitioners", SECTION),
        notice: saved_notice(req.query_string()),
        practitioners: rows
            .into_iter()
            .map(|p| PractitionerLine {
                id: p.id,
                name: p.name,
                title: p.title,
                qualifications: p.qualifications.replace(',', ", "),
                active: p.active,
                feed: p.calendar_token.is_some(),
            })
            .collect(),
    })
}

fn profile_from(f: &Fields) -> PractitionerInput {
    PractitionerInput {
        name: f.get("name").to_string(),
        title: f.get("title").to_string(),
        bio: f.get("bio").to_string(),
        qualifications: ticked_qualifications(f),
    }
}

#[derive(Template)]
#[template(path = "staff/admin/practitioner_new.html")]
struct NewPage {
    layout: StaffLayout,
    input: PractitionerInput,
    boxes: Vec<QualificationBox>,
    errors: FieldErrors,
}

async fn new_page(
    user: &StaffUser,
    state: &AppState,
    input: PractitionerInput,
    errors: FieldErrors,
) -> Result<NewPage, AppError> {
    Ok(NewPage {
        layout: StaffLayout::new(
            user,
            &clinic_name(state).await?,
            "Add a practitioner",
            SECTION,
        ),
        boxes: qualification_boxes(&input.qualifications),
        input,
        errors,
    })
}

pub async fn new_form(
    user: StaffUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    render(
        &new_page(
            &user,
            &state,
            PractitionerInput::default(),
            FieldErrors::new(),
        )
        .await?,
    )
}

pub async fn create(form: StaffForm, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    require_admin(&form.user)?;
    let input = profile_from(&form.fields);
    let (now, actor, i) = (state.clock.now(), form.user.actor(), input.clone());
    match state.db(move |c| svc::create(c, now, &actor, &i)).await {
        Ok(row) => Ok(see_other(&format!(
            "/staff/practitioners/{}?saved=created",
            row.id
        ))),
        Err(AppError::Invalid(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &new_page(&form.user, &state, input, errors).await?,
        ),
        Err(e) => Err(e),
    }
}

pub struct TimeOffLine {
    pub id: i32,
    pub from: String,
    pub to: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "staff/admin/practitioner.html")]
struct ShowPage {
    layout: StaffLayout,
    notice: Option<&'static str>,
    /// A change waits for a confirmation (the page answers 409).
    pending: bool,
    id: i32,
    active: bool,
    timezone: String,
    /// The profile form (named as the shared profile fields expect).
    input: PractitionerInput,
    boxes: Vec<QualificationBox>,
    errors: FieldErrors,
    status_conflicts: String,
    week_html: String,
    hours_conflicts: String,
    time_off: Vec<TimeOffLine>,
    off_starts: String,
    off_ends: String,
    off_reason: String,
    off_errors: FieldErrors,
    off_conflicts: String,
    feed_url: Option<String>,
}

/// What a re-shown page keeps from the form just posted (everything else comes from the database).
#[derive(Default)]
struct Shown {
    notice: Option<&'static str>,
    profile: Option<(PractitionerInput, FieldErrors)>,
    status_conflicts: String,
    week: Option<(WeekInput, FieldErrors)>,
    hours_conflicts: String,
    time_off: Option<([String; 3], FieldErrors)>,
    off_conflicts: String,
}

async fn show_page(
    user: &StaffUser,
    state: &AppState,
    id: i32,
    shown: Shown,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let (clinic, p, hours, off) = state
        .db(move |c| {
            let p = crate::db::practitioners::find_practitioner(c, id)?
                .ok_or(AppError::NotFound("practitioner"))?;
            Ok((
                clinic::load(c)?,
                p,
                svc::weekly_hours(c, id)?,
                svc::upcoming_time_off(c, now, id)?,
            ))
        })
        .await?;
    let (profile, profile_errors) = shown.profile.unwrap_or_else(|| {
        (
            PractitionerInput {
                name: p.name.clone(),
                title: p.title.clone(),
                bio: p.bio.clone(),
                qualifications: held(&p.qualifications),
            },
            FieldErrors::new(),
        )
    });
    let (week, week_errors) = shown
        .week
        .unwrap_or_else(|| (WeekInput::from_hours(&hours), FieldErrors::new()));
    let ([off_starts, off_ends, off_reason], off_errors) = shown
        .time_off
        .unwrap_or_else(|| (Default::default(), FieldErrors::new()));
    let page = ShowPage {
        layout: StaffLayout::new(user, &clinic.row.name, p.name.clone(), SECTION),
        notice: shown.notice,
        pending: status == StatusCode::CONFLICT,
        id,
        active: p.active,
        timezone: clinic.row.timezone.clone(),
        boxes: qualification_boxes(&profile.qualifications),
        input: profile,
        errors: profile_errors,
        status_conflicts: shown.status_conflicts,
        week_html: week_editor(
            &format!(
                "Weekly working hours ({}; bookable only while the clinic is open too)",
                clinic.row.timezone
            ),
            &week,
            &week_errors,
        )?,
        hours_conflicts: shown.hours_conflicts,
        time_off: off
            .iter()
            .map(|t| TimeOffLine {
                id: t.id,
                from: datetime_label(clinic.tz, from_db(t.starts_at)),
                to: datetime_label(clinic.tz, from_db(t.ends_at)),
                reason: t.reason.clone(),
            })
            .collect(),
        off_starts,
        off_ends,
        off_reason,
        off_errors,
        off_conflicts: shown.off_conflicts,
        feed_url: p
            .calendar_token
            .as_ref()
            .map(|t| format!("{}/calendar/{t}.ics", state.base_url)),
    };
    render_status(status, &page)
}

pub async fn show(
    user: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let id = path_id(&path, "practitioner")?;
    let shown = Shown {
        notice: saved_notice(req.query_string()),
        ..Shown::default()
    };
    show_page(&user, &state, id, shown, StatusCode::OK).await
}

pub async fn update(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require_admin(&form.user)?;
    let id = path_id(&path, "practitioner")?;
    let input = profile_from(&form.fields);
    let (now, actor, i) = (state.clock.now(), form.user.actor(), input.clone());
    match state.db(move |c| svc::update(c, now, &actor, id, &i)).await {
        Ok(_) => Ok(see_other(&format!(
            "/staff/practitioners/{id}?saved=profile"
        ))),
        Err(AppError::Invalid(errors)) => {
            let shown = Shown {
                profile: Some((input, errors)),
                ..Shown::default()
            };
            show_page(
                &form.user,
                &state,
                id,
                shown,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

fn confirmation(f: &Fields) -> Confirmation {
    Confirmation::from_form(f.checked("confirm"), f.get("seen"))
}

/// How a guarded change answers: saved and clean → back to the page; saved with conflicts →
/// the page listing them; not saved → the page asking to confirm, with the input kept.
async fn answer<T>(
    user: &StaffUser,
    state: &AppState,
    id: i32,
    g: Guarded<T>,
    saved: &str,
    shown: impl FnOnce(String) -> Shown,
) -> Result<HttpResponse, AppError> {
    let block = conflicts_block(&g)?;
    match (g.saved.is_some(), g.conflicts.is_empty()) {
        (true, true) => Ok(see_other(&format!(
            "/staff/practitioners/{id}?saved={saved}"
        ))),
        (true, false) => {
            let mut s = shown(block);
            s.notice = saved_notice(&format!("saved={saved}"));
            show_page(user, state, id, s, StatusCode::OK).await
        }
        (false, _) => show_page(user, state, id, shown(block), StatusCode::CONFLICT).await,
    }
}

pub async fn set_status(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require_admin(&form.user)?;
    let id = path_id(&path, "practitioner")?;
    let active = match form.fields.get("active") {
        "1" => true,
        "0" => false,
        _ => {
            return Err(AppError::BadRequest(
                "Say whether the practitioner should be active. Please go back and use the button."
                    .into(),
            ));
        }
    };
    let (now, actor, confirm) = (
        state.clock.now(),
        form.user.actor(),
        confirmation(&form.fields),
    );
    let g = state
        .db(move |c| svc::set_active(c, now, &actor, id, active, &confirm))
        .await?;
    let saved = if active { "reactivated" } else { "deactivated" };
    answer(&form.user, &state, id, g, saved, |block| Shown {
        status_conflicts: block,
        ..Shown::default()
    })
    .await
}

pub async fn set_hours(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require_admin(&form.user)?;
    let id = path_id(&path, "practitioner")?;
    let week = read_week(&form.fields);
    let (now, actor, confirm, w) = (
        state.clock.now(),
        form.user.actor(),
        confirmation(&form.fields),
        week.clone(),
    );
    match state
        .db(move |c| svc::set_hours(c, now, &actor, id, &w, &confirm))
        .await
    {
        Ok(g) => {
            answer(&form.user, &state, id, g, "hours", |block| Shown {
                week: Some((week, FieldErrors::new())),
                hours_conflicts: block,
                ..Shown::default()
            })
            .await
        }
        Err(AppError::Invalid(errors)) => {
            let shown = Shown {
                week: Some((week, errors)),
                ..Shown::default()
            };
            show_page(
                &form.user,
                &state,
                id,
                shown,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

pub async fn add_time_off(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require_admin(&form.user)?;
    let id = path_id(&path, "practitioner")?;
    let typed = [
        form.fields.get("starts").to_string(),
        form.fields.get("ends").to_string(),
        form.fields.get("reason").to_string(),
    ];
    let (now, actor, confirm, t) = (
        state.clock.now(),
        form.user.actor(),
        confirmation(&form.fields),
        typed.clone(),
    );
    let result = state
        .db(move |c| {
            let off = TimeOffForm {
                starts: &t[0],
                ends: &t[1],
                reason: &t[2],
            };
            svc::add_time_off(c, now, &actor, id, &off, &confirm)
        })
        .await;
    match result {
        Ok(g) => {
            // Once saved, the form is cleared for the next entry.
            let keep = if g.saved.is_some() {
                Default::default()
            } else {
                typed
            };
            answer(&form.user, &state, id, g, "time_off", |block| Shown {
                time_off: Some((keep, FieldErrors::new())),
                off_conflicts: block,
                ..Shown::default()
            })
            .await
        }
        Err(AppError::Invalid(errors)) => {
            let shown = Shown {
                time_off: Some((typed, errors)),
                ..Shown::default()
            };
            show_page(
                &form.user,
                &state,
                id,
                shown,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

pub async fn remove_time_off(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    require_admin(&form.user)?;
    let id = path_id(&path.0, "practitioner")?;
    let off = path_id(&path.1, "time off")?;
    let (now, actor) = (state.clock.now(), form.user.actor());
    state
        .db(move |c| svc::remove_time_off(c, now, &actor, id, off))
        .await?;
    Ok(see_other(&format!(
        "/staff/practitioners/{id}?saved=time_off_removed"
    )))
}

pub async fn publish_feed(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require_admin(&form.user)?;
    let id = path_id(&path, "practitioner")?;
    let (now, actor) = (state.clock.now(), form.user.actor());
    state
        .db(move |c| svc::publish_feed(c, now, &actor, id))
        .await?;
    Ok(see_other(&format!(
        "/staff/practitioners/{id}?saved=feed#calendar"
    )))
}

pub async fn revoke_feed(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require_admin(&form.user)?;
    let id = path_id(&path, "practitioner")?;
    let (now, actor) = (state.clock.now(), form.user.actor());
    state
        .db(move |c| svc::revoke_feed(c, now, &actor, id))
        .await?;
    Ok(see_other(&format!(
        "/staff/practitioners/{id}?saved=feed_revoked#calendar"
    )))
}
