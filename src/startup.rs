//! Builds the running app: database ready (migrated, seeded), pool, HTTP server bound.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, DefaultHeaders, from_fn};
use actix_web::{App, HttpServer, web};

use crate::config::{Clock, Settings};
use crate::db::models::to_db;
use crate::db::seed::{SeedOptions, seed_if_empty};
use crate::db::{self, Pool};
use crate::dispatch::Dispatcher;
use crate::error::AppError;
use crate::mail::Mailer;
use crate::web::staff::{self, session_store::DbSessionStore};
use crate::web::{AppState, routes};
use actix_web::cookie::Key;

/// Largest form or JSON body accepted anywhere.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Migrates and, on an empty database, seeds the demo clinic. Returns the pool.
pub fn prepare_database(settings: &Settings, clock: &Clock) -> Result<Pool, String> {
    if settings.database.backend == db::Backend::Sqlite
        && let Some(parent) = std::path::Path::new(&settings.database.target).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let pool = db::build_pool_with_timeout(
        &settings.database,
        settings.pool_size,
        settings.db_connect_timeout,
    )?;
    let mut conn = pool
        .get()
        .map_err(|e| format!("cannot connect to the database: {e}"))?;
    let applied = db::run_migrations(&mut conn)?;
    if !applied.is_empty() {
        log::info!("applied migrations: {}", applied.join(", "));
    }
    let opts = SeedOptions {
        timezone: settings.timezone.name(),
        rules: settings.rules,
        cancel_cutoff_hours: settings.cancel_cutoff.num_hours() as i32,
        mail_window: settings.mail.send_window.unwrap_or((8 * 60, 20 * 60)),
        now: to_db(clock.now()),
    };
    if seed_if_empty(&mut conn, &opts).map_err(|e| format!("seeding failed: {e}"))? {
        log::info!("seeded the demo clinic ({})", settings.timezone.name());
    }
    if let Some(window) = settings.mail.send_window {
        db::with_startup_lock(&mut conn, |c| {
            Ok(crate::service::messages::apply_configured_window(
                c,
                clock.now(),
                window,
            ))
        })
        .map_err(|e| format!("saving CAREPATH_QUIET_HOURS failed: {e}"))?
        .map_err(|e| format!("saving CAREPATH_QUIET_HOURS failed: {e}"))?;
    }
    db::with_startup_lock(&mut conn, |c| {
        db::seed::care_plans::seed_if_empty(c, to_db(clock.now()))
    })
    .map_err(|e| format!("seeding care plans failed: {e}"))?;
    // After the care plans: it adds the consultation's plan and a conditional preparation step.
    db::with_startup_lock(&mut conn, |c| {
        db::seed::clinical::seed_if_empty(c, to_db(clock.now()))
    })
    .map_err(|e| format!("seeding screening and consent failed: {e}"))?;
    let created = db::with_startup_lock(&mut conn, |c| {
        Ok(crate::service::staff::ensure_initial_admin(
            c,
            clock.now(),
            &settings.admin_email,
            settings.admin_password.as_deref(),
        ))
    })
    .map_err(|e| format!("creating the first admin failed: {e}"))?
    .map_err(|e| format!("creating the first admin failed: {e}"))?;
    if let Some((email, password)) = created {
        // Shown once, on the console only (not through the logger): the admin must change it
        // at first login.
        println!(
            "Created the first staff account: {email}\nOne-time password: {password}\n\
             Log in at /staff/login and choose your own password."
        );
    }
    Ok(pool)
}

/// The staff cookie key: CAREPATH_SECRET_KEY, or one generated once and kept in the database.
pub fn session_key(pool: &Pool, settings: &Settings) -> Result<Key, String> {
    let bytes = match &settings.secret_key {
        Some(k) => k.clone(),
        None => {
            use base64::Engine;
            use rand::RngCore;
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            let stored = db::staff::secret(&mut conn, "session_key", || {
                let mut b = [0u8; 64];
                rand::rng().fill_bytes(&mut b);
                base64::engine::general_purpose::STANDARD.encode(b)
            })
            .map_err(|e| e.to_string())?;
            base64::engine::general_purpose::STANDARD
                .decode(stored)
                .map_err(|e| e.to_string())?
        }
    };
    Key::try_from(bytes.as_slice()).map_err(|e| format!("session key: {e}"))
}

/// The in-process dispatcher: its clock and the dispatcher it ticks.
pub struct DispatchRunner {
    scheduler: tokio_cron_scheduler::JobScheduler,
    dispatcher: Dispatcher,
}

impl DispatchRunner {
    /// Shutdown: no new ticks, claims or sends; the pass in flight finishes its sends (at most
    /// `bound`), records them and releases the rows it did not send, so another instance can
    /// take them at once.
    pub async fn shutdown(mut self, bound: std::time::Duration) {
        self.dispatcher.stop();
        let _ = self.scheduler.shutdown().await;
        if self.dispatcher.drain(bound).await {
            log::info!("email dispatch stopped cleanly");
        } else {
            log::warn!("email dispatch still busy after {bound:?}; its leases will expire");
        }
        self.dispatcher.mailer.close().await;
    }
}

/// How often expired sessions are purged.
const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// One purge pass (see `Application::purge_job`); tests call it directly.
pub async fn purge(state: &web::Data<AppState>) -> Result<usize, AppError> {
    let now = state.clock.now();
    let unknown = state.login_throttle.tick(now);
    if unknown > 0 {
        log::warn!("{unknown} failed staff login(s) for unknown emails in the last minutes");
    }
    state
        .db(move |c| crate::service::staff::sessions::purge_expired(c, now))
        .await
}

pub struct Application {
    server: Server,
    port: u16,
    pub state: web::Data<AppState>,
    pub mailer: Mailer,
}

impl Application {
    pub fn build(settings: Settings, clock: Clock) -> Result<Self, String> {
        // A bad SMTP_URL or From address stops the start, before anything is served.
        let mailer = Mailer::from_settings(&settings.mail)?;
        let pool = prepare_database(&settings, &clock)?;
        let key = session_key(&pool, &settings)?;
        let store = DbSessionStore {
            pool: pool.clone(),
            clock: clock.clone(),
            inline_reads: settings.database.backend == crate::db::Backend::Sqlite,
        };
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|e| format!("cannot listen on {}: {e}", settings.bind))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let base_url = settings
            .base_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"));
        let secure_cookies = base_url.starts_with("https://");
        let workers = settings.workers;
        let shutdown_timeout = settings.shutdown_timeout;
        let metrics = settings
            .metrics_token
            .as_ref()
            .and_then(|_| crate::telemetry::metrics_handle());
        crate::db::writer::set_group_commit(settings.group_commit);
        let limits = web::Data::new(crate::web::rate_limit::RateLimits::new(
            &settings.rate_limits,
        ));
        let state = web::Data::new(AppState {
            inline_reads: settings.database.backend == crate::db::Backend::Sqlite,
            page_cache: crate::web::cache::PageCache::new(settings.page_cache),
            pool,
            settings: Arc::new(settings),
            clock,
            base_url,
            metrics,
            login_throttle: Default::default(),
            cookie_key: key.clone(),
        });
        let shared = state.clone();
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
                .app_data(limits.clone())
                // Innermost: 404/403 pages get the site's frame before any header is added.
                .wrap(actix_web::middleware::from_fn(
                    crate::web::error_pages::dress,
                ))
                .wrap(actix_web::middleware::from_fn(
                    crate::web::rate_limit::guard,
                ))
                .wrap(
                    DefaultHeaders::new()
                        .add(("X-Frame-Options", "DENY"))
                        // Manage links carry their secret in the path: never send it onwards.
                        .add(("Referrer-Policy", "no-referrer")),
                )
                .wrap(actix_web::middleware::from_fn(
                    crate::web::headers::security_headers,
                ))
                .wrap(Compress::default())
                .wrap(from_fn(crate::telemetry::observe))
                .service(
                    web::scope("/staff")
                        .wrap(staff::session_middleware(
                            store.clone(),
                            key.clone(),
                            secure_cookies,
                        ))
                        .configure(staff::routes),
                )
                .configure(routes)
                .default_service(web::to(|| async {
                    Err::<actix_web::HttpResponse, _>(AppError::NotFound("page"))
                }))
        })
        .shutdown_timeout(shutdown_timeout.as_secs())
        .listen(listener)
        .map_err(|e| e.to_string())?;
        if let Some(n) = workers {
            server = server.workers(n.max(1));
        }
        Ok(Self {
            server: server.run(),
            port: addr.port(),
            state,
            mailer,
        })
    }

    /// A dispatcher over this app's pool and mailer.
    pub fn dispatcher(&self) -> Dispatcher {
        Dispatcher::new(
            self.state.pool.clone(),
            self.mailer.clone(),
            &self.state.settings.mail,
            &self.state.base_url,
        )
    }

    /// `serve` only (tests call `dispatch_due` themselves): every CAREPATH_DISPATCH_SECONDS a
    /// dispatch pass at the clock's now. tokio-cron-scheduler is only the clock; the outbox is
    /// the queue, so every instance may tick and the claim sends each message once.
    pub async fn start_dispatcher(&self) -> Result<Option<DispatchRunner>, String> {
        use tokio_cron_scheduler::{Job, JobScheduler};
        let every = self.state.settings.mail.dispatch_seconds;
        log::info!("email goes to {}", self.mailer.describe());
        if every == 0 {
            log::info!("in-process email dispatch is off (CAREPATH_DISPATCH_SECONDS=0)");
            return Ok(None);
        }
        let dispatcher = self.dispatcher();
        let instance = dispatcher.instance.clone();
        let clock = self.state.clock.clone();
        let ticking = dispatcher.clone();
        let job = Job::new_repeated_async(std::time::Duration::from_secs(every), move |_, _| {
            let (d, now) = (ticking.clone(), clock.now());
            Box::pin(async move {
                match d.tick(now).await {
                    // The previous pass is still going (it loops until nothing is due), or
                    // the pause after failed passes is not over (`tick` logs outages).
                    None => log::debug!("email dispatch tick skipped"),
                    Some(Ok(r)) if r.claimed > 0 => log::info!("email dispatch: {r}"),
                    Some(Ok(_)) | Some(Err(_)) => {}
                }
            })
        })
        .map_err(|e| format!("cannot schedule email dispatch: {e}"))?;
        let scheduler = JobScheduler::new()
            .await
            .map_err(|e| format!("cannot start the scheduler: {e}"))?;
        scheduler
            .add(job)
            .await
            .map_err(|e| format!("cannot schedule email dispatch: {e}"))?;
        scheduler
            .start()
            .await
            .map_err(|e| format!("cannot start the scheduler: {e}"))?;
        log::info!("dispatching due email every {every}s as {instance}");
        Ok(Some(DispatchRunner {
            scheduler,
            dispatcher,
        }))
    }

    pub fn shutdown_timeout(&self) -> std::time::Duration {
        self.state.settings.shutdown_timeout
    }

    /// `serve` only (tests call `service::privacy::run_retention` and `purge` themselves): the
    /// housekeeping clock — the retention job, daily at 03:30 UTC, and the session purge every
    /// few minutes (whether or not this instance dispatches email). Each instance may run it; a second run the same night finds
    /// nothing left to erase.
    pub async fn start_retention(&self) -> Result<tokio_cron_scheduler::JobScheduler, String> {
        use tokio_cron_scheduler::{Job, JobScheduler};
        let (pool, clock) = (self.state.pool.clone(), self.state.clock.clone());
        let job = Job::new_async("0 30 3 * * *", move |_, _| {
            let (pool, now) = (pool.clone(), clock.now());
            Box::pin(async move {
                let run = tokio::task::spawn_blocking(move || {
                    let mut conn = pool.get().map_err(|e| e.to_string())?;
                    crate::service::privacy::run_retention(&mut conn, now)
                        .map_err(|e| e.to_string())
                })
                .await;
                match run {
                    Ok(Ok(report)) => log::info!("retention: {report}"),
                    Ok(Err(e)) => log::error!("retention job failed: {e}"),
                    Err(e) => log::error!("retention job failed: {e}"),
                }
            })
        })
        .map_err(|e| format!("cannot schedule the retention job: {e}"))?;
        let scheduler = JobScheduler::new()
            .await
            .map_err(|e| format!("cannot start the scheduler: {e}"))?;
        scheduler
            .add(job)
            .await
            .map_err(|e| format!("cannot schedule the retention job: {e}"))?;
        scheduler
            .add(self.purge_job()?)
            .await
            .map_err(|e| format!("cannot schedule purges: {e}"))?;
        scheduler
            .start()
            .await
            .map_err(|e| format!("cannot start the scheduler: {e}"))?;
        Ok(scheduler)
    }

    /// Every few minutes: expired staff sessions go (by their indexed expiry), the login
    /// throttle forgets quiet clients, and attempts at unknown staff emails are logged as one count.
    fn purge_job(&self) -> Result<tokio_cron_scheduler::Job, String> {
        let state = self.state.clone();
        tokio_cron_scheduler::Job::new_repeated_async(PURGE_EVERY, move |_, _| {
            let state = state.clone();
            Box::pin(async move {
                if let Err(e) = purge(&state).await {
                    log::error!("purge failed: {e}");
                }
            })
        })
        .map_err(|e| format!("cannot schedule purges: {e}"))
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
