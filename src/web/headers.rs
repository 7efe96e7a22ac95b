//! Security headers on every answer: a strict Content-Security-Policy, nosniff, HSTS when the
//! site is served over https, and `Cache-Control: no-store` on everything behind a token or a login.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, HeaderValue, STRICT_TRANSPORT_SECURITY,
    X_CONTENT_TYPE_OPTIONS,
};
use actix_web::middleware::Next;
use actix_web::web;

use crate::web::AppState;

/// Only our own stylesheets, images and forms; no plugins, no <base>, no framing by anyone.
/// Inline `style` attributes stay allowed (the schedule grid places blocks with them, and the
/// care-plan email preview — an `<iframe sandbox srcdoc>` that inherits this policy — renders
/// emails' inline styles); `<style>` elements and every script from elsewhere or inline don't.
pub const CSP: &str = "default-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; \
     img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; form-action 'self'; \
     base-uri 'none'";

/// One year; browsers remember to use https only.
const HSTS: &str = "max-age=31536000";

/// Paths whose answers carry a secret or a logged-in person's data: never kept by a browser's
/// or a proxy's cache.
pub fn private_path(path: &str) -> bool {
    path == "/staff"
        || path.starts_with("/staff/")
        || path.starts_with("/appointments/")
        || path.starts_with("/api/v1/bookings")
        || path.starts_with("/calendar/")
        || path.starts_with("/unsubscribe/")
}

pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let private = private_path(req.path());
    let https = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.base_url.starts_with("https://"));
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if https {
        h.insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    if private {
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}
