//! The staff console under /staff: login, schedule, appointments, patients, clinic set-up.
//! Every handler takes `StaffUser` (GET) or `StaffForm` (POST, CSRF-checked) and checks the role.

pub mod admin;
pub mod auth;
pub mod desk;
pub mod layout;
mod login;
pub mod reminders;
pub mod session_store;

use actix_session::SessionMiddleware;
use actix_session::config::BrowserSession;
use actix_web::cookie::{Key, SameSite};
use actix_web::web;

use session_store::DbSessionStore;

use crate::error::AppError;
use crate::web::AppState;

/// The staff session cookie: encrypted (actix-session's private content security), HttpOnly,
/// SameSite=Lax, Secure when the site is served over https, valid under /staff only.
pub fn session_middleware(
    store: DbSessionStore,
    key: Key,
    secure: bool,
) -> SessionMiddleware<DbSessionStore> {
    SessionMiddleware::builder(store, key)
        .cookie_name("carepath_staff".into())
        .cookie_path("/staff".into())
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_secure(secure)
        .session_lifecycle(
            BrowserSession::default().state_ttl(actix_web::cookie::time::Duration::hours(12)),
        )
        .build()
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::get().to(login::form))
        .route("/login", web::post().to(login::submit))
        .route("/logout", web::post().to(login::logout))
        .route("/password", web::get().to(login::password_form))
        .route("/password", web::post().to(login::password_submit))
        .route("", web::get().to(admin::dashboard))
        .route("/", web::get().to(admin::dashboard));
    desk::routes(cfg);
    admin::routes(cfg);
    reminders::routes(cfg);
}

/// A same-site path under /staff to send someone back to (after login, after an action), or
/// `None`: no other site (`//host`, `scheme://`, backslashes), and nothing a Location header
/// can't carry (CR/LF or any other control or non-ASCII character).
pub(crate) fn safe_staff_path(p: &str) -> Option<&str> {
    (p.starts_with("/staff")
        && !p.starts_with("//")
        && !p.contains("://")
        && !p.contains('\\')
        && p.bytes().all(|b| (0x21..=0x7e).contains(&b)))
    .then_some(p)
}

/// An id from the path; anything but a positive number finds nothing.
pub(crate) fn path_id(raw: &str, what: &'static str) -> Result<i32, AppError> {
    raw.parse::<i32>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(AppError::NotFound(what))
}

/// The clinic's name, for the header of a page that needs nothing else of the clinic.
pub(crate) async fn clinic_name(state: &AppState) -> Result<String, AppError> {
    state.db(crate::service::clinic_settings::clinic_name).await
}
