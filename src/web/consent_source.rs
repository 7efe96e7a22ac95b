//! Where a patient's consent came from: the client address (as the rate limits see it, so a
//! trusted proxy's X-Forwarded-For counts) and the user agent, recorded with the booking.

use actix_web::HttpRequest;

use crate::service::clinical_checks::ConsentGiven;

/// At most this much of a user agent is kept: enough to identify a browser, not a blob.
const MAX_USER_AGENT: usize = 512;

pub fn consent_given(req: &HttpRequest, version: Option<i32>) -> ConsentGiven {
    let user_agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| {
            s.chars()
                .filter(|c| !c.is_control())
                .take(MAX_USER_AGENT)
                .collect::<String>()
        })
        .filter(|s| !s.is_empty());
    ConsentGiven {
        version,
        ip: super::rate_limit::client_of(req).map(|ip| ip.to_string()),
        user_agent,
    }
}
