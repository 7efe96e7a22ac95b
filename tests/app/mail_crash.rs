//! `kill -9` in the middle of a batch: the real binary serves with its dispatcher ticking, dies
//! mid-send, and nothing is lost; only messages that were on the wire can arrive twice.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use carepath::dispatch::render;
use carepath::dispatch::{LEASE, dispatch_due};
use chrono::{Duration as Span, Utc};

use crate::helpers::mail::*;
use crate::helpers::smtp_server::SmtpServer;

const TOTAL: usize = 240;

/// The server must not outlive a failed assertion.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// On PostgreSQL, waits (up to 10 s) until no other session on the test's database is running a
/// statement or holding a transaction open: the killed process's backends finish what they had
/// received before their client died, then notice it is gone. SQLite has nothing to wait for.
fn settle_other_sessions(app: &crate::helpers::TestApp) {
    use carepath::db::DbConnection;
    use diesel::RunQueryDsl;
    use diesel::dsl::sql;
    use diesel::sql_types::BigInt;
    let mut conn = app.state.pool.get().expect("a connection");
    let DbConnection::Pg(c) = &mut *conn else {
        return;
    };
    let busy = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                AND pid <> pg_backend_pid() AND backend_type = 'client backend' \
                AND state IS DISTINCT FROM 'idle'";
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        let n: i64 = diesel::select(sql::<BigInt>(&format!("({busy})")))
            .get_result(c)
            .expect("pg_stat_activity");
        if n == 0 {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the killed process's sessions are still busy after 10 s");
}

fn carepath(db: &str, smtp: &str, command: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_carepath"));
    c.arg(command)
        .env("DATABASE_URL", db)
        .env("SMTP_URL", smtp)
        .env("CAREPATH_BIND", "127.0.0.1:0")
        .env("CAREPATH_DISPATCH_SECONDS", "1")
        .env("CAREPATH_DISPATCH_BATCH", "40")
        .env("CAREPATH_SMTP_CONNECTIONS", "4")
        .env("RUST_LOG", "error")
        .env_remove("CAREPATH_MAIL_FROM")
        .stdin(Stdio::null());
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_batch_loses_nothing() {
    let server = SmtpServer::start_with(Duration::from_millis(25), None).await;
    let (app, appt) = app_with_appointment().await;
    // The binary runs on the system clock.
    add_rows(
        &app,
        appt,
        "crash",
        "reminder",
        TOTAL,
        Utc::now() - Span::minutes(1),
    );

    let mut child = KillOnDrop(
        carepath(&app.database_url, &server.url(), "serve")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start carepath serve"),
    );
    let started = Instant::now();
    while server.count() < 60 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "serve never sent"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.0.kill().expect("kill -9");
    let _ = child.0.wait();
    // A COMMIT the dead process sent just before the kill may still be finishing inside
    // PostgreSQL; what is leased is read once the database has finished its work.
    settle_other_sessions(&app);
    let at_kill = server.count();
    assert!(at_kill < TOTAL, "killed mid-way ({at_kill} delivered)");
    let held_rows: Vec<_> = app
        .outbox()
        .into_iter()
        .filter(|r| r.status == "planned" && r.leased_by.is_some())
        .collect();
    let held: Vec<i32> = held_rows.iter().map(|r| r.id).collect();
    assert!(!held.is_empty(), "the batch in flight is still leased");
    // Short leases: the dead process's rows are free again within LEASE (a minute) of the kill.
    assert!(LEASE <= Duration::from_secs(60));
    let lapse_by = carepath::db::models::to_db(Utc::now() + Span::from_std(LEASE).expect("lease"));
    assert!(
        held_rows
            .iter()
            .all(|r| r.lease_until.is_some_and(|t| t <= lapse_by)),
        "every lease lapses within LEASE of the kill"
    );
    assert!(held.len() <= 40);

    // Run again at once: the dead process's leases are honoured, everything else goes out.
    let (db, url) = (app.database_url.clone(), server.url());
    let out = tokio::task::spawn_blocking(move || carepath(&db, &url, "send-due").output())
        .await
        .expect("join")
        .expect("run send-due");
    let report = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{report} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.starts_with("claimed "), "{report}");
    let still: Vec<i32> = app
        .outbox()
        .iter()
        .filter(|r| r.status != "sent")
        .map(|r| r.id)
        .collect();
    assert_eq!(still, held, "only the rows leased by the dead process wait");

    // Once the lease has expired another dispatcher takes them over.
    let mut d = dispatcher(&app, &mail_settings(&app, Some(server.url()), "unused"));
    d.render_fn = carepath::dispatch::RenderFn::Batch(render::render_batch);
    let later = Utc::now() + Span::from_std(LEASE).expect("lease") + Span::seconds(1);
    let r = dispatch_due(&d, later).await.expect("takeover");
    assert_eq!(r.sent as usize, held.len(), "{r}");

    assert_eq!(count_status(&app, "sent"), TOTAL);
    let counts = server.message_id_counts();
    assert_eq!(counts.len(), TOTAL, "every message arrived");
    let duplicates: usize = counts.values().map(|n| n - 1).sum();
    println!(
        "kill -9 after {at_kill} deliveries: {} leased, {duplicates} duplicate(s)",
        held.len()
    );
    // A duplicate can only be a message that was in flight when the process died: claimed by
    // it, handed to the server, and not yet recorded as sent (on the wire, one per connection,
    // or accepted while its outcome waited for the commit in progress).
    for (mid, n) in &counts {
        if *n > 1 {
            assert!(
                held_rows
                    .iter()
                    .any(|r| *mid == format!("{}@carepath.example", r.message_id)),
                "{mid} arrived {n} times but was not in flight"
            );
        }
    }
    assert!(duplicates <= held.len(), "{duplicates} duplicates");
}
