//! The email side of the console: the message log (with retry and cancel for admins) and the
//! care plan editor with previews.

mod care_plans;
mod messages;

use actix_web::web;

pub use messages::{MessageLine, message_lines};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/messages", web::get().to(messages::list))
        .route("/messages/{id}/retry", web::post().to(messages::retry))
        .route("/messages/{id}/cancel", web::post().to(messages::cancel))
        .route("/care-plans", web::get().to(care_plans::list))
        .route("/care-plans/steps/{id}", web::get().to(care_plans::edit))
        .route("/care-plans/steps/{id}", web::post().to(care_plans::save));
}
