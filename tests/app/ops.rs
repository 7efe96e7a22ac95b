//! Operations in-process: readiness follows the database and its migrations, /metrics (token,
//! names, no personal data), and a PostgreSQL outage through a TCP proxy the test controls.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use carepath::config::Settings;
use carepath::db::DbConnection;
use carepath::dispatch::{Dispatcher, dispatch_due};
use carepath::startup::Application;
use diesel::RunQueryDsl;
use diesel::dsl::sql;
use diesel::sql_types::Text;
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::mail::{add_rows, app_with_appointment, mail_settings, temp_dir};
use crate::helpers::{ANN, Patient, booking_body};
use crate::helpers::{TestApp, on_postgres};

const TOKEN: &str = "scrape-me-0123456789";

/// Another instance on the app's database (or `url`), with settings of its own.
fn instance(
    app: &TestApp,
    url: &str,
    f: impl FnOnce(&mut Settings),
) -> (String, reqwest::Client, Dispatcher) {
    let mut s = Settings::for_database(url).expect("settings");
    s.bind = "127.0.0.1:0".into();
    s.workers = Some(2);
    s.pool_size = 4;
    s.page_cache = Duration::ZERO;
    f(&mut s);
    let a = Application::build(s, app.clock.clone()).expect("app starts");
    let address = format!("http://127.0.0.1:{}", a.port());
    let d = a.dispatcher();
    tokio::spawn(a.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");
    (address, client, d)
}

async fn status(client: &reqwest::Client, url: String) -> u16 {
    client.get(url).send().await.expect("GET").status().as_u16()
}

fn latest_migration(c: &mut DbConnection) -> String {
    let q = "(SELECT MAX(version) FROM __diesel_schema_migrations)";
    match c {
        DbConnection::Sqlite(c) => diesel::select(sql::<Text>(q)).get_result(c),
        DbConnection::Pg(c) => diesel::select(sql::<Text>(q)).get_result(c),
    }
    .expect("latest migration")
}

#[tokio::test]
async fn readiness_follows_the_migrations_and_liveness_does_not() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get_text("/readyz").await, (200, "ready".to_string()));
    assert_eq!(app.get_text("/healthz").await.0, 200);

    // The database falls behind this build (a restore of an older backup, say).
    let mut c = app.state.pool.get().expect("conn");
    let version = latest_migration(&mut c);
    diesel::sql_query(format!(
        "DELETE FROM __diesel_schema_migrations WHERE version = '{version}'"
    ))
    .execute(&mut *c)
    .expect("forget a migration");
    assert_eq!(app.get_text("/readyz").await.0, 503);
    assert_eq!(app.get_text("/healthz").await.0, 200, "liveness stays up");

    diesel::sql_query(format!(
        "INSERT INTO __diesel_schema_migrations (version) VALUES ('{version}')"
    ))
    .execute(&mut *c)
    .expect("record it again");
    assert_eq!(app.get_text("/readyz").await.0, 200);
}

#[tokio::test]
async fn metrics_need_the_token() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.get("/metrics").await.status().as_u16(),
        404,
        "off by default"
    );

    let (addr, client, _) = instance(&app, &app.database_url, |s| {
        s.metrics_token = Some(TOKEN.into())
    });
    let url = format!("{addr}/metrics");
    assert_eq!(status(&client, url.clone()).await, 401);
    let wrong = client
        .get(&url)
        .bearer_auth("not-the-token")
        .send()
        .await
        .expect("GET");
    assert_eq!(wrong.status().as_u16(), 401);
    let right = client
        .get(&url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("GET");
    assert_eq!(right.status().as_u16(), 200);
}

#[tokio::test]
async fn metrics_after_traffic_name_routes_outcomes_and_the_outbox_without_personal_data() {
    let (app, appt) = app_with_appointment().await;
    let (addr, client, _) = instance(&app, &app.database_url, |s| {
        s.metrics_token = Some(TOKEN.into())
    });
    // A booking, a booking of a taken slot, a refused one, a manage page and a 404.
    let who = Patient::new("Zelda Quimby", "zelda.quimby@example.org");
    let book = |start: &str| {
        client
            .post(format!("{addr}/api/v1/bookings"))
            .json(&booking_body("microdermabrasion", start, Some(2), &who))
            .send()
    };
    let ok = book("2030-06-05T09:00:00+01:00").await.expect("book");
    assert_eq!(ok.status().as_u16(), 201);
    let json: serde_json::Value = ok.json().await.expect("json");
    let manage = json["manage_url"].as_str().expect("manage url").to_string();
    let token = manage.rsplit('/').next().expect("token").to_string();
    assert_eq!(
        book("2030-06-05T09:00:00+01:00")
            .await
            .expect("book")
            .status()
            .as_u16(),
        409
    );
    assert_eq!(
        book("2030-06-05T09:07:00+01:00")
            .await
            .expect("book")
            .status()
            .as_u16(),
        409
    );
    let page = format!("{addr}/appointments/{token}");
    assert_eq!(status(&client, page).await, 200);
    assert_eq!(status(&client, format!("{addr}/no/such/page")).await, 404);
    // Something sent, so the send metrics exist.
    let dir = temp_dir("metrics");
    add_rows(
        &app,
        appt,
        "m",
        "reminder",
        2,
        app.clock.now() - chrono::Duration::minutes(1),
    );
    let mail = mail_settings(&app, None, dir.to_str().expect("dir"));
    let mut d = crate::helpers::mail::dispatcher(&app, &mail);
    d.render_fn = carepath::dispatch::RenderFn::Each(crate::helpers::mail::test_render);
    let r = dispatch_due(&d, app.clock.now()).await.expect("dispatch");
    // The two rows, and the new booking's confirmation.
    assert!(r.sent >= 2, "{r}");

    let body = client
        .get(format!("{addr}/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("scrape")
        .text()
        .await
        .expect("text");
    for needed in [
        "carepath_http_requests_total{",
        "route=\"/appointments/{token}\"",
        "route=\"/api/v1/bookings\"",
        "route=\"unmatched\"",
        "status=\"2xx\"",
        "status=\"4xx\"",
        "carepath_http_request_duration_seconds_bucket{",
        "carepath_bookings_total{outcome=\"booked\"",
        "carepath_bookings_total{outcome=\"taken\",reason=\"taken\"}",
        "carepath_bookings_total{outcome=\"refused\",reason=\"off_grid\"}",
        "carepath_outbox_messages{status=\"planned\"}",
        "carepath_outbox_messages{status=\"sent\"}",
        "carepath_outbox_oldest_due_seconds",
        "carepath_email_sends_total{outcome=\"sent\"}",
        "carepath_smtp_send_duration_seconds_bucket",
        "carepath_db_pool_connections",
        "carepath_db_pool_in_use",
        "carepath_db_pool_max",
        "carepath_db_pool_wait_seconds_bucket",
    ] {
        assert!(body.contains(needed), "{needed} missing from\n{body}");
    }
    for secret in [
        token.as_str(),
        "zelda",
        "Zelda",
        "Quimby",
        ANN.email,
        "/no/such/page",
    ] {
        assert!(!body.contains(secret), "{secret} in the metrics");
    }
}

/// A TCP proxy between the app and PostgreSQL that the test can cut and restore.
struct Proxy {
    addr: String,
    cut: Arc<AtomicBool>,
    links: Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        let cut = Arc::new(AtomicBool::new(false));
        let links = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (c, l) = (cut.clone(), links.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if c.load(Ordering::SeqCst) {
                    drop(inbound); // refused: closed at once
                    continue;
                }
                let up = upstream.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(up).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                l.lock().expect("links").push(link);
            }
        });
        Self { addr, cut, links }
    }

    /// The database is gone: open connections drop, new ones are refused.
    fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        for link in self.links.lock().expect("links").drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_answers_503_and_recovers_by_itself() {
    if !on_postgres() {
        println!("skipped: the outage test cuts a PostgreSQL connection");
        return;
    }
    let (app, appt) = app_with_appointment().await;
    // postgres://user@HOST:PORT/db?… → the same through the proxy.
    let url = app.database_url.clone();
    let (head, rest) = url.split_once('@').expect("user@host");
    let (host, tail) = rest.split_once('/').expect("host/db");
    let proxy = Proxy::start(host.to_string()).await;
    let proxied = format!("{head}@{}/{tail}", proxy.addr);
    let dir = temp_dir("outage");
    let (addr, client, d) = instance(&app, &proxied, |s| {
        s.mail.dir = dir.display().to_string();
    });
    assert_eq!(status(&client, format!("{addr}/readyz")).await, 200);
    let appointments = app.appointment_count();

    proxy.cut();
    assert_eq!(status(&client, format!("{addr}/readyz")).await, 503);
    assert_eq!(status(&client, format!("{addr}/healthz")).await, 200);
    let page = client
        .get(format!("{addr}/treatments/microdermabrasion"))
        .send()
        .await
        .expect("GET page");
    assert_eq!(page.status().as_u16(), 503);
    let html = page.text().await.expect("html");
    assert!(html.contains("try again"), "{html}");
    let api = client
        .post(format!("{addr}/api/v1/bookings"))
        .json(&booking_body(
            "microdermabrasion",
            "2030-06-05T11:00:00+01:00",
            Some(2),
            &ANN,
        ))
        .send()
        .await
        .expect("POST");
    assert_eq!(api.status().as_u16(), 503);
    let json: serde_json::Value = api.json().await.expect("json");
    assert_eq!(json["error"], "busy", "{json}");
    // The dispatcher fails once, then pauses instead of hammering the database.
    add_rows(&app, appt, "outage", "reminder", 1, app.clock.now());
    assert!(matches!(d.tick(app.clock.now()).await, Some(Err(_))));
    assert!(d.tick(app.clock.now()).await.is_none(), "backs off");

    proxy.restore();
    let mut ready = false;
    for _ in 0..60 {
        if status(&client, format!("{addr}/readyz")).await == 200 {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(ready, "ready again without a restart");
    let again = client
        .post(format!("{addr}/api/v1/bookings"))
        .json(&booking_body(
            "microdermabrasion",
            "2030-06-05T11:00:00+01:00",
            Some(2),
            &ANN,
        ))
        .send()
        .await
        .expect("POST");
    assert_eq!(again.status().as_u16(), 201);
    assert_eq!(
        app.appointment_count(),
        appointments + 1,
        "nothing half-written"
    );
    // The dispatcher's next pass (after its pause) sends what waited.
    let mut sent = 0;
    for _ in 0..40 {
        if let Some(Ok(r)) = d.tick(app.clock.now()).await {
            sent += r.sent;
            if sent > 0 {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(sent >= 1, "the dispatcher recovered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_are_short_and_renewed_while_a_send_is_in_flight() {
    use crate::helpers::smtp_server::SmtpServer;
    use carepath::dispatch::{HEARTBEAT, LEASE};
    assert!(
        LEASE <= Duration::from_secs(60),
        "a crashed dispatcher's rows wait a minute at most"
    );
    // A relay that takes longer than a heartbeat to accept the message.
    let server = SmtpServer::start_with(HEARTBEAT + Duration::from_secs(3), None).await;
    let (app, appt) = app_with_appointment().await;
    add_rows(&app, appt, "slow", "reminder", 1, app.clock.now());
    let mut mail = mail_settings(&app, Some(server.url()), "unused");
    mail.connections = 1;
    let d = crate::helpers::mail::dispatcher(&app, &mail);
    let now = app.clock.now();
    let pass = tokio::spawn(async move { dispatch_due(&d, now).await });
    // Watch the row's lease from another connection while the send is in flight.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let first = lease_of_slow_row(&app);
    tokio::time::sleep(HEARTBEAT).await;
    let later = lease_of_slow_row(&app);
    let r = pass.await.expect("join").expect("dispatch");
    assert_eq!(r.sent, 1, "{r}");
    let (first, later) = (first.expect("leased"), later.expect("still leased"));
    assert!(
        later > first,
        "the heartbeat pushed the lease on: {first} → {later}"
    );
    assert_eq!(server.message_id_counts().len(), 1);
    assert_eq!(crate::helpers::mail::count_status(&app, "sent"), 1);
}

fn lease_of_slow_row(app: &TestApp) -> Option<chrono::NaiveDateTime> {
    app.outbox()
        .into_iter()
        .find(|r| r.recipient.starts_with("slow-"))
        .and_then(|r| r.lease_until)
}
