//! JSON API under /api/v1: the same services and rules as the pages.

mod availability;
mod availability_month;
mod body;
mod bookings;
mod json;
mod treatments;
mod waitlist;

use actix_web::{HttpRequest, web};

use crate::error::{ApiError, AppError, api_bad_request};

/// Largest JSON body accepted; a booking is well under 1 KiB.
pub const MAX_JSON_BYTES: usize = 16 * 1024;

pub fn scope() -> actix_web::Scope {
    web::scope("/api/v1")
        .app_data(
            web::JsonConfig::default()
                .limit(MAX_JSON_BYTES)
                .error_handler(|e, _req: &HttpRequest| {
                    use actix_web::error::JsonPayloadError as J;
                    match e {
                        J::Overflow { .. } | J::OverflowKnownLength { .. } => {
                            ApiError(AppError::BadRequest(format!(
                                "The body is larger than {MAX_JSON_BYTES} bytes."
                            )))
                            .into()
                        }
                        J::ContentType => api_bad_request(
                            "Send the body as JSON with Content-Type: application/json.".into(),
                        ),
                        J::Deserialize(e) => {
                            api_bad_request(format!("The body is not valid JSON: {e}"))
                        }
                        other => api_bad_request(format!("The body could not be read: {other}")),
                    }
                }),
        )
        .route("/treatments", web::get().to(treatments::list))
        .route("/availability", web::get().to(availability::day))
        .route(
            "/availability/month",
            web::get().to(availability_month::month),
        )
        .route("/bookings", web::post().to(bookings::create))
        .route("/bookings/{token}", web::get().to(bookings::show))
        .route("/bookings/{token}/cancel", web::post().to(bookings::cancel))
        .route(
            "/bookings/{token}/reschedule",
            web::post().to(bookings::reschedule),
        )
        .route("/waitlist", web::post().to(waitlist::join))
        .route("/waitlist/claims/{token}", web::get().to(waitlist::offer))
        .route("/waitlist/claims/{token}", web::post().to(waitlist::claim))
        .route("/waitlist/leave/{token}", web::post().to(waitlist::leave))
        .route("/waitlist/leave/{token}", web::delete().to(waitlist::leave))
        .default_service(web::to(|| async {
            Err::<actix_web::HttpResponse, _>(ApiError(AppError::NotFound("endpoint")))
        }))
}
