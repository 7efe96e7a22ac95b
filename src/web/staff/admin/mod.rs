//! Clinic set-up (treatments, practitioners, hours, settings), staff accounts, the audit trail,
//! exports, the dashboard and practitioners' calendar feeds. Handlers parse the request, call
//! the matching `service` module, and render; every one checks the role first.

mod accounts;
mod audit;
mod conflicts_list;
mod course_plans;
mod dashboard;
mod export;
pub mod feed;
mod practitioners;
mod privacy;
mod qualifications;
mod resource_hours;
mod resources;
mod screening;
mod settings;
mod treatments;
mod week_editor;

use actix_web::web;

use super::auth::StaffUser;
use crate::domain::staff::Role;
use crate::error::AppError;
use crate::web::forms::Fields;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/treatments", web::get().to(treatments::list))
        .route("/treatments", web::post().to(treatments::create))
        .route("/treatments/new", web::get().to(treatments::new_form))
        .route(
            "/treatments/{treatment}",
            web::get().to(treatments::edit_form),
        )
        .route(
            "/treatments/{treatment}",
            web::post().to(treatments::update),
        )
        .route(
            "/treatments/{treatment}/clinical",
            web::get().to(screening::show),
        )
        .route(
            "/treatments/{treatment}/screening",
            web::post().to(screening::add_question),
        )
        .route(
            "/treatments/{treatment}/screening/{question}",
            web::post().to(screening::edit_question),
        )
        .route(
            "/treatments/{treatment}/screening/{question}/remove",
            web::post().to(screening::remove_question),
        )
        .route(
            "/treatments/{treatment}/consent",
            web::post().to(screening::edit_consent),
        )
        .route(
            "/treatments/{treatment}/consultation",
            web::post().to(screening::set_months),
        )
        .route("/practitioners", web::get().to(practitioners::list))
        .route("/practitioners", web::post().to(practitioners::create))
        .route("/practitioners/new", web::get().to(practitioners::new_form))
        .route(
            "/practitioners/{practitioner}",
            web::get().to(practitioners::show),
        )
        .route(
            "/practitioners/{practitioner}",
            web::post().to(practitioners::update),
        )
        .route(
            "/practitioners/{practitioner}/status",
            web::post().to(practitioners::set_status),
        )
        .route(
            "/practitioners/{practitioner}/hours",
            web::post().to(practitioners::set_hours),
        )
        .route(
            "/practitioners/{practitioner}/time-off",
            web::post().to(practitioners::add_time_off),
        )
        .route(
            "/practitioners/{practitioner}/time-off/{time_off}/delete",
            web::post().to(practitioners::remove_time_off),
        )
        .route(
            "/practitioners/{practitioner}/calendar",
            web::post().to(practitioners::publish_feed),
        )
        .route(
            "/practitioners/{practitioner}/calendar/revoke",
            web::post().to(practitioners::revoke_feed),
        )
        .route("/course-plans", web::get().to(course_plans::list))
        .route(
            "/course-plans/{treatment}",
            web::post().to(course_plans::save),
        )
        .route("/resources", web::get().to(resources::list))
        .route("/resources", web::post().to(resources::create))
        .route(
            "/resources/{resource}/status",
            web::post().to(resources::set_status),
        )
        .route(
            "/resources/{resource}/hours",
            web::get().to(resource_hours::show),
        )
        .route(
            "/resources/{resource}/hours",
            web::post().to(resource_hours::save),
        )
        .route(
            "/treatments/{treatment}/resources",
            web::post().to(resources::set_needs),
        )
        .route("/privacy", web::get().to(privacy::show))
        .route("/privacy", web::post().to(privacy::save))
        .route(
            "/patients/{patient}/export.json",
            web::get().to(privacy::export),
        )
        .route(
            "/patients/{patient}/erase",
            web::get().to(privacy::erase_form),
        )
        .route("/patients/{patient}/erase", web::post().to(privacy::erase))
        .route("/settings", web::get().to(settings::show))
        .route("/settings", web::post().to(settings::save))
        .route("/accounts", web::get().to(accounts::list))
        .route("/accounts", web::post().to(accounts::create))
        .route("/accounts/new", web::get().to(accounts::new_form))
        .route("/accounts/{staff}", web::get().to(accounts::edit_form))
        .route("/accounts/{staff}", web::post().to(accounts::update))
        .route("/audit", web::get().to(audit::browse))
        .route("/export", web::get().to(export::form))
        .route("/export.csv", web::get().to(export::csv));
}

/// The dashboard, for /staff itself (registered by the staff module).
pub use dashboard::show as dashboard;

/// Clinic set-up is for admins only.
fn require_admin(user: &StaffUser) -> Result<(), AppError> {
    user.require(Role::manages_clinic)
}

/// The one-line notice after a redirect (`?saved=…`).
fn saved_notice(query: &str) -> Option<&'static str> {
    let q = Fields::from_query(query).unwrap_or_default();
    Some(match q.get("saved") {
        "created" => "Created.",
        "profile" | "treatment" | "settings" | "account" => "Saved.",
        "hours" => "Working hours saved.",
        "resource_hours" => "Hours saved.",
        "time_off" => "Time off added.",
        "time_off_removed" => "Time off removed.",
        "deactivated" => "Deactivated: no longer offered for booking.",
        "reactivated" => "Reactivated: offered for booking again.",
        "feed" => "A new calendar feed address was created; any earlier address no longer works.",
        "feed_revoked" => "The calendar feed was revoked; its address no longer works.",
        _ => return None,
    })
}
