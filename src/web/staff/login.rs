//! Logging in and out, and changing one's password.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::auth::{CSRF, STAFF_ID, StaffForm, StaffUser, csrf_matches, new_csrf, session_csrf};
use super::clinic_name;
use super::layout::StaffLayout;
use crate::domain::errors::FieldErrors;
use crate::error::AppError;
use crate::service::staff::{self as accounts, LoginError};
use crate::web::forms::Fields;
use crate::web::outcome::answer;
use crate::web::{AppState, render_status, see_other};

#[derive(Template)]
#[template(path = "staff/login.html")]
struct LoginPage {
    layout: StaffLayout,
    email: String,
    next: String,
    message: Option<String>,
}

/// Only same-site paths under /staff may be a post-login destination (no open redirect).
fn safe_next(next: &str) -> String {
    super::safe_staff_path(next).unwrap_or("/staff").to_string()
}

pub async fn form(
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let q = Fields::from_query(req.query_string()).unwrap_or_default();
    let csrf = session_csrf(&session)?;
    let page = LoginPage {
        layout: StaffLayout::anonymous(&clinic_name(&state).await?, "Staff login", csrf),
        email: String::new(),
        next: safe_next(q.get("next")),
        message: None,
    };
    render_status(StatusCode::OK, &page)
}

pub async fn submit(
    state: web::Data<AppState>,
    session: Session,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let fields = Fields::parse(&body)?;
    let expected = session
        .get::<String>(CSRF)
        .ok()
        .flatten()
        .unwrap_or_default();
    if !csrf_matches(&expected, fields.get(CSRF)) {
        return Err(AppError::Forbidden(
            "The login form expired. Please reload the page and try again.".into(),
        ));
    }
    let email = fields.get("email").to_string();
    let password = fields.get("password").to_string();
    let next = safe_next(fields.get("next"));
    let now = state.clock.now();
    let e = email.clone();
    let outcome = state
        .db(move |c| accounts::login(c, now, &e, &password))
        .await?;
    match outcome {
        Ok(row) => {
            // A new session id at login: a session fixed before login is worth nothing after.
            session.renew();
            session
                .insert(STAFF_ID, row.id)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            session
                .insert(CSRF, new_csrf())
                .map_err(|e| AppError::Internal(e.to_string()))?;
            let to = if row.must_change_password {
                "/staff/password".to_string()
            } else {
                next
            };
            Ok(see_other(&to))
        }
        Err(err) => {
            let message = match err {
                LoginError::Invalid => {
                    "That email and password don't match an active account.".to_string()
                }
                LoginError::Locked { minutes } => format!(
                    "Too many failed attempts. This account is locked; try again in {minutes} minute{}.",
                    if minutes == 1 { "" } else { "s" }
                ),
            };
            let page = LoginPage {
                layout: StaffLayout::anonymous(
                    &clinic_name(&state).await?,
                    "Staff login",
                    session_csrf(&session)?,
                ),
                email,
                next,
                message: Some(message),
            };
            render_status(StatusCode::UNAUTHORIZED, &page)
        }
    }
}

pub async fn logout(form: StaffForm) -> Result<HttpResponse, AppError> {
    form.user.session.purge();
    Ok(see_other("/staff/login"))
}

#[derive(Template)]
#[template(path = "staff/password.html")]
struct PasswordPage {
    layout: StaffLayout,
    forced: bool,
    errors: FieldErrors,
    done: bool,
}

pub async fn password_form(
    user: StaffUser,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let forced = must_change(&state, user.id).await?;
    let done = req.query_string().contains("done=1");
    let page = PasswordPage {
        layout: StaffLayout::new(&user, &clinic_name(&state).await?, "Change password", ""),
        forced,
        errors: FieldErrors::new(),
        done,
    };
    render_status(StatusCode::OK, &page)
}

async fn must_change(state: &AppState, id: i32) -> Result<bool, AppError> {
    state
        .db(move |c| accounts::must_change_password(c, id))
        .await
}

pub async fn password_submit(
    form: StaffForm,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let user = form.user;
    let (current, new, confirm) = (
        form.fields.get("current").to_string(),
        form.fields.get("new").to_string(),
        form.fields.get("confirm").to_string(),
    );
    let now = state.clock.now();
    let id = user.id;
    // Other sessions end; this one is renewed below, so its old key is gone too.
    let result = state
        .db(move |c| accounts::change_password(c, now, id, &current, &new, &confirm, None))
        .await;
    let (user, state) = (&user, &state);
    answer(
        result,
        |()| {
            user.session.renew();
            "/staff/password?done=1".to_string()
        },
        |r| async move {
            let page = PasswordPage {
                layout: StaffLayout::new(user, &clinic_name(state).await?, "Change password", ""),
                forced: must_change(state, user.id).await?,
                errors: r.errors,
                done: false,
            };
            render_status(r.status, &page)
        },
    )
    .await
}
