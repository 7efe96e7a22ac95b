//! HTTP: routes, thin handlers, and the page structs templates render.

pub mod api;
pub mod cache;
pub mod consent_source;
pub mod error_pages;
pub mod forms;
pub mod headers;
pub mod outcome;
pub mod public;
pub mod rate_limit;
pub mod staff;
pub mod views;

use std::sync::Arc;

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::config::{Clock, Settings};
use crate::db::{DbConnection, Pool};
use crate::error::AppError;

/// Shared by every handler (through `web::Data`).
pub struct AppState {
    pub pool: Pool,
    pub settings: Arc<Settings>,
    pub clock: Clock,
    /// Where links point, without a trailing slash.
    pub base_url: String,
    /// The booking page and availability API, between writes.
    pub page_cache: cache::PageCache,
    /// Renders /metrics; None when metrics are off.
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    /// Failed staff logins by client and account (in memory).
    pub login_throttle: crate::service::staff::LoginThrottle,
    /// The cookie key (staff sessions, and the login form's signed CSRF cookie).
    pub cookie_key: actix_web::cookie::Key,
    /// SQLite: the hottest public reads run on the HTTP worker itself (see `read`).
    pub inline_reads: bool,
}

impl AppState {
    /// Runs blocking database work off the async workers.
    pub async fn db<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    {
        let pool = self.pool.clone();
        // The request's span (and so its request id) follows the work onto the blocking thread.
        let span = tracing::Span::current();
        web::block(move || {
            let _entered = span.enter();
            let waited = std::time::Instant::now();
            let conn = pool.get();
            metrics::histogram!("carepath_db_pool_wait_seconds")
                .record(waited.elapsed().as_secs_f64());
            let mut conn = conn?;
            f(&mut conn)
        })
        .await?
    }

    /// A short read on SQLite, run on the HTTP worker itself when a connection is idle: a WAL
    /// reader never waits for a lock, and the two thread hand-offs of `db` (to the blocking pool
    /// and back) cost more than the read. Anywhere else (PostgreSQL, a busy pool) it is `db`.
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    {
        if self.inline_reads
            && let Some(mut conn) = self.pool.try_get()
        {
            metrics::histogram!("carepath_db_pool_wait_seconds").record(0.0);
            return f(&mut conn);
        }
        self.db(f).await
    }

    pub fn manage_url(&self, token: &str) -> String {
        format!("{}/appointments/{token}", self.base_url)
    }
}

/// Runs blocking work that takes database connections itself, as it needs them (so none is held
/// while it hashes a password).
pub async fn blocking<T, F>(state: &web::Data<AppState>, f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&AppState) -> Result<T, AppError> + Send + 'static,
{
    let state = state.clone();
    web::block(move || f(&state)).await?
}

pub fn render(t: &impl Template) -> Result<HttpResponse, AppError> {
    render_status(actix_web::http::StatusCode::OK, t)
}

pub fn render_status(
    status: actix_web::http::StatusCode,
    t: &impl Template,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(t.render()?))
}

pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .finish()
}

/// Every route of the app.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(api::scope()).configure(public::routes);
}
