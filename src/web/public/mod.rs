//! The patient-facing site: server-rendered pages that work without JavaScript.

mod assets;
mod booking;
mod calendar;
mod home;
mod manage;
mod month;
mod privacy;
mod probes;
mod screening;
mod slots;
mod unsubscribe;
mod waitlist;

use actix_web::{HttpResponse, web};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home::home))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(probes::readyz))
        .route("/metrics", web::get().to(probes::metrics))
        .route("/static/app.css", web::get().to(assets::stylesheet))
        .route("/static/staff.css", web::get().to(assets::staff_stylesheet))
        .route(
            "/calendar/{token}.ics",
            web::get().to(crate::web::staff::admin::feed::ics),
        )
        .route("/privacy", web::get().to(privacy::show))
        .route("/treatments/{slug}", web::get().to(home::treatment))
        .route(
            "/treatments/{slug}/consent",
            web::get().to(screening::consent),
        )
        .route(
            "/book/{slug}/details",
            web::post().to(booking::details_answered),
        )
        .route(
            "/appointments/{token}/screening",
            web::get().to(screening::later_form),
        )
        .route(
            "/appointments/{token}/screening",
            web::post().to(screening::later_answer),
        )
        .route("/book/{slug}", web::get().to(booking::pick_slot))
        .route("/book/{slug}", web::post().to(booking::submit))
        .route("/book/{slug}/details", web::get().to(booking::details))
        .route("/appointments/{token}", web::get().to(manage::show))
        .route(
            "/appointments/{token}/confirmation",
            web::get().to(manage::confirmation),
        )
        .route(
            "/appointments/{token}/calendar.ics",
            web::get().to(calendar::ics),
        )
        .route(
            "/appointments/{token}/cancel",
            web::post().to(manage::cancel),
        )
        .route(
            "/appointments/{token}/reschedule",
            web::get().to(manage::reschedule_form),
        )
        .route(
            "/appointments/{token}/reschedule",
            web::post().to(manage::reschedule),
        )
        .route("/unsubscribe/{token}", web::get().to(unsubscribe::show))
        .route("/unsubscribe/{token}", web::post().to(unsubscribe::opt_out))
        // The waitlist (issue 11).
        .route(
            "/waitlist/claim/{token}",
            web::get().to(waitlist::show_claim),
        )
        .route("/waitlist/claim/{token}", web::post().to(waitlist::claim))
        .route(
            "/waitlist/leave/{token}",
            web::get().to(waitlist::show_leave),
        )
        .route("/waitlist/leave/{token}", web::post().to(waitlist::leave))
        .route("/waitlist/{slug}", web::get().to(waitlist::form))
        .route("/waitlist/{slug}", web::post().to(waitlist::join));
}

/// Liveness: answers without touching the database (the benchmark's baseline).
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}
