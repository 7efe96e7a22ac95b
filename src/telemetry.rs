//! What an operator watches: logs through `tracing` (text or JSON, a request id on every line of a
//! request), the process-wide Prometheus recorder, and the middleware that times every request.

use std::sync::OnceLock;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing::Instrument;

/// Latency buckets (seconds) for HTTP requests, SMTP sends and pool waits.
const BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Sets up logging once per process: `RUST_LOG` filters (as env_logger did), `json` prints one
/// JSON object per line, and `log::` records are bridged in. Later calls do nothing.
pub fn init_logging(format: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new("info,actix_web=warn,actix_server=warn,tokio_cron_scheduler=warn")
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // `try_init` also installs the `log` → `tracing` bridge.
    let _ = if format.eq_ignore_ascii_case("json") {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.try_init()
    };
}

/// The Prometheus recorder. It is global to the process (tests run many apps in one), so it is
/// installed once and every app renders the same registry.
pub fn metrics_handle() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = match PrometheusBuilder::new().set_buckets(&BUCKETS) {
                Ok(b) => b,
                Err(e) => {
                    log::error!("metrics are off: {e}");
                    return None;
                }
            };
            match builder.install_recorder() {
                Ok(h) => {
                    describe();
                    Some(h)
                }
                Err(e) => {
                    log::error!("metrics are off: {e}");
                    None
                }
            }
        })
        .clone()
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "carepath_http_requests_total",
        "HTTP requests by route pattern, method and status class"
    );
    describe_histogram!(
        "carepath_http_request_duration_seconds",
        "HTTP request latency by route pattern and status class"
    );
    describe_counter!(
        "carepath_bookings_total",
        "Booking attempts by outcome (booked, taken, refused) and reason"
    );
    describe_gauge!("carepath_outbox_messages", "Outbox rows by status");
    describe_gauge!(
        "carepath_outbox_oldest_due_seconds",
        "Age of the oldest message due and not yet sent"
    );
    describe_counter!("carepath_email_sends_total", "Email sends by outcome");
    describe_histogram!(
        "carepath_smtp_send_duration_seconds",
        "Time one email send took"
    );
    describe_gauge!("carepath_db_pool_connections", "Open database connections");
    describe_gauge!("carepath_db_pool_in_use", "Database connections handed out");
    describe_gauge!("carepath_db_pool_max", "The pool's size limit");
    describe_gauge!(
        "carepath_up",
        "1 when the last scrape could read the database, else 0"
    );
    describe_histogram!(
        "carepath_db_pool_wait_seconds",
        "Time spent waiting for a database connection"
    );
}

/// Times every request and gives it a span with a request id, so every log line of the request
/// carries it. Labels are the route *pattern* (never the path, which may hold a secret) and the
/// status class; the request log shows the path with its secrets redacted.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = request_id(&req);
    let method = req.method().to_string();
    let span = tracing::info_span!("request", request_id = %request_id);
    let path = redact_secrets(req.path());
    let result = next.call(req).instrument(span.clone()).await;
    let _entered = span.enter();
    let elapsed = started.elapsed();
    let (status, route) = match &result {
        Ok(res) => (
            res.status().as_u16(),
            res.request()
                .match_pattern()
                .unwrap_or_else(|| "unmatched".into()),
        ),
        Err(e) => (e.as_response_error().status_code().as_u16(), "error".into()),
    };
    let class = format!("{}xx", status / 100);
    let labels = [
        ("route", route),
        ("method", method.clone()),
        ("status", class),
    ];
    metrics::counter!("carepath_http_requests_total", &labels).increment(1);
    metrics::histogram!("carepath_http_request_duration_seconds", &labels)
        .record(elapsed.as_secs_f64());
    if path != "/healthz" && path != "/readyz" && path != "/metrics" {
        tracing::info!(
            target: "carepath::http",
            status,
            method = %method,
            path = %path,
            ms = elapsed.as_millis() as u64,
            "request"
        );
    }
    let mut result = result;
    if let Ok(res) = &mut result
        && let Ok(v) = actix_web::http::header::HeaderValue::from_str(&request_id)
    {
        res.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("x-request-id"),
            v,
        );
    }
    result
}

/// The caller's `X-Request-Id` when it is a short plain token (a proxy's id), else a new one.
fn request_id(req: &ServiceRequest) -> String {
    use rand::Rng;
    let given = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
    match given {
        Some(v) => v.to_string(),
        None => format!("{:016x}", rand::rng().random::<u64>()),
    }
}

/// A request path fit for the log: the secrets some links carry (manage links, calendar feeds,
/// unsubscribe links) are replaced, so a log file never grants access to anything.
pub fn redact_secrets(path: &str) -> String {
    const SECRET_AFTER: [&str; 4] = ["appointments", "bookings", "calendar", "unsubscribe"];
    let mut out = Vec::new();
    let mut hide_next = false;
    for (i, segment) in path.split('/').enumerate() {
        // /staff/appointments/{id} holds a plain id, not a secret.
        let staff = path.starts_with("/staff/");
        if hide_next && !staff && !segment.is_empty() {
            out.push("[redacted]".to_string());
        } else {
            out.push(segment.to_string());
        }
        hide_next = i > 0 && SECRET_AFTER.contains(&segment);
    }
    out.join("/")
}

#[cfg(test)]
mod tests {
    use super::redact_secrets;

    #[test]
    fn secrets_in_paths_stay_out_of_the_log() {
        assert_eq!(
            redact_secrets("/appointments/abcDEF123/cancel"),
            "/appointments/[redacted]/cancel"
        );
        assert_eq!(
            redact_secrets("/api/v1/bookings/abc"),
            "/api/v1/bookings/[redacted]"
        );
        assert_eq!(redact_secrets("/calendar/tok.ics"), "/calendar/[redacted]");
        assert_eq!(
            redact_secrets("/unsubscribe/tok"),
            "/unsubscribe/[redacted]"
        );
        assert_eq!(redact_secrets("/api/v1/bookings"), "/api/v1/bookings");
        assert_eq!(
            redact_secrets("/staff/appointments/12"),
            "/staff/appointments/12"
        );
        assert_eq!(redact_secrets("/book/chemical-peel"), "/book/chemical-peel");
    }
}
