//! Per-client token buckets (governor) in front of every public POST and the staff login, so one
//! client can't flood bookings, manage links or login. Over the limit: 429 with Retry-After, a
//! page for forms and JSON for the API. The client is the peer, or X-Forwarded-For from a trusted proxy.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};
use askama::Template;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde_json::json;

use crate::config::{IpRange, RateLimitSettings};

/// What a POST is, for its bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Booking,
    Manage,
    Unsubscribe,
    PublicPost,
    Login,
}

/// Which bucket a request draws from; `None` for what isn't limited (reads, signed-in staff work).
pub fn classify(method: &Method, path: &str) -> Option<Kind> {
    if method != Method::POST {
        return None;
    }
    let path = path.trim_end_matches('/');
    let api = path.strip_prefix("/api/v1");
    let parts: Vec<&str> = api.unwrap_or(path).split('/').skip(1).collect();
    Some(match (api.is_some(), parts.as_slice()) {
        (true, ["bookings"])
        | (false, ["book", _])
        | (true, ["waitlist", "claims", _])
        | (false, ["waitlist", "claim", _]) => Kind::Booking,
        (true, ["bookings", _, "cancel" | "reschedule"])
        | (false, ["appointments", _, "cancel" | "reschedule"]) => Kind::Manage,
        (false, ["unsubscribe", _]) => Kind::Unsubscribe,
        (false, ["staff", "login"]) => Kind::Login,
        (false, ["staff", ..]) => return None,
        _ => Kind::PublicPost,
    })
}

struct Bucket {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    checks: AtomicU64,
}

impl Bucket {
    fn per_minute(n: u32) -> Self {
        let n = NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        Self {
            limiter: RateLimiter::keyed(Quota::per_minute(n)),
            checks: AtomicU64::new(0),
        }
    }

    /// `Err(seconds to wait)` when this client's bucket is empty.
    fn check(&self, client: IpAddr) -> Result<(), u64> {
        // Forget clients whose buckets are full again, now and then, so memory stays bounded.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&client).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

/// The buckets of one app (shared by all its workers).
pub struct RateLimits {
    enabled: bool,
    trusted: Vec<IpRange>,
    booking: Bucket,
    manage: Bucket,
    unsubscribe: Bucket,
    public_post: Bucket,
    login: Bucket,
}

impl RateLimits {
    pub fn new(s: &RateLimitSettings) -> Self {
        Self {
            enabled: s.enabled,
            trusted: s.trusted_proxies.clone(),
            booking: Bucket::per_minute(s.booking),
            manage: Bucket::per_minute(s.manage),
            unsubscribe: Bucket::per_minute(s.unsubscribe),
            public_post: Bucket::per_minute(s.public_post),
            login: Bucket::per_minute(s.login),
        }
    }

    fn bucket(&self, kind: Kind) -> &Bucket {
        match kind {
            Kind::Booking => &self.booking,
            Kind::Manage => &self.manage,
            Kind::Unsubscribe => &self.unsubscribe,
            Kind::PublicPost => &self.public_post,
            Kind::Login => &self.login,
        }
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|r| r.contains(ip))
    }

    /// The client: the peer, unless the peer is a trusted proxy; then the right-most address of
    /// X-Forwarded-For that isn't a trusted proxy itself.
    pub fn client(&self, peer: Option<IpAddr>, forwarded_for: Option<&str>) -> Option<IpAddr> {
        let peer = peer?;
        if !self.trusts(peer) {
            return Some(peer);
        }
        let mut client = peer;
        if let Some(header) = forwarded_for {
            for hop in header.rsplit(',') {
                match hop.trim().parse::<IpAddr>() {
                    Ok(ip) => {
                        client = ip;
                        if !self.trusts(ip) {
                            break;
                        }
                    }
                    Err(_) => break,
                }
            }
        }
        Some(client)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct TooMany {
    title: String,
    message: String,
}

fn too_many(api: bool, wait: u64) -> HttpResponse {
    let message = format!(
        "Too many requests from your connection. Please wait {wait} second{} and try again.",
        if wait == 1 { "" } else { "s" }
    );
    let mut r = HttpResponse::build(StatusCode::TOO_MANY_REQUESTS);
    r.insert_header(("Retry-After", wait.to_string()));
    if api {
        return r.json(json!({"error": "rate_limited", "message": message, "retry_after": wait}));
    }
    let page = TooMany {
        title: "Too many requests".into(),
        message,
    };
    match page.render() {
        Ok(body) => r.content_type("text/html; charset=utf-8").body(body),
        Err(_) => r
            .content_type("text/plain; charset=utf-8")
            .body(page.message),
    }
}

/// The client address of a request as every limit sees it (the peer, or X-Forwarded-For from a
/// trusted proxy), so the staff login throttle and the rate limits count the same client.
pub fn client_of(req: &actix_web::HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip());
    let forwarded = req
        .headers()
        .get("X-Forwarded-For")
        .and_then(|v| v.to_str().ok());
    match req.app_data::<web::Data<RateLimits>>() {
        Some(limits) => limits.client(peer, forwarded),
        None => peer,
    }
}

/// The middleware: draws a token for a limited request, or answers 429.
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let refused = match (
        req.app_data::<web::Data<RateLimits>>(),
        classify(req.method(), req.path()),
    ) {
        (Some(limits), Some(kind)) if limits.enabled => {
            let forwarded = req
                .headers()
                .get("X-Forwarded-For")
                .and_then(|v| v.to_str().ok());
            let peer = req.peer_addr().map(|a| a.ip());
            match limits.client(peer, forwarded) {
                Some(ip) => limits.bucket(kind).check(ip).err(),
                None => None,
            }
        }
        _ => None,
    };
    match refused {
        Some(wait) => {
            let api = req.path().starts_with("/api/");
            Ok(req
                .into_response(too_many(api, wait.max(1)))
                .map_into_right_body())
        }
        None => Ok(next.call(req).await?.map_into_left_body()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_fall_into_their_buckets() {
        let post = Method::POST;
        assert_eq!(classify(&post, "/api/v1/bookings"), Some(Kind::Booking));
        assert_eq!(classify(&post, "/book/chemical-peel"), Some(Kind::Booking));
        assert_eq!(
            classify(&post, "/appointments/abc/cancel"),
            Some(Kind::Manage)
        );
        assert_eq!(
            classify(&post, "/api/v1/bookings/abc/reschedule"),
            Some(Kind::Manage)
        );
        assert_eq!(classify(&post, "/unsubscribe/x"), Some(Kind::Unsubscribe));
        assert_eq!(classify(&post, "/staff/login"), Some(Kind::Login));
        assert_eq!(classify(&post, "/staff/appointments/1/cancel"), None);
        assert_eq!(classify(&post, "/anything"), Some(Kind::PublicPost));
        assert_eq!(classify(&Method::GET, "/book/chemical-peel"), None);
    }

    fn parsed(args: &[&str]) -> Result<RateLimitSettings, String> {
        use clap::Parser;
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            s: crate::config::SettingsArgs,
        }
        let cli = Cli::try_parse_from(args).map_err(|e| e.to_string())?;
        crate::config::Settings::from_args(&cli.s).map(|s| s.rate_limits)
    }

    #[test]
    fn limits_are_on_by_default_and_settings_turn_them_off() {
        assert!(parsed(&["carepath"]).expect("defaults").enabled);
        assert!(
            !parsed(&["carepath", "--rate-limits", "off"])
                .expect("off")
                .enabled
        );
        assert!(parsed(&["carepath", "--rate-limits", "maybe"]).is_err());
        assert!(parsed(&["carepath", "--trusted-proxies", "10.0.0.0/40"]).is_err());
        let s = parsed(&["carepath", "--trusted-proxies", "10.0.0.0/8, ::1"]).expect("proxies");
        assert_eq!(s.trusted_proxies.len(), 2);
        assert!(parsed(&["carepath", "--rate-booking-per-minute", "0"]).is_err());
    }

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        let mut s = crate::config::Settings::for_database("x.db")
            .expect("defaults")
            .rate_limits;
        s.trusted_proxies = vec![IpRange::parse("10.0.0.0/8").expect("range")];
        let l = RateLimits::new(&s);
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        let xff = Some("203.0.113.9, 10.1.1.1");
        assert_eq!(l.client(Some(ip("10.0.0.2")), xff), Some(ip("203.0.113.9")));
        assert_eq!(
            l.client(Some(ip("198.51.100.7")), xff),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(l.client(Some(ip("10.0.0.2")), None), Some(ip("10.0.0.2")));
    }
}
