//! `carepath backup`: a copy of the live SQLite database taken while bookings are being written
//! is sound (integrity check) and serves, with every booking made before it; on PostgreSQL the
//! command names pg_dump and pg_restore for the URL's database and copies nothing.

use carepath::config::{Clock, Settings};
use carepath::startup::Application;

use crate::helpers::*;

/// Runs `carepath backup PATH` against this database URL.
async fn backup_cli(database_url: &str, path: &std::path::Path) -> std::process::Output {
    let (url, path) = (database_url.to_string(), path.to_path_buf());
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_carepath"))
            .arg("backup")
            .arg(&path)
            .env("DATABASE_URL", url)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run carepath backup")
    })
    .await
    .expect("backup task")
}

/// The first free chemical peel of each of these days (one per day, so they never collide).
async fn one_slot_a_day(app: &TestApp, days: std::ops::RangeInclusive<u32>) -> Vec<(String, i32)> {
    let mut out = Vec::new();
    for d in days {
        let date = format!("2030-06-{d:02}");
        if let Some(s) = app.slots("chemical-peel", &date, None).await.first() {
            out.push((
                s["start"].as_str().expect("start").to_string(),
                s["practitioner"]["id"].as_i64().expect("practitioner") as i32,
            ));
        }
    }
    out
}

#[tokio::test]
async fn a_backup_taken_under_writes_is_sound_and_serves() {
    let app = TestApp::spawn().await;
    let dir = crate::helpers::mail::temp_dir("backup");
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join("copy.db");
    if on_postgres() {
        let out = backup_cli(&app.database_url, &copy).await;
        let said = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(2), "{said}");
        let db = app
            .database_url
            .rsplit('/')
            .next()
            .unwrap()
            .split('?')
            .next()
            .unwrap();
        assert!(said.contains("pg_dump --format=custom"), "{said}");
        assert!(said.contains("pg_restore") && said.contains(db), "{said}");
        assert!(!copy.exists(), "nothing was copied");
        return;
    }
    // Bookings made before the backup.
    let before = one_slot_a_day(&app, 4..=7).await;
    assert!(before.len() >= 3);
    let mut kept = Vec::new();
    for (i, (start, p)) in before.iter().enumerate() {
        let email = format!("early{i}@example.org");
        let who = Patient::new("Early Bird", &email);
        kept.push(app.booked("chemical-peel", start, *p, &who).await);
    }
    // More bookings, all sent at once, with the backup taken in the middle of them.
    let during = one_slot_a_day(&app, 10..=28).await;
    assert!(during.len() >= 10);
    let mut writers = Vec::new();
    for (i, (start, p)) in during.into_iter().enumerate() {
        let client = app.client.clone();
        let url = app.url("/api/v1/bookings");
        writers.push(tokio::spawn(async move {
            let email = format!("busy{i}@example.org");
            let body = booking_body(
                "chemical-peel",
                &start,
                Some(p),
                &Patient::new("Busy Bee", &email),
            );
            client
                .post(url)
                .json(&body)
                .send()
                .await
                .map(|r| r.status().as_u16())
        }));
    }
    let out = backup_cli(&app.database_url, &copy).await;
    assert!(
        out.status.success(),
        "backup failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("backed up"));
    for w in writers {
        let status = w.await.expect("writer").expect("answer");
        assert_eq!(status, 201, "bookings go on while the backup runs");
    }

    // The copy passes SQLite's integrity check and holds every booking made before it.
    let url = carepath::db::DatabaseUrl::parse(&copy.display().to_string()).unwrap();
    let pool = carepath::db::build_pool(&url, 2).expect("open the copy");
    {
        let mut c = pool.get().unwrap();
        assert_eq!(carepath::db::backup::integrity_check(&mut c).unwrap(), "ok");
        let n = carepath::db::appointments::count(&mut c).unwrap();
        assert!(n >= kept.len() as i64, "{n} appointments in the copy");
    }
    drop(pool);
    // And Carepath serves it: the manage links of those bookings work there.
    let mut settings = Settings::for_database(&copy.display().to_string()).unwrap();
    settings.bind = "127.0.0.1:0".into();
    settings.workers = Some(1);
    settings.pool_size = 2;
    let served = Application::build(settings, Clock::fixed(t(NOW))).expect("serve the copy");
    let address = format!("http://127.0.0.1:{}", served.port());
    tokio::spawn(served.run_until_stopped());
    for b in &kept {
        let r = app
            .client
            .get(format!("{address}/api/v1/bookings/{}", b.token))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "booking {} in the copy", b.id);
    }

    // A second backup refuses to overwrite the first; a missing database is named.
    let again = backup_cli(&app.database_url, &copy).await;
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
    let missing = backup_cli(
        &dir.join("nothing.db").display().to_string(),
        &dir.join("x.db"),
    )
    .await;
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no SQLite database"));
    assert!(
        !dir.join("nothing.db").exists(),
        "the backup doesn't create an empty database"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
