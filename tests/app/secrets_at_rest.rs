//! Link secrets at rest (issue 8, item 5): manage, unsubscribe and calendar-feed tokens are
//! stored only as SHA-256 digests and looked up by digest; links emailed before the upgrade keep
//! working; each email carries links of its own that open; a wrong token (or a stolen digest) is
//! a 404. Every check here reads the database behind the app's back.

use carepath::db::DbConnection;
use carepath::dispatch::{Dispatcher, dispatch_due};
use carepath::domain::staff::Role;
use carepath::domain::token::sha256_hex;
use carepath::mail::Mailer;
use chrono::Duration as Span;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::helpers::mail::*;
use crate::helpers::*;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Whether `needle` is stored anywhere in the database: on SQLite in the bytes of the file and
/// its write-ahead log, on PostgreSQL in the text form of any row of any table.
fn database_contains(app: &TestApp, needle: &str) -> bool {
    if !on_postgres() {
        let mut bytes = Vec::new();
        for suffix in ["", "-wal"] {
            if let Ok(b) = std::fs::read(format!("{}{suffix}", app.database_url)) {
                bytes.extend(b);
            }
        }
        assert!(bytes.len() > 4096, "the database file was read");
        return bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    }
    let mut c = app.state.pool.get().expect("conn");
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT table_name::text AS name FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    )
    .load(&mut *c)
    .expect("tables");
    assert!(tables.len() > 10, "the tables were listed");
    tables.iter().any(|t| {
        let found: Count = diesel::sql_query(format!(
            "SELECT count(*) AS n FROM \"{}\" t WHERE strpos(t::text, $1) > 0",
            t.name
        ))
        .bind::<Text, _>(needle)
        .get_result(&mut *c)
        .expect("search a table");
        found.n > 0
    })
}

/// The token of the first `{base}/{route}/TOKEN` link in `text`.
fn link_token(text: &str, base: &str, route: &str) -> String {
    let prefix = format!("{base}/{route}/");
    let at = text
        .find(&prefix)
        .unwrap_or_else(|| panic!("no {prefix} link in:\n{text}"));
    text[at + prefix.len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// Sends what is due now with the real renderer, as .eml files in `dir`; the text parts and
/// List-Unsubscribe headers of what was written, by recipient.
async fn send_due(app: &TestApp, dir: &std::path::Path) -> Vec<(String, String, Option<String>)> {
    let mail = mail_settings(app, None, &dir.display().to_string());
    let mailer = Mailer::from_settings(&mail).expect("mailer");
    let d = Dispatcher::new(app.state.pool.clone(), mailer, &mail, &app.state.base_url);
    let report = dispatch_due(&d, app.clock.now()).await.expect("dispatch");
    assert_eq!(report.failed + report.dead, 0, "{report}");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("mail dir") {
        let raw = std::fs::read(entry.expect("file").path()).expect("eml");
        let m = mail_parser::MessageParser::default()
            .parse(&raw)
            .expect("MIME");
        let to = m
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap_or_default()
            .to_string();
        let text = m.body_text(0).expect("a text part").to_string();
        let unsubscribe = m
            .header_raw("List-Unsubscribe")
            .map(|h| h.trim().to_string());
        out.push((to, text, unsubscribe));
    }
    out
}

#[tokio::test]
async fn a_booking_keeps_only_the_digest_of_its_manage_token() {
    let app = TestApp::spawn().await;
    let b = app
        .booked("microdermabrasion", "2030-06-04T10:00:00+01:00", 2, &ANN)
        .await;
    assert_eq!(b.token.len(), 32, "192 bits, as before");
    let stored = app.appointment(b.id).token_hash;
    assert_eq!(stored, sha256_hex(&b.token));
    assert!(!database_contains(&app, &b.token), "no raw token stored");
    // Looked up by its digest, it still opens the booking's pages and API.
    assert_eq!(
        app.get_text(&format!("/appointments/{}", b.token)).await.0,
        200
    );
    assert_eq!(
        app.get_text(&format!("/appointments/{}/confirmation", b.token))
            .await
            .0,
        200
    );
    assert_eq!(
        app.get_json(&format!("/api/v1/bookings/{}", b.token))
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn a_reminder_and_a_follow_up_carry_working_links_of_their_own() {
    let (app, appt) = app_with_appointment().await;
    let booking_token_digest = app.appointment(appt).token_hash;
    let root = temp_dir("secrets");
    let now = app.clock.now();
    add_rows(&app, appt, "rem", "reminder", 1, now - Span::minutes(5));
    let sent = send_due(&app, &root.join("reminder")).await;
    assert_eq!(sent.len(), 1);
    let (_, text, unsubscribe) = &sent[0];
    assert!(unsubscribe.is_none(), "a reminder has no opt-out");
    let manage = link_token(text, &app.state.base_url, "appointments");
    assert_eq!(manage.len(), 32);
    assert_ne!(
        sha256_hex(&manage),
        booking_token_digest,
        "a token of its own"
    );

    // The manage link works, and only its digest is stored.
    let (status, page) = app.get_text(&format!("/appointments/{manage}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Microdermabrasion"), "{page}");
    assert_eq!(
        app.get_json(&format!("/api/v1/bookings/{manage}")).await.0,
        200
    );
    assert!(
        app.link_digests()
            .contains(&(sha256_hex(&manage), "manage".to_string()))
    );
    assert!(!database_contains(&app, &manage));

    // After the session, a follow-up with an opt-out link.
    app.set_status(appt, "completed");
    add_rows(&app, appt, "fol", "follow_up", 1, now - Span::minutes(5));
    let sent = send_due(&app, &root.join("follow_up")).await;
    assert_eq!(sent.len(), 1);
    let (_, text, header) = &sent[0];
    let unsubscribe = link_token(text, &app.state.base_url, "unsubscribe");
    assert!(
        header
            .as_deref()
            .is_some_and(|h| h.contains(&format!("/unsubscribe/{unsubscribe}"))),
        "{header:?}"
    );
    assert!(
        app.link_digests()
            .contains(&(sha256_hex(&unsubscribe), "unsubscribe".to_string()))
    );
    assert!(!database_contains(&app, &unsubscribe));
    let path = format!("/unsubscribe/{unsubscribe}");
    assert_eq!(app.get_text(&path).await.0, 200);
    let r = app.post_form(&path, &[]).await;
    assert_eq!(r.status().as_u16(), 200);
    let patient = app.appointment(appt).patient_id;
    {
        use carepath::db::schema::patients;
        let mut c = app.state.pool.get().expect("conn");
        let out: bool = patients::table
            .find(patient)
            .select(patients::followups_opt_out)
            .first(&mut *c)
            .expect("patient");
        assert!(out, "the emailed link opted the patient out");
    }
    // The reminder's link still opens the appointment: every link emailed stays valid.
    assert_eq!(
        app.get_text(&format!("/appointments/{manage}")).await.0,
        200
    );
    let _ = std::fs::remove_dir_all(root);
}

#[tokio::test]
async fn the_feed_address_is_stored_as_its_digest() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let (status, page) = admin
        .post_text("/staff/practitioners/2/calendar", &[("", ""); 0])
        .await;
    assert_eq!(status, 200);
    let url = value_after(&page, "id=\"feed-url\" type=\"text\" readonly value=\"")
        .expect("the address, shown once");
    let token = url
        .rsplit('/')
        .next()
        .expect("token")
        .trim_end_matches(".ics")
        .to_string();
    assert_eq!(token.len(), 43, "256 bits");
    let stored: Option<String> = {
        use carepath::db::schema::practitioners;
        let mut c = app.state.pool.get().expect("conn");
        practitioners::table
            .find(2)
            .select(practitioners::calendar_token_hash)
            .first(&mut *c)
            .expect("practitioner")
    };
    assert_eq!(stored, Some(sha256_hex(&token)));
    assert!(!database_contains(&app, &token));
    assert_eq!(app.get_text(&format!("/calendar/{token}.ics")).await.0, 200);
}

#[tokio::test]
async fn a_wrong_token_or_a_stolen_digest_opens_nothing() {
    let app = TestApp::spawn().await;
    let b = app
        .booked("microdermabrasion", "2030-06-04T10:00:00+01:00", 2, &ANN)
        .await;
    let patient = app.appointment(b.id).patient_id;
    let unsubscribe = app.unsubscribe_token(patient);
    let wrong = "A".repeat(32);
    let digest = sha256_hex(&b.token);
    for path in [
        format!("/appointments/{wrong}"),
        format!("/appointments/{wrong}/confirmation"),
        format!("/appointments/{wrong}/calendar.ics"),
        format!("/appointments/{digest}"),
        format!("/unsubscribe/{wrong}"),
        format!("/unsubscribe/{}", sha256_hex(&unsubscribe)),
        // The right token for another purpose.
        format!("/unsubscribe/{}", b.token),
        format!("/appointments/{unsubscribe}"),
        format!("/calendar/{}.ics", "A".repeat(43)),
    ] {
        assert_eq!(app.get_text(&path).await.0, 404, "{path}");
    }
    let (status, body) = app.get_json(&format!("/api/v1/bookings/{wrong}")).await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = app
        .post_json(
            &format!("/api/v1/bookings/{digest}/cancel"),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(app.appointment(b.id).status, "booked");
}

/// Reverts this change's migration on the app's database (and any later ones), so rows can be
/// written as the previous release wrote them (raw tokens).
fn downgrade(c: &mut DbConnection) {
    loop {
        let reverted = match c {
            DbConnection::Sqlite(c) => c
                .revert_last_migration(SQLITE_MIGRATIONS)
                .map(|v| v.to_string()),
            DbConnection::Pg(c) => c
                .revert_last_migration(POSTGRES_MIGRATIONS)
                .map(|v| v.to_string()),
        }
        .expect("revert the migrations down to the hashed-tokens one");
        // That migration exactly (2026-12-01-000100_waitlist ends in the same digits).
        if reverted.replace('-', "").starts_with("20261130000100") {
            break;
        }
    }
}

#[tokio::test]
async fn links_emailed_before_the_upgrade_keep_working() {
    let app = TestApp::spawn().await;
    let b = app
        .booked("microdermabrasion", "2030-06-04T10:00:00+01:00", 2, &ANN)
        .await;
    let patient = app.appointment(b.id).patient_id;
    // Tokens as the previous release made and stored them.
    let (manage, unsubscribe, feed) = (
        "OldManageLink_0123456789abcdefgh".to_string(),
        "OldUnsubscribe-0123456789abcdefg".to_string(),
        "OldCalendarFeed_0123456789abcdefghijklmnop".to_string() + "q",
    );
    assert_eq!((manage.len(), unsubscribe.len(), feed.len()), (32, 32, 43));
    {
        let mut c = app.state.pool.get().expect("conn");
        downgrade(&mut c);
        for sql in [
            format!(
                "UPDATE appointments SET token = '{manage}' WHERE id = {}",
                b.id
            ),
            format!("UPDATE patients SET unsubscribe_token = '{unsubscribe}' WHERE id = {patient}"),
            format!("UPDATE practitioners SET calendar_token = '{feed}' WHERE id = 2"),
        ] {
            diesel::sql_query(&sql).execute(&mut *c).expect(&sql);
        }
    }
    for raw in [&manage, &unsubscribe, &feed] {
        assert!(
            database_contains(&app, raw),
            "the search finds {raw} before the upgrade"
        );
    }
    // The upgrade: a new instance migrates the database as it starts.
    let (address, _state) = app.restart();
    let client = reqwest::Client::new();
    let get = |path: String| {
        let (client, address) = (&client, &address);
        async move {
            client
                .get(format!("{address}{path}"))
                .send()
                .await
                .expect("GET")
                .status()
                .as_u16()
        }
    };
    assert_eq!(get(format!("/appointments/{manage}")).await, 200);
    assert_eq!(get(format!("/api/v1/bookings/{manage}")).await, 200);
    assert_eq!(get(format!("/unsubscribe/{unsubscribe}")).await, 200);
    assert_eq!(get(format!("/calendar/{feed}.ics")).await, 200);
    assert_eq!(get(format!("/appointments/{}", "B".repeat(32))).await, 404);
    // Converted, not kept: only the digests are stored now.
    assert_eq!(app.appointment(b.id).token_hash, sha256_hex(&manage));
    assert!(
        app.link_digests()
            .contains(&(sha256_hex(&unsubscribe), "unsubscribe".to_string()))
    );
    for raw in [&manage, &unsubscribe, &feed] {
        assert!(!database_contains(&app, raw), "{raw} still stored");
    }
}
