//! Issue 8, sections 3 and 4: staff login gives one answer to every failure and throttles by
//! client and account without locking anyone out; anonymous visitors store no session; expired
//! sessions are purged; a revoked session stays revoked; session keys are kept as SHA-256.

use actix_session::storage::{SessionKey, SessionStore};
use carepath::domain::staff::Role;
use carepath::service::staff::{LoginError, LoginThrottle, login};
use carepath::web::staff::session_store::DbSessionStore;
use chrono::Duration;
use diesel::prelude::*;

use crate::helpers::*;

const DESK: &str = "desk@clinic.example";

fn session_rows(app: &TestApp) -> Vec<(String, Option<i32>)> {
    use carepath::db::schema::staff_sessions::dsl::*;
    let mut c = app.state.pool.get().unwrap();
    staff_sessions
        .select((session_key, staff_id))
        .load(&mut *c)
        .unwrap()
}

/// The page of a refused login, with the email typed into it replaced (it is echoed back).
async fn refusal(b: &StaffClient, email: &str, password: &str) -> (u16, String) {
    let r = b.try_login(email, password).await;
    let status = r.status().as_u16();
    (status, r.text().await.unwrap().replace(email, "EMAIL"))
}

#[tokio::test]
async fn unknown_email_wrong_password_and_throttled_look_the_same() {
    let app = TestApp::spawn().await;
    app.create_staff(DESK, Role::FrontDesk, STAFF_PASSWORD);
    let audit_before = app.audit_count();
    let b = app.browser();
    let unknown = refusal(&b, "nobody@clinic.example", "whatever it is").await;
    let unknown_again = refusal(&b, "someone@clinic.example", "whatever it is").await;
    // Unknown emails are counted in memory, not written to the audit trail one row each.
    assert_eq!(app.audit_count(), audit_before);
    let wrong = refusal(&b, DESK, "not the password").await;
    assert_eq!(
        app.audit_count(),
        audit_before + 1,
        "a known account's failure is audited"
    );
    for _ in 0..3 {
        refusal(&b, DESK, "not the password").await;
    }
    // Five failures from this client: now it must wait, and even the right password …
    let throttled = refusal(&b, DESK, STAFF_PASSWORD).await;
    assert_eq!(unknown.0, 401);
    assert_eq!(unknown, unknown_again);
    assert_eq!(unknown, wrong, "unknown email and wrong password");
    assert_eq!(wrong, throttled, "wrong password and throttled");
    assert!(!throttled.1.to_lowercase().contains("lock"));
    // … gets in a moment later.
    app.clock.set(t(NOW) + Duration::seconds(2));
    assert_eq!(
        b.try_login(DESK, STAFF_PASSWORD).await.status().as_u16(),
        303
    );
}

#[tokio::test]
async fn the_account_throttle_never_keeps_a_fresh_client_out_for_long() {
    let app = TestApp::spawn().await;
    app.create_staff(DESK, Role::FrontDesk, STAFF_PASSWORD);
    let guard = LoginThrottle::default();
    let now = t(NOW);
    let pool = app.state.pool.clone();
    let attempt = move |guard: &LoginThrottle, at, client: &str, password: &str| {
        login(&pool, guard, at, client, DESK, password)
            .unwrap()
            .map(|r| r.id)
    };
    // Forty clients each guess a few times: the account must now wait between attempts …
    for i in 0..40 {
        for _ in 0..3 {
            let r = attempt(&guard, now, &format!("10.0.0.{i}"), "guess");
            assert_eq!(r, Err(LoginError::Invalid));
        }
    }
    // … even the right password from a fresh client, but only for a short while (≤ 1 minute).
    assert_eq!(
        attempt(&guard, now, "192.0.2.1", STAFF_PASSWORD),
        Err(LoginError::Invalid)
    );
    assert!(
        attempt(
            &guard,
            now + Duration::seconds(61),
            "192.0.2.1",
            STAFF_PASSWORD
        )
        .is_ok()
    );

    // A client that kept guessing waits longer than a minute; others are not held up by it.
    let guard = LoginThrottle::default();
    let mut at = now;
    for _ in 0..12 {
        let _ = attempt(&guard, at, "203.0.113.9", "guess");
        at += Duration::seconds(70);
    }
    assert_eq!(
        attempt(&guard, at, "203.0.113.9", STAFF_PASSWORD),
        Err(LoginError::Invalid)
    );
    assert!(attempt(&guard, at, "198.51.100.7", STAFF_PASSWORD).is_ok());
    assert!(
        attempt(
            &guard,
            at + Duration::minutes(16),
            "203.0.113.9",
            STAFF_PASSWORD
        )
        .is_ok()
    );
}

#[tokio::test]
async fn wrong_current_passwords_count_like_failed_logins() {
    let app = TestApp::spawn().await;
    app.create_staff(DESK, Role::FrontDesk, STAFF_PASSWORD);
    let desk = app.login_as(DESK, STAFF_PASSWORD).await;
    let change = |current: &'static str| {
        let desk = &desk;
        async move {
            desk.post_text(
                "/staff/password",
                &[
                    ("current", current),
                    ("new", "a new password 123"),
                    ("confirm", "a new password 123"),
                ],
            )
            .await
        }
    };
    for _ in 0..5 {
        let (status, page) = change("wrong").await;
        assert_eq!(status, 422);
        assert!(page.contains("not your current password"));
    }
    // Now even the right current password waits, and so does a login from this client.
    let (status, page) = change(STAFF_PASSWORD).await;
    assert_eq!(status, 422);
    assert!(page.contains("Wait a minute"), "{page}");
    let other = app.browser();
    assert_eq!(
        other
            .try_login(DESK, STAFF_PASSWORD)
            .await
            .status()
            .as_u16(),
        401
    );
    app.clock.set(t(NOW) + Duration::seconds(5));
    let (status, _) = change(STAFF_PASSWORD).await;
    assert_eq!(status, 303);
}

#[tokio::test]
async fn the_printed_first_admin_password_expires_after_a_day() {
    let app = TestApp::spawn().await;
    let generated = {
        let mut c = app.state.pool.get().unwrap();
        diesel::delete(carepath::db::schema::staff_users::table)
            .execute(&mut *c)
            .unwrap();
        carepath::service::staff::ensure_initial_admin(
            &mut c,
            app.clock.now(),
            "first@clinic.example",
            None,
        )
        .unwrap()
        .expect("a generated password")
        .1
    };
    // Within 24 hours it works (and must be replaced) …
    app.clock.set(t(NOW) + Duration::hours(23));
    let r = app
        .browser()
        .try_login("first@clinic.example", &generated)
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(location(&r), "/staff/password");
    // … after that it is refused, with what to do.
    app.clock.set(t(NOW) + Duration::hours(25));
    let r = app
        .browser()
        .try_login("first@clinic.example", &generated)
        .await;
    assert_eq!(r.status().as_u16(), 401);
    let page = r.text().await.unwrap();
    assert!(page.contains("expired"), "{page}");
    assert!(page.contains("carepath create-staff"), "{page}");
    // A password set by its owner doesn't expire.
    let b = app.browser();
    app.clock.set(t(NOW) + Duration::hours(1));
    b.try_login("first@clinic.example", &generated).await;
    let (_, page) = b.get_text("/staff/password").await;
    let csrf = csrf_in(&page);
    let r = b
        .post_raw(
            "/staff/password",
            &[
                ("csrf", csrf.as_str()),
                ("current", generated.as_str()),
                ("new", "my own password 1"),
                ("confirm", "my own password 1"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    app.clock.set(t(NOW) + Duration::days(30));
    let r = app
        .browser()
        .try_login("first@clinic.example", "my own password 1")
        .await;
    assert_eq!(r.status().as_u16(), 303);
}

#[tokio::test]
async fn anonymous_visitors_store_no_session() {
    let app = TestApp::spawn().await;
    app.create_staff(DESK, Role::FrontDesk, STAFF_PASSWORD);
    for _ in 0..20 {
        let b = app.browser();
        let r = b.get("/staff/login").await;
        assert_eq!(r.status().as_u16(), 200);
        let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(cookie.starts_with("carepath_login="), "{cookie}");
        assert_eq!(b.get("/staff/day").await.status().as_u16(), 303);
    }
    // A wrong password stores nothing either.
    let b = app.browser();
    assert_eq!(b.try_login(DESK, "wrong").await.status().as_u16(), 401);
    assert!(session_rows(&app).is_empty());
    // The login form's token is bound to its signed cookie: another browser's token, or a
    // tampered cookie, is refused.
    let other = app.browser();
    let theirs = other.login_csrf().await;
    let mine = app.browser();
    mine.login_csrf().await;
    let r = mine.post_login(&theirs, DESK, STAFF_PASSWORD, None).await;
    assert_eq!(r.status().as_u16(), 403);
    let r = app
        .client
        .post(app.url("/staff/login"))
        .header("Cookie", format!("carepath_login={theirs}"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([
                ("csrf", theirs.as_str()),
                ("email", DESK),
                ("password", STAFF_PASSWORD),
            ])
            .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403, "an unsigned cookie");
    // Logging in stores one session, under the SHA-256 of its key.
    app.login_as(DESK, STAFF_PASSWORD).await;
    let rows = session_rows(&app);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0.len(), 64);
    assert!(rows[0].0.bytes().all(|b| b.is_ascii_hexdigit()));
}

#[tokio::test]
async fn expired_sessions_are_purged_on_the_tick() {
    let app = TestApp::spawn().await;
    app.create_staff(DESK, Role::FrontDesk, STAFF_PASSWORD);
    let old = app.login_as(DESK, STAFF_PASSWORD).await;
    app.clock.set(t(NOW) + Duration::hours(6));
    let fresh = app.login_as(DESK, STAFF_PASSWORD).await;
    assert_eq!(session_rows(&app).len(), 2);
    app.clock.set(t(NOW) + Duration::hours(13));
    assert_eq!(carepath::startup::purge(&app.state).await.unwrap(), 1);
    assert_eq!(session_rows(&app).len(), 1);
    assert_eq!(old.get("/staff/day").await.status().as_u16(), 303);
    assert_eq!(fresh.get("/staff/password").await.status().as_u16(), 200);
}

#[tokio::test]
async fn a_revoked_session_does_not_come_back() {
    let app = TestApp::spawn().await;
    app.create_staff(DESK, Role::FrontDesk, STAFF_PASSWORD);
    let desk = app.login_as(DESK, STAFF_PASSWORD).await;
    // Revoked (as a password change elsewhere or a deactivation does) …
    {
        use carepath::db::schema::staff_sessions;
        let mut c = app.state.pool.get().unwrap();
        diesel::delete(staff_sessions::table)
            .execute(&mut *c)
            .unwrap();
    }
    // … while a request of it was in flight: when that request ends, the store is asked to
    // write its state back. It must not re-create the row.
    let store = DbSessionStore {
        pool: app.state.pool.clone(),
        clock: app.clock.clone(),
        inline_reads: app.state.inline_reads,
    };
    let key = SessionKey::try_from(carepath::domain::token::random_url_safe(32)).unwrap();
    let mut state = std::collections::HashMap::new();
    state.insert("staff_id".to_string(), "1".to_string());
    state.insert("csrf".to_string(), "\"x\"".to_string());
    let ttl = actix_web::cookie::time::Duration::hours(12);
    store.update(key, state, &ttl).await.unwrap();
    assert!(session_rows(&app).is_empty());
    assert_eq!(desk.get("/staff/day").await.status().as_u16(), 303);
    assert!(session_rows(&app).is_empty());
}
