//! /staff/practitioners: profiles, active or not, weekly hours, time off, calendar feeds.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::conflicts_list::{Reshown, answer_guarded};
use super::qualifications::{QualificationBox, held, qualification_boxes, ticked_qualifications};
use super::week_editor::{read_week, week_editor};
use super::{require_admin, saved_notice};
use crate::db::models::from_db;
use crate::domain::catalog::PractitionerInput;
use crate::domain::errors::FieldErrors;
use crate::domain::time::datetime_label;
use crate::domain::working_week::WeekInput;
use crate::error::AppError;
use crate::service::practitioners::{self as svc, TimeOffForm};
use crate::service::schedule_conflicts::{Confirmation, Guarded};
use crate::web::forms::Fields;
use crate::web::outcome::answer;
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
    let rows = state.db(svc::all).await?;
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
                feed: p.calendar_token_hash.is_some(),
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
    let result = state.db(move |c| svc::create(c, now, &actor, &i)).await;
    answer(
        result,
        |row| format!("/staff/practitioners/{}?saved=created", row.id),
        |r| async move {
            render_status(
                r.status,
                &new_page(&form.user, &state, input, r.errors).await?,
            )
        },
    )
    .await
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
    feed_published: bool,
    /// The feed's address, only in the answer that made it (only its digest is stored).
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
    /// A feed address just made: shown this once.
    feed_url: Option<String>,
}

async fn show_page(
    user: &StaffUser,
    state: &AppState,
    id: i32,
    shown: Shown,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let svc::PractitionerPage {
        clinic,
        practitioner: p,
        hours,
        time_off: off,
    } = state.db(move |c| svc::page(c, now, id)).await?;
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
        feed_published: p.calendar_token_hash.is_some(),
        feed_url: shown.feed_url,
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
    let result = state.db(move |c| svc::update(c, now, &actor, id, &i)).await;
    answer(
        result,
        |_| format!("/staff/practitioners/{id}?saved=profile"),
        |r| async move {
            let shown = Shown {
                profile: Some((input, r.errors)),
                ..Shown::default()
            };
            show_page(&form.user, &state, id, shown, r.status).await
        },
    )
    .await
}

fn confirmation(f: &Fields) -> Confirmation {
    Confirmation::from_form(f.checked("confirm"), f.get("seen"))
}

/// A guarded change's answer on this page: back to it with `?saved=…`, or the page again with
/// `shown` keeping what was posted beside the conflicts.
async fn answer_here<T>(
    form: &StaffForm,
    state: &AppState,
    id: i32,
    result: Result<Guarded<T>, AppError>,
    saved: &str,
    shown: impl FnOnce(Reshown) -> Shown,
) -> Result<HttpResponse, AppError> {
    answer_guarded(
        result,
        format!("/staff/practitioners/{id}?saved={saved}"),
        |r| async move {
            let status = r.status;
            let saved_now = r.saved;
            let mut s = shown(r);
            if saved_now {
                s.notice = saved_notice(&format!("saved={saved}"));
            }
            show_page(&form.user, state, id, s, status).await
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
    let result = state
        .db(move |c| svc::set_active(c, now, &actor, id, active, &confirm))
        .await;
    let saved = if active { "reactivated" } else { "deactivated" };
    answer_here(&form, &state, id, result, saved, |r| Shown {
        status_conflicts: r.conflicts,
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
    let result = state
        .db(move |c| svc::set_hours(c, now, &actor, id, &w, &confirm))
        .await;
    answer_here(&form, &state, id, result, "hours", |r| Shown {
        week: Some((week, r.errors)),
        hours_conflicts: r.conflicts,
        ..Shown::default()
    })
    .await
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
    answer_here(&form, &state, id, result, "time_off", |r| {
        // Once saved, the form is cleared for the next entry.
        let keep = if r.saved { Default::default() } else { typed };
        Shown {
            time_off: Some((keep, r.errors)),
            off_conflicts: r.conflicts,
            ..Shown::default()
        }
    })
    .await
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
    let token = state
        .db(move |c| svc::publish_feed(c, now, &actor, id))
        .await?;
    // No redirect: the address exists only in this answer (the database keeps its digest), so
    // it is shown here, once, and the page says so.
    let shown = Shown {
        notice: saved_notice("saved=feed"),
        feed_url: Some(format!(
            "{}/calendar/{}.ics",
            state.base_url,
            token.as_str()
        )),
        ..Shown::default()
    };
    show_page(&form.user, &state, id, shown, StatusCode::OK).await
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
