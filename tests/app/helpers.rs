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
}

impl Default for Options {
    fn default() -> Self {
        Self {
            timezone: "Europe/London",
            now: NOW,
            send_window: None,
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

    pub async fn book(
        &self,
        treatment: &str,
        start: &str,
        practitioner: Option<i32>,
        email: &str,
    ) -> (u16, Value) {
        let mut body = serde_json::json!({
            "treatment": treatment,
            "start": start,
            "patient": {"name": "Ann Lee", "email": email},
            "consent": true,
        });
        if let Some(p) = practitioner {
            body["practitioner"] = p.into();
        }
        self.post_json("/api/v1/bookings", &body).await
    }

    pub fn appointment_count(&self) -> i64 {
        let mut c = self.state.pool.get().expect("conn");
        carepath::db::appointments::count(&mut c).expect("count")
    }

    pub fn patient_count(&self) -> i64 {
        use carepath::db::schema::patients;
        use diesel::QueryDsl;
        let mut c = self.state.pool.get().expect("conn");
        patients::table.count().get_result(&mut *c).expect("count")
    }
}

/// The token at the end of a manage URL.
pub fn token_of(manage_url: &str) -> String {
    manage_url.rsplit('/').next().expect("token").to_string()
}

/// A logged-in staff member's browser: a cookie jar, no automatic redirects, and the session's
/// CSRF token (added to every form it posts unless told otherwise).
pub struct StaffClient {
    pub client: reqwest::Client,
    pub address: String,
    pub csrf: String,
    pub email: String,
}

/// The `csrf` hidden field of a page.
pub fn csrf_in(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_default()
        .to_string()
}

impl StaffClient {
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

    /// Posts a form with this session's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut all: Vec<(&str, &str)> = vec![("csrf", &self.csrf)];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts exactly these fields (no CSRF token unless given).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(fields).expect("form"))
            .send()
            .await
            .expect("POST")
    }
}

impl TestApp {
    /// A client with its own cookie jar, not logged in.
    pub fn browser(&self) -> StaffClient {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .expect("client");
        StaffClient {
            client,
            address: self.address.clone(),
            csrf: String::new(),
            email: String::new(),
        }
    }

    /// Creates a staff account (a practitioner account is linked to practitioner 2, Jonah Reyes).
    pub fn create_staff(&self, email: &str, role: carepath::domain::staff::Role, password: &str) {
        use carepath::domain::staff::Role;
        let mut c = self.state.pool.get().expect("conn");
        let account = carepath::service::staff::NewAccount {
            email,
            name: email,
            role,
            practitioner_id: (role == Role::Practitioner).then_some(2),
            password,
            must_change_password: false,
        };
        carepath::service::staff::create(
            &mut c,
            self.clock.now(),
            &carepath::service::audit::Actor::System,
            &account,
        )
        .expect("create staff");
    }

    /// Logs in through the real login form.
    pub async fn login_as(&self, email: &str, password: &str) -> StaffClient {
        let mut b = self.browser();
        let (_, page) = b.get_text("/staff/login").await;
        let csrf = csrf_in(&page);
        let r = b
            .post_raw(
                "/staff/login",
                &[("csrf", &csrf), ("email", email), ("password", password)],
            )
            .await;
        assert_eq!(r.status().as_u16(), 303, "login as {email}");
        // Any staff page carries the new session's token.
        let (_, page) = b.get_text("/staff/password").await;
        b.csrf = csrf_in(&page);
        assert!(!b.csrf.is_empty(), "logged-in pages carry a CSRF token");
        b.email = email.to_string();
        b
    }

    /// A new account of this role, logged in.
    pub async fn staff(&self, role: carepath::domain::staff::Role) -> StaffClient {
        let email = format!("{}@clinic.example", role.as_str());
        let password = "correct horse battery";
        self.create_staff(&email, role, password);
        self.login_as(&email, password).await
    }
}
