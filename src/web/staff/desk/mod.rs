//! The front desk's console: the day and week schedule, appointments and their actions, patients,
//! phone bookings. Handlers parse, call `service::desk` (or the booking service) and render.

mod appointment;
mod book;
mod clinical;
mod clinical_view;
mod courses;
mod grid;
mod patients;
mod schedule;
mod views;
mod waitlist;

use actix_web::web;
use chrono::{Datelike, NaiveDate};

use super::auth::StaffUser;
use crate::domain::time::parse_date;
use crate::service::desk::Reach;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/day", web::get().to(schedule::day))
        .route("/week", web::get().to(schedule::week))
        .route("/appointments/{id}", web::get().to(appointment::show))
        .route(
            "/appointments/{id}/notes",
            web::post().to(appointment::add_note),
        )
        .route(
            "/appointments/{id}/check-in",
            web::post().to(appointment::check_in),
        )
        .route(
            "/appointments/{id}/complete",
            web::post().to(appointment::complete),
        )
        .route(
            "/appointments/{id}/no-show",
            web::post().to(appointment::no_show),
        )
        .route("/appointments/{id}/undo", web::post().to(appointment::undo))
        .route(
            "/appointments/{id}/contact/merge",
            web::post().to(appointment::merge_contact),
        )
        .route(
            "/appointments/{id}/contact/keep-apart",
            web::post().to(appointment::keep_contact_apart),
        )
        .route(
            "/appointments/{id}/cancel",
            web::post().to(appointment::cancel),
        )
        .route(
            "/appointments/{id}/reschedule",
            web::get().to(appointment::reschedule_form),
        )
        .route(
            "/appointments/{id}/reschedule",
            web::post().to(appointment::reschedule),
        )
        .route("/courses/{id}/end", web::post().to(courses::end))
        .route("/courses/{id}/extend", web::post().to(courses::extend))
        .route(
            "/appointments/{id}/screening/reviewed",
            web::post().to(clinical::mark_reviewed),
        )
        .route(
            "/appointments/{id}/consultations",
            web::post().to(clinical::record_consultation),
        )
        .route("/book", web::get().to(book::form))
        .route("/book", web::post().to(book::submit))
        .route("/patients", web::get().to(patients::search))
        .route("/patients/{id}", web::get().to(patients::show))
        .route("/waitlist", web::get().to(waitlist::list))
        .route(
            "/waitlist/{id}/remove",
            web::get().to(waitlist::remove_form),
        )
        .route("/waitlist/{id}/remove", web::post().to(waitlist::remove));
}

/// Whose appointments and patients this staff member may see.
fn reach(user: &StaffUser) -> Reach {
    if user.role.manages_bookings() {
        Reach::Everyone
    } else {
        Reach::Own(user.practitioner_id)
    }
}

/// The schedule reaches this far: further out, dates stop meaning much and the stored text
/// form of instants stops sorting.
const FIRST_YEAR: i32 = 1970;
const LAST_YEAR: i32 = 9999;

/// A `date` query value (`None` when empty).
fn query_date(raw: &str) -> Result<Option<NaiveDate>, String> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    match parse_date(raw) {
        Ok(d) if (FIRST_YEAR..=LAST_YEAR).contains(&d.year()) => Ok(Some(d)),
        Ok(_) => Err(format!(
            "Please choose a date between {FIRST_YEAR} and {LAST_YEAR}."
        )),
        Err(e) => Err(format!("The date given is {e}.")),
    }
}

/// A `date` query value (`None`: today), or today with the reason when it is unusable.
fn date_or_today(raw: &str) -> (Option<NaiveDate>, Option<String>) {
    match query_date(raw) {
        Ok(d) => (d, None),
        Err(e) => (None, Some(format!("{e} Showing today."))),
    }
}
