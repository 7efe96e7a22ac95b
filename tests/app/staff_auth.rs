//! Staff accounts, login, sessions, CSRF, and the walk over every staff route checking who may
//! open it.

use carepath::domain::staff::Role;

use crate::helpers::*;
use crate::staff_routes::{Access, Route, all_routes};

#[tokio::test]
async fn login_sets_a_safe_renewed_session_and_logout_ends_it() {
    let app = TestApp::spawn().await;
    app.create_staff(
        "desk@clinic.example",
        Role::FrontDesk,
        "correct horse battery",
    );
    let b = app.browser();
    let r = b.get("/staff/password").await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        r.headers()["location"].to_str().unwrap(),
        "/staff/login?next=%2Fstaff%2Fpassword"
    );

    let r = b.get("/staff/login").await;
    let before = r
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let csrf = csrf_in(&r.text().await.unwrap());
    let r = b
        .post_raw(
            "/staff/login",
            &[
                ("csrf", &csrf),
                ("email", "Desk@Clinic.example"),
                ("password", "correct horse battery"),
                ("next", "/staff/week"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/staff/week");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("carepath_staff="));
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    assert!(!cookie.contains("Secure"), "plain http in tests");
    assert_ne!(
        cookie.split(';').next(),
        before.split(';').next(),
        "a new session at login"
    );
    let (status, page) = b.get_text("/staff/password").await;
    assert_eq!(status, 200);
    let csrf = csrf_in(&page);

    // Logging out needs the token too, and ends the session on the server.
    assert_eq!(
        b.post_raw("/staff/logout", &[]).await.status().as_u16(),
        403
    );
    assert_eq!(
        b.post_raw("/staff/logout", &[("csrf", &csrf)])
            .await
            .status()
            .as_u16(),
        303
    );
    assert_eq!(b.get("/staff/password").await.status().as_u16(), 303);

    // Open redirects are refused: `next` stays on /staff.
    let (_, page) = b.get_text("/staff/login").await;
    let csrf = csrf_in(&page);
    let r = b
        .post_raw(
            "/staff/login",
            &[
                ("csrf", &csrf),
                ("email", "desk@clinic.example"),
                ("password", "correct horse battery"),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(r.headers()["location"], "/staff");
}

#[tokio::test]
async fn wrong_passwords_slow_down_then_lock_the_account() {
    let app = TestApp::spawn().await;
    app.create_staff(
        "desk@clinic.example",
        Role::FrontDesk,
        "correct horse battery",
    );
    let b = app.browser();
    for i in 1..=5 {
        let (_, page) = b.get_text("/staff/login").await;
        let csrf = csrf_in(&page);
        let r = b
            .post_raw(
                "/staff/login",
                &[
                    ("csrf", &csrf),
                    ("email", "desk@clinic.example"),
                    ("password", "wrong"),
                ],
            )
            .await;
        assert_eq!(r.status().as_u16(), 401, "attempt {i}");
        let html = r.text().await.unwrap();
        if i < 5 {
            assert!(html.contains("match an active account"));
        } else {
            assert!(html.contains("locked"), "{html}");
        }
    }
    // Even the right password is refused while locked …
    let (_, page) = b.get_text("/staff/login").await;
    let csrf = csrf_in(&page);
    let r = b
        .post_raw(
            "/staff/login",
            &[
                ("csrf", &csrf),
                ("email", "desk@clinic.example"),
                ("password", "correct horse battery"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 401);
    // … and accepted once the lock has passed.
    app.clock.set(t(NOW) + chrono::Duration::minutes(2));
    let r = b
        .post_raw(
            "/staff/login",
            &[
                ("csrf", &csrf),
                ("email", "desk@clinic.example"),
                ("password", "correct horse battery"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    // Unknown emails get the same answer as wrong passwords.
    let (_, page) = b.get_text("/staff/login").await;
    let r = b
        .post_raw(
            "/staff/login",
            &[
                ("csrf", &csrf_in(&page)),
                ("email", "nobody@clinic.example"),
                ("password", "x"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 401);
    // A login form posted without its token is refused outright.
    let r = b
        .post_raw(
            "/staff/login",
            &[
                ("email", "desk@clinic.example"),
                ("password", "correct horse battery"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 403);
}

#[tokio::test]
async fn changing_the_password_ends_other_sessions() {
    let app = TestApp::spawn().await;
    app.create_staff(
        "desk@clinic.example",
        Role::FrontDesk,
        "correct horse battery",
    );
    let first = app
        .login_as("desk@clinic.example", "correct horse battery")
        .await;
    let second = app
        .login_as("desk@clinic.example", "correct horse battery")
        .await;
    let r = first
        .post(
            "/staff/password",
            &[
                ("current", "wrong"),
                ("new", "new password 123"),
                ("confirm", "new password 123"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let r = first
        .post(
            "/staff/password",
            &[
                ("current", "correct horse battery"),
                ("new", "short"),
                ("confirm", "short"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let r = first
        .post(
            "/staff/password",
            &[
                ("current", "correct horse battery"),
                ("new", "new password 123"),
                ("confirm", "new password 123"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        first.get("/staff/password").await.status().as_u16(),
        200,
        "this session goes on"
    );
    assert_eq!(
        second.get("/staff/password").await.status().as_u16(),
        303,
        "the other one is logged out"
    );
    app.login_as("desk@clinic.example", "new password 123")
        .await;
}

#[tokio::test]
async fn the_first_admin_must_replace_a_printed_password() {
    let app = TestApp::spawn().await;
    // The test app starts with no CAREPATH_ADMIN_PASSWORD: a one-time password was generated.
    let mut c = app.state.pool.get().unwrap();
    let admin = carepath::db::staff::by_email(&mut c, "admin@example.org")
        .unwrap()
        .expect("first admin");
    assert!(admin.must_change_password);
    assert_eq!(admin.role, "admin");
    assert!(admin.password_hash.starts_with("$argon2id$"));
}

#[test]
fn create_staff_reads_the_password_from_the_environment() {
    let dir = std::env::temp_dir().join(format!("carepath-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("cli.db");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_carepath"))
        .args([
            "create-staff",
            "--email",
            "nurse@clinic.example",
            "--role",
            "practitioner",
            "--practitioner",
            "2",
        ])
        .env("DATABASE_URL", &db)
        .env("CAREPATH_STAFF_PASSWORD", "a long secret password")
        .env("CAREPATH_ADMIN_PASSWORD", "admin password 123")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("created Practitioner account nurse@clinic.example"));
    assert!(
        !stdout.contains("a long secret password") && !stderr.contains("a long secret password"),
        "never echoed"
    );
    // A bad role is a clear error.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_carepath"))
        .args([
            "create-staff",
            "--email",
            "x@clinic.example",
            "--role",
            "boss",
        ])
        .env("DATABASE_URL", &db)
        .env("CAREPATH_STAFF_PASSWORD", "a long secret password")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--role"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Counts that move whenever anything is changed (every change writes the audit trail).
fn fingerprint(app: &TestApp) -> (i64, i64) {
    use carepath::db::schema::audit_log;
    use diesel::{QueryDsl, RunQueryDsl, TextExpressionMethods};
    let mut c = app.state.pool.get().unwrap();
    let changes: i64 = audit_log::table
        .filter(audit_log::action.not_like("login.%"))
        .count()
        .get_result(&mut *c)
        .unwrap();
    (changes, app.appointment_count())
}

fn fill(path: &str) -> String {
    path.replace("{appointment}", "1")
        .replace("{patient}", "1")
        .replace("{practitioner}", "1")
        .replace("{treatment}", "1")
        .replace("{staff}", "1")
}

#[tokio::test]
async fn every_staff_route_checks_login_role_and_csrf() {
    let app = TestApp::spawn().await;
    // Appointment 1, patient 1: Jonah's (practitioner 2), whom the practitioner account is linked to.
    let (s, _) = app
        .book(
            "microdermabrasion",
            "2030-06-04T10:00:00+01:00",
            Some(2),
            "ann@example.org",
        )
        .await;
    assert_eq!(s, 201);
    let anonymous = app.browser();
    let admin = app.staff(Role::Admin).await;
    let desk = app.staff(Role::FrontDesk).await;
    let practitioner = app.staff(Role::Practitioner).await;
    let routes: Vec<Route> = all_routes();
    assert!(routes.len() >= 5);
    for r in &routes {
        let path = fill(r.path);
        // Anonymous: to the login page, whatever the method.
        let resp = if r.post {
            anonymous.post_raw(&path, &[]).await
        } else {
            anonymous.get(&path).await
        };
        assert_eq!(
            resp.status().as_u16(),
            303,
            "anonymous {} {}",
            if r.post { "POST" } else { "GET" },
            r.path
        );
        assert!(
            resp.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/staff/login"),
            "{}",
            r.path
        );

        for (who, role) in [
            (&admin, Role::Admin),
            (&desk, Role::FrontDesk),
            (&practitioner, Role::Practitioner),
        ] {
            let allowed = match r.access {
                Access::Anyone => true,
                Access::Bookings => role.manages_bookings(),
                Access::Admin => role.manages_clinic(),
            };
            if r.post {
                // Without the token: refused, nothing changed.
                let before = fingerprint(&app);
                let resp = who.post_raw(&path, &[("csrf", "forged")]).await;
                assert_eq!(
                    resp.status().as_u16(),
                    403,
                    "{:?} POST {} without CSRF",
                    role,
                    r.path
                );
                assert_eq!(
                    fingerprint(&app),
                    before,
                    "POST {} without CSRF changed something",
                    r.path
                );
                if !allowed {
                    let resp = who.post(&path, &[]).await;
                    assert_eq!(resp.status().as_u16(), 403, "{:?} POST {}", role, r.path);
                    assert_eq!(
                        fingerprint(&app),
                        before,
                        "refused POST {} changed something",
                        r.path
                    );
                }
            } else {
                let status = who.get(&path).await.status().as_u16();
                if allowed {
                    assert!(
                        status == 200 || status == 303,
                        "{:?} GET {} → {status}",
                        role,
                        r.path
                    );
                } else {
                    assert_eq!(status, 403, "{:?} GET {}", role, r.path);
                }
            }
        }
    }
}
