//! Settings from the environment (or the matching command-line flags), with defaults that let a
//! fresh clone run with no configuration at all.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use crate::db::DatabaseUrl;
use crate::domain::availability::BookingRules;

#[derive(Debug, Clone, clap::Args)]
pub struct SettingsArgs {
    /// SQLite file path (or sqlite://PATH), or postgres://… for PostgreSQL.
    #[arg(long, env = "DATABASE_URL", default_value = "carepath.db")]
    pub database_url: String,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "CAREPATH_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Public address used in links (manage links, calendar files). Default: http://BIND.
    #[arg(long, env = "CAREPATH_BASE_URL")]
    pub base_url: Option<String>,
    /// The demo clinic's IANA time zone, used when a fresh database is seeded.
    #[arg(long, env = "CAREPATH_TIMEZONE", default_value = "Europe/London")]
    pub timezone: String,
    /// How many days ahead patients may book.
    #[arg(long, env = "CAREPATH_HORIZON_DAYS", default_value_t = 90)]
    pub horizon_days: u32,
    /// The earliest a booking may start, in minutes from now.
    #[arg(long, env = "CAREPATH_LEAD_TIME_MINUTES", default_value_t = 60)]
    pub lead_time_minutes: u32,
    /// Slots start on multiples of this many minutes past the hour.
    #[arg(long, env = "CAREPATH_SLOT_MINUTES", default_value_t = 15)]
    pub slot_minutes: u16,
    /// Patients can cancel or reschedule online until this many hours before the start.
    #[arg(long, env = "CAREPATH_CANCEL_CUTOFF_HOURS", default_value_t = 24)]
    pub cancel_cutoff_hours: u32,
    /// Database connections kept open.
    #[arg(long, env = "CAREPATH_DB_POOL_SIZE", default_value_t = 16)]
    pub db_pool_size: u32,
    /// Seconds a request waits for a database connection before it answers 503 (an outage
    /// shows at once instead of hanging every request).
    #[arg(long, env = "CAREPATH_DB_CONNECT_TIMEOUT_SECONDS", default_value_t = 2)]
    pub db_connect_timeout_seconds: u64,
    /// Serve Prometheus metrics at /metrics to requests with `Authorization: Bearer <this>`.
    /// Unset: /metrics is not served (404).
    #[arg(long, env = "CAREPATH_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// `text` (default) or `json` (one JSON object per log line).
    #[arg(long, env = "CAREPATH_LOG_FORMAT", default_value = "text")]
    pub log_format: String,
    /// On SIGTERM, seconds requests in flight get to finish before they are dropped.
    #[arg(long, env = "CAREPATH_SHUTDOWN_SECONDS", default_value_t = 30)]
    pub shutdown_seconds: u64,
    /// HTTP worker threads (default: one per CPU core).
    #[arg(long, env = "CAREPATH_WORKERS")]
    pub workers: Option<usize>,
    /// Seconds the booking page and availability API may be served from memory when another
    /// instance wrote since (this instance's own writes clear it at once); 0 (the default) turns
    /// it off: the pages are fast without it (see README "Benchmark").
    #[arg(long, env = "CAREPATH_PAGE_CACHE_SECONDS", default_value_t = 0)]
    pub page_cache_seconds: u64,
    /// SQLite: bookings queued at the same moment share one write transaction (group commit,
    /// each in its own savepoint); `off` gives every booking its own (for comparing).
    #[arg(long, env = "CAREPATH_GROUP_COMMIT", default_value = "on")]
    pub group_commit: String,
    /// Email of the admin account created on a database with no staff.
    #[arg(
        long,
        env = "CAREPATH_ADMIN_EMAIL",
        default_value = "admin@example.org"
    )]
    pub admin_email: String,
    /// Password for that first admin; without it a one-time password is generated and printed once.
    #[arg(long, env = "CAREPATH_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,
    /// Key for the staff session cookie (base64, at least 64 bytes). Default: generated once and
    /// kept in the database, so every instance shares it.
    #[arg(long, env = "CAREPATH_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
    /// Where email goes: smtp://host:port (plain, e.g. a local relay), smtp://…?tls=starttls,
    /// smtps://host:465 (implicit TLS), with optional user:password@. Unset: .eml files.
    #[arg(long, env = "SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The From address of every email.
    #[arg(
        long,
        env = "CAREPATH_MAIL_FROM",
        default_value = "Carepath Skin Clinic <no-reply@carepath.example>"
    )]
    pub mail_from: String,
    /// Folder for .eml files when SMTP_URL is not set.
    #[arg(long, env = "CAREPATH_MAIL_DIR", default_value = "outbox")]
    pub mail_dir: String,
    /// Seconds between dispatcher ticks (0 turns the in-process dispatcher off).
    #[arg(long, env = "CAREPATH_DISPATCH_SECONDS", default_value_t = 5)]
    pub dispatch_seconds: u64,
    /// Messages claimed per tick.
    #[arg(long, env = "CAREPATH_DISPATCH_BATCH", default_value_t = 500)]
    pub dispatch_batch: u32,
    /// SMTP connections kept open and used in parallel.
    #[arg(long, env = "CAREPATH_SMTP_CONNECTIONS", default_value_t = 4)]
    pub smtp_connections: u32,
    /// Attempts before a message is marked dead.
    #[arg(long, env = "CAREPATH_MAX_ATTEMPTS", default_value_t = 8)]
    pub max_attempts: u32,
    /// Hours when non-urgent email may go out, clinic time (HH:MM-HH:MM; default 08:00-20:00).
    /// When set, it is written to the clinic's settings at start.
    #[arg(long, env = "CAREPATH_QUIET_HOURS")]
    pub send_window: Option<String>,
    #[command(flatten)]
    pub rate_limits: RateLimitArgs,
}

/// Per-client token buckets on public POSTs and the staff login (see README, Security).
#[derive(Debug, Clone, clap::Args)]
pub struct RateLimitArgs {
    /// `on` (default) or `off` (benchmarks, load tests).
    #[arg(long, env = "CAREPATH_RATE_LIMITS", default_value = "on")]
    pub rate_limits: String,
    /// Bookings (form and API) per client per minute, also the burst.
    #[arg(long, env = "CAREPATH_RATE_BOOKING_PER_MINUTE", default_value_t = 5)]
    pub rate_booking_per_minute: u32,
    /// Cancel and reschedule POSTs (manage link and API) per client per minute.
    #[arg(long, env = "CAREPATH_RATE_MANAGE_PER_MINUTE", default_value_t = 10)]
    pub rate_manage_per_minute: u32,
    /// Unsubscribe POSTs per client per minute.
    #[arg(
        long,
        env = "CAREPATH_RATE_UNSUBSCRIBE_PER_MINUTE",
        default_value_t = 10
    )]
    pub rate_unsubscribe_per_minute: u32,
    /// Any other public POST per client per minute.
    #[arg(
        long,
        env = "CAREPATH_RATE_PUBLIC_POST_PER_MINUTE",
        default_value_t = 20
    )]
    pub rate_public_post_per_minute: u32,
    /// Staff login POSTs per client per minute.
    #[arg(long, env = "CAREPATH_RATE_LOGIN_PER_MINUTE", default_value_t = 10)]
    pub rate_login_per_minute: u32,
    /// Proxies (IPs or CIDR ranges, comma-separated) whose X-Forwarded-For is believed.
    #[arg(long, env = "CAREPATH_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,
}

/// The rate limits in force: requests per client per minute for each kind of POST.
#[derive(Debug, Clone)]
pub struct RateLimitSettings {
    pub enabled: bool,
    pub booking: u32,
    pub manage: u32,
    pub unsubscribe: u32,
    pub public_post: u32,
    pub login: u32,
    pub trusted_proxies: Vec<IpRange>,
}

impl RateLimitSettings {
    fn parse(a: &RateLimitArgs) -> Result<Self, String> {
        let enabled = match a.rate_limits.trim().to_ascii_lowercase().as_str() {
            "" | "on" | "true" | "1" | "yes" => true,
            "off" | "false" | "0" | "no" => false,
            other => {
                return Err(format!(
                    "CAREPATH_RATE_LIMITS must be on or off, not '{other}'"
                ));
            }
        };
        let per_minute = |name: &str, n: u32| {
            if (1..=100_000).contains(&n) {
                Ok(n)
            } else {
                Err(format!("{name} must be between 1 and 100000"))
            }
        };
        let trusted_proxies = a
            .trusted_proxies
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                IpRange::parse(s).ok_or_else(|| {
                    format!("CAREPATH_TRUSTED_PROXIES: '{s}' is not an IP address or CIDR range")
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            enabled,
            booking: per_minute(
                "CAREPATH_RATE_BOOKING_PER_MINUTE",
                a.rate_booking_per_minute,
            )?,
            manage: per_minute("CAREPATH_RATE_MANAGE_PER_MINUTE", a.rate_manage_per_minute)?,
            unsubscribe: per_minute(
                "CAREPATH_RATE_UNSUBSCRIBE_PER_MINUTE",
                a.rate_unsubscribe_per_minute,
            )?,
            public_post: per_minute(
                "CAREPATH_RATE_PUBLIC_POST_PER_MINUTE",
                a.rate_public_post_per_minute,
            )?,
            login: per_minute("CAREPATH_RATE_LOGIN_PER_MINUTE", a.rate_login_per_minute)?,
            trusted_proxies,
        })
    }
}

/// An IP address or a CIDR range of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    addr: std::net::IpAddr,
    prefix: u8,
}

impl IpRange {
    pub fn parse(s: &str) -> Option<Self> {
        let (ip, prefix) = match s.split_once('/') {
            Some((ip, p)) => (ip.parse().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (s.parse().ok()?, None),
        };
        let max = match ip {
            std::net::IpAddr::V4(_) => 32,
            std::net::IpAddr::V6(_) => 128,
        };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Self { addr: ip, prefix })
    }

    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr::{V4, V6};
        let ip = match ip {
            V6(v6) => v6.to_ipv4_mapped().map(V4).unwrap_or(V6(v6)),
            v4 => v4,
        };
        match (self.addr, ip) {
            (V4(a), V4(b)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(a) & mask == u32::from(b) & mask
            }
            (V6(a), V6(b)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(a) & mask == u128::from(b) & mask
            }
            _ => false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database: DatabaseUrl,
    pub bind: String,
    pub base_url: Option<String>,
    pub timezone: Tz,
    pub rules: BookingRules,
    pub cancel_cutoff: Duration,
    pub pool_size: u32,
    pub db_connect_timeout: std::time::Duration,
    pub metrics_token: Option<String>,
    pub shutdown_timeout: std::time::Duration,
    pub workers: Option<usize>,
    pub page_cache: std::time::Duration,
    /// Whether bookings on SQLite share write transactions (see `db::writer`).
    pub group_commit: bool,
    pub admin_email: String,
    pub admin_password: Option<String>,
    pub secret_key: Option<Vec<u8>>,
    pub mail: MailSettings,
    pub rate_limits: RateLimitSettings,
}

/// Email and dispatcher settings.
#[derive(Debug, Clone)]
pub struct MailSettings {
    pub smtp_url: Option<String>,
    pub from: String,
    pub dir: String,
    pub dispatch_seconds: u64,
    pub batch: u32,
    pub connections: u32,
    pub max_attempts: u32,
    /// The daily window (local minutes, start inclusive, end exclusive) non-urgent mail may go,
    /// when set explicitly (otherwise the clinic keeps what it has; 08:00–20:00 when new).
    pub send_window: Option<(u16, u16)>,
}

impl Settings {
    pub fn from_args(a: &SettingsArgs) -> Result<Self, String> {
        let database =
            DatabaseUrl::parse(&a.database_url).map_err(|e| format!("DATABASE_URL: {e}"))?;
        let timezone: Tz = a.timezone.parse().map_err(|_| {
            format!(
                "CAREPATH_TIMEZONE: '{}' is not an IANA time zone (e.g. Europe/London)",
                a.timezone
            )
        })?;
        if !(1..=120).contains(&a.slot_minutes)
            || !60u16.is_multiple_of(a.slot_minutes) && !a.slot_minutes.is_multiple_of(60)
        {
            return Err(
                "CAREPATH_SLOT_MINUTES must divide an hour (5, 10, 15, 20, 30, 60 …)".into(),
            );
        }
        if a.horizon_days == 0 || a.horizon_days > 3650 {
            return Err("CAREPATH_HORIZON_DAYS must be between 1 and 3650".into());
        }
        if a.db_pool_size == 0 {
            return Err("CAREPATH_DB_POOL_SIZE must be at least 1".into());
        }
        if !(1..=60).contains(&a.db_connect_timeout_seconds) {
            return Err("CAREPATH_DB_CONNECT_TIMEOUT_SECONDS must be between 1 and 60".into());
        }
        let metrics_token = a
            .metrics_token
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        let secret_key = match a
            .secret_key
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            None => None,
            Some(k) => {
                use base64::Engine;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(k)
                    .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(k))
                    .map_err(|_| "CAREPATH_SECRET_KEY must be base64".to_string())?;
                if bytes.len() < 64 {
                    return Err("CAREPATH_SECRET_KEY must decode to at least 64 bytes".into());
                }
                Some(bytes)
            }
        };
        let base_url = a
            .base_url
            .as_ref()
            .map(|u| u.trim_end_matches('/').to_string())
            .filter(|u| !u.is_empty());
        if let Some(u) = &base_url
            && !(u.starts_with("http://") || u.starts_with("https://"))
        {
            return Err("CAREPATH_BASE_URL must start with http:// or https://".into());
        }
        Ok(Self {
            database,
            bind: a.bind.clone(),
            base_url,
            timezone,
            rules: BookingRules {
                grid_minutes: a.slot_minutes,
                lead_time: Duration::minutes(i64::from(a.lead_time_minutes)),
                horizon_days: a.horizon_days,
            },
            cancel_cutoff: Duration::hours(i64::from(a.cancel_cutoff_hours)),
            pool_size: a.db_pool_size,
            db_connect_timeout: std::time::Duration::from_secs(a.db_connect_timeout_seconds),
            metrics_token,
            shutdown_timeout: std::time::Duration::from_secs(a.shutdown_seconds.min(600)),
            workers: a.workers,
            page_cache: std::time::Duration::from_secs(a.page_cache_seconds.min(3600)),
            group_commit: match a.group_commit.trim() {
                "on" | "" => true,
                "off" => false,
                other => {
                    return Err(format!(
                        "CAREPATH_GROUP_COMMIT must be on or off, not '{other}'"
                    ));
                }
            },
            admin_email: a.admin_email.trim().to_string(),
            admin_password: a.admin_password.clone().filter(|p| !p.is_empty()),
            secret_key,
            mail: MailSettings {
                smtp_url: a.smtp_url.clone().filter(|u| !u.trim().is_empty()),
                from: a.mail_from.clone(),
                dir: a.mail_dir.clone(),
                dispatch_seconds: a.dispatch_seconds,
                batch: a.dispatch_batch.max(1),
                connections: a.smtp_connections.clamp(1, 64),
                max_attempts: a.max_attempts.max(1),
                send_window: a.send_window.as_deref().map(parse_window).transpose()?,
            },
            rate_limits: RateLimitSettings::parse(&a.rate_limits)?,
        })
    }

    /// Settings for a given database with every other value at its default (tests, tools).
    pub fn for_database(url: &str) -> Result<Self, String> {
        use clap::Parser;
        #[derive(clap::Parser)]
        struct Defaults {
            #[command(flatten)]
            s: SettingsArgs,
        }
        let mut d = Defaults::try_parse_from(["carepath"]).map_err(|e| e.to_string())?;
        d.s.database_url = url.to_string();
        Self::from_args(&d.s)
    }
}

/// "08:00-20:00" → (480, 1200).
fn parse_window(s: &str) -> Result<(u16, u16), String> {
    let bad =
        || format!("CAREPATH_QUIET_HOURS: '{s}' is not HH:MM-HH:MM (the hours email may be sent)");
    let (a, b) = s.split_once('-').ok_or_else(bad)?;
    let a = crate::domain::hours::parse_minute(a).map_err(|_| bad())?;
    let b = crate::domain::hours::parse_minute(b).map_err(|_| bad())?;
    if a >= b {
        return Err(bad());
    }
    Ok((a, b))
}

/// "Now", which tests can pin and move; the app never reads the system clock directly.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    fixed: Option<Arc<RwLock<DateTime<Utc>>>>,
}

impl Clock {
    pub fn system() -> Self {
        Self { fixed: None }
    }

    pub fn fixed(at: DateTime<Utc>) -> Self {
        Self {
            fixed: Some(Arc::new(RwLock::new(at))),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.fixed {
            Some(t) => *t.read().unwrap_or_else(|p| p.into_inner()),
            None => Utc::now(),
        }
    }

    /// Moves a fixed clock; does nothing to the system clock.
    pub fn set(&self, at: DateTime<Utc>) {
        if let Some(t) = &self.fixed {
            *t.write().unwrap_or_else(|p| p.into_inner()) = at;
        }
    }
}
