//! For the orchestrator and Prometheus: readiness (database up, schema current) and metrics
//! behind a bearer token.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::service::health;
use crate::web::AppState;

/// Readiness: 200 only when the database answers and its migrations are current.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.db(health::readiness).await {
        Ok(Ok(())) => HttpResponse::Ok().content_type("text/plain").body("ready"),
        Ok(Err(why)) => {
            log::warn!("not ready: {why}");
            not_ready()
        }
        Err(e) => {
            log::warn!("not ready: {e}");
            not_ready()
        }
    }
}

fn not_ready() -> HttpResponse {
    HttpResponse::ServiceUnavailable()
        .content_type("text/plain")
        .body("not ready")
}

/// Prometheus text. Not served at all without CAREPATH_METRICS_TOKEN; 401 for a wrong token.
pub async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let (Some(expected), Some(handle)) = (&state.settings.metrics_token, &state.metrics) else {
        return HttpResponse::NotFound().finish();
    };
    let given = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !same(given.trim().as_bytes(), expected.as_bytes()) {
        return HttpResponse::Unauthorized()
            .insert_header(("WWW-Authenticate", "Bearer"))
            .finish();
    }
    let pool = state.pool.state();
    metrics::gauge!("carepath_db_pool_connections").set(f64::from(pool.connections));
    metrics::gauge!("carepath_db_pool_in_use")
        .set(f64::from(pool.connections - pool.idle_connections));
    metrics::gauge!("carepath_db_pool_max").set(f64::from(state.pool.max_size()));
    let now = state.clock.now();
    match state.db(move |c| health::outbox_gauges(c, now)).await {
        Ok(g) => {
            for status in crate::domain::outbox::OutboxStatus::ALL {
                let n = g
                    .by_status
                    .iter()
                    .find(|(s, _)| s == status.as_str())
                    .map_or(0, |(_, n)| *n);
                metrics::gauge!("carepath_outbox_messages", "status" => status.as_str())
                    .set(n as f64);
            }
            metrics::gauge!("carepath_outbox_oldest_due_seconds").set(g.oldest_due_seconds);
            metrics::gauge!("carepath_up").set(1.0);
        }
        // The scrape still answers: the HTTP and pool figures say what is wrong.
        Err(e) => {
            log::warn!("metrics: outbox figures unavailable: {e}");
            metrics::gauge!("carepath_up").set(0.0);
        }
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(handle.render())
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
