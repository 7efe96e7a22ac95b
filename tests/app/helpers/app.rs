//! The app under test: a fresh database (SQLite, or PostgreSQL when CAREPATH_TEST_POSTGRES is
//! set) and the real server on port 0, with a fixed clock and an HTTP client that shows redirects.

use std::path::PathBuf;

use actix_web::web;
use carepath::config::{Clock, Settings};
use carepath::startup::Application;
use carepath::web::AppState;
use chrono::{DateTime, Utc};
use diesel::{Connection, PgConnection, RunQueryDsl};
use serde_json::Value;

/// The env var that switches the black-box tests to PostgreSQL: a URL of a database the tests
/// may connect to in order to create (and later drop) one database per test.
pub const PG_ENV: &str = "CAREPATH_TEST_POSTGRES";

/// Monday 3 June 2030, 08:00 in London (BST): a fixed "now" so dates in tests are stable.
pub const NOW: &str = "2030-06-03T07:00:00Z";

pub fn t(s: &str) -> DateTime<Utc> {
    s.parse().expect("test instant")
}

fn unique_name() -> String {
    use rand::RngCore;
    let mut b = [0u8; 8];
    rand::rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

enum TestDb {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    fn create() -> (Self, String) {
        match std::env::var(PG_ENV) {
            Ok(given) if !given.is_empty() => {
                // Loopback test connections go without TLS: with TLS, libpq's OpenSSL tears itself
                // down at process exit while test servers' pool threads may still close
                // connections, which intermittently crashed the test binary after all tests passed.
                let (base, query) = given.split_once('?').unwrap_or((&given, ""));
                let params = if query.is_empty() {
                    "sslmode=disable".to_string()
                } else {
                    format!("{query}&sslmode=disable")
                };
                let admin_url = format!("{base}?{params}");
                let name = format!("carepath_test_{}", unique_name());
                let mut c =
                    PgConnection::establish(&admin_url).expect("connect to CAREPATH_TEST_POSTGRES");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut c)
                    .expect("create test database");
                let url = match base.rsplit_once('/') {
                    Some((server, _)) => format!("{server}/{name}?{params}"),
                    None => panic!("{PG_ENV} must end in /DATABASE"),
                };
                (TestDb::Postgres { admin_url, name }, url)
            }
            _ => {
                let dir = std::env::temp_dir().join(format!("carepath-test-{}", unique_name()));
                std::fs::create_dir_all(&dir).expect("temp dir");
                let file = dir.join("carepath.db");
                let url = file.display().to_string();
                (TestDb::Sqlite(dir), url)
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self {
            TestDb::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            TestDb::Postgres { admin_url, name } => {
                if let Ok(mut c) = PgConnection::establish(admin_url) {
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut c);
                }
            }
        }
    }
}

pub fn on_postgres() -> bool {
    std::env::var(PG_ENV).is_ok_and(|v| !v.is_empty())
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: web::Data<AppState>,
    pub clock: Clock,
    pub database_url: String,
    _db: TestDb,
}

pub struct Options {
    pub timezone: &'static str,
    pub now: &'static str,
    /// CAREPATH_QUIET_HOURS, as local minutes.
    pub send_window: Option<(u16, u16)>,
    /// Rate limits as the app's defaults have them; off unless a test turns them on, since
    /// the suite fires many requests from 127.0.0.1.
    pub rate_limits: bool,
    /// CAREPATH_TRUSTED_PROXIES.
    pub trusted_proxies: &'static str,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            timezone: "Europe/London",
            now: NOW,
            send_window: None,
            rate_limits: false,
            trusted_proxies: "",
        }
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(Options::default()).await
    }

    pub async fn spawn_with(opts: Options) -> Self {
        let (db, url) = TestDb::create();
        let app = Self::start(&url, &opts);
        let (address, state, clock) = app;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        Self {
            address,
            client,
            state,
            clock,
            database_url: url,
            _db: db,
        }
    }

    /// Starts (another) app on an existing database.
    fn start(url: &str, opts: &Options) -> (String, web::Data<AppState>, Clock) {
        let mut settings = Settings::for_database(url).expect("settings");
        settings.bind = "127.0.0.1:0".into();
        settings.workers = Some(2);
        settings.pool_size = 8;
        settings.timezone = opts.timezone.parse().expect("zone");
        settings.mail.send_window = opts.send_window;
        settings.rate_limits.enabled = opts.rate_limits;
        settings.rate_limits.trusted_proxies = opts
            .trusted_proxies
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| carepath::config::IpRange::parse(s).expect("proxy range"))
            .collect();
        let clock = Clock::fixed(t(opts.now));
        let app = Application::build(settings, clock.clone()).expect("app starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state.clone();
        tokio::spawn(app.run_until_stopped());
        (address, state, clock)
    }

    /// A second instance on the same database (a restart, or another machine).
    pub fn restart(&self) -> (String, web::Data<AppState>) {
        let (address, state, _) = Self::start(&self.database_url, &Options::default());
        (address, state)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        let status = r.status().as_u16();
        (status, r.text().await.expect("body"))
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let r = self.get(path).await;
        let status = r.status().as_u16();
        (status, r.json().await.expect("json body"))
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let body = serde_urlencoded::to_string(fields).expect("form");
        self.client
            .post(self.url(path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("POST form")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("POST json");
        let status = r.status().as_u16();
        (status, r.json().await.expect("json body"))
    }

    /// Free slots from the API.
    pub async fn slots(
        &self,
        treatment: &str,
        date: &str,
        practitioner: Option<i32>,
    ) -> Vec<Value> {
        let p = practitioner
            .map(|p| format!("&practitioner={p}"))
            .unwrap_or_default();
        let (status, body) = self
            .get_json(&format!(
                "/api/v1/availability?treatment={treatment}&date={date}{p}"
            ))
            .await;
        assert_eq!(status, 200, "{body}");
        body["slots"].as_array().cloned().unwrap_or_default()
    }
}
