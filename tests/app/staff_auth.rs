//! Staff accounts, login, sessions, CSRF, and the walk over every staff route checking who may
//! open it.

use carepath::domain::staff::Role;

use crate::helpers::*;
use crate::staff_routes::{Access, Route, all_routes};

/// The front desk account of the login tests, with `STAFF_PASSWORD`.
const DESK: &str = "desk@clinic.example";

fn desk_account(app: &TestApp) {
    app.create_staff(DESK, Role::FrontDesk, STAFF_PASSWORD);
}

#[tokio::test]
async fn staff_pages_send_strangers_to_the_login_page() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    let r = b.get("/staff/password").await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        r.headers()["location"].to_str().unwrap(),
        "/staff/login?next=%2Fstaff%2Fpassword"
    );
}

#[tokio::test]
async fn login_sets_a_safe_renewed_session() {
    let app = TestApp::spawn().await;
    desk_account(&app);
    let b = app.browser();
    let r = b.get("/staff/login").await;
    let before = r
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let csrf = csrf_in(&r.text().await.unwrap());
    let r = b
        .post_login(
            &csrf,
            "Desk@Clinic.example",
            STAFF_PASSWORD,
            Some("/staff/week"),
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
    let (status, _) = b.get_text("/staff/password").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn logout_needs_the_token_and_ends_the_session_on_the_server() {
    let app = TestApp::spawn().await;
    desk_account(&app);
    let b = app.login_as(DESK, STAFF_PASSWORD).await;
    assert_eq!(
        b.post_raw("/staff/logout", &[]).await.status().as_u16(),
        403
    );
    assert_eq!(
        b.post_raw("/staff/logout", &[("csrf", &b.csrf)])
            .await
            .status()
            .as_u16(),
        303
    );
    assert_eq!(b.get("/staff/password").await.status().as_u16(), 303);
}

#[tokio::test]
async fn login_refuses_open_redirects() {
    let app = TestApp::spawn().await;
    desk_account(&app);
    let b = app.browser();
    // `next` stays on /staff.
    let csrf = b.login_csrf().await;
    let r = b
        .post_login(&csrf, DESK, STAFF_PASSWORD, Some("https://evil.example/"))
        .await;
    assert_eq!(r.headers()["location"], "/staff");
}

#[tokio::test]
async fn wrong_passwords_slow_down_the_client_but_never_lock_the_account() {
    let app = TestApp::spawn().await;
    desk_account(&app);
    let b = app.browser();
    for i in 1..=8 {
        let r = b.try_login(DESK, "wrong").await;
        assert_eq!(r.status().as_u16(), 401, "attempt {i}");
        let html = r.text().await.unwrap();
        assert!(html.contains("match an active account"));
        assert!(!html.contains("locked"), "{html}");
    }
    // While this client waits, even the right password gets the same answer …
    let csrf = b.login_csrf().await;
    let r = b.post_login(&csrf, DESK, STAFF_PASSWORD, None).await;
    assert_eq!(r.status().as_u16(), 401);
    // … and is accepted once the short wait has passed.
    app.clock.set(t(NOW) + chrono::Duration::minutes(2));
    let r = b.post_login(&csrf, DESK, STAFF_PASSWORD, None).await;
    assert_eq!(r.status().as_u16(), 303);
}

#[tokio::test]
async fn unknown_emails_get_the_same_answer_as_wrong_passwords() {
    let app = TestApp::spawn().await;
    desk_account(&app);
    let b = app.browser();
    let r = b.try_login("nobody@clinic.example", "x").await;
    assert_eq!(r.status().as_u16(), 401);
}

#[tokio::test]
async fn a_login_form_without_its_token_is_refused_outright() {
    let app = TestApp::spawn().await;
    desk_account(&app);
    let b = app.browser();
    b.get("/staff/login").await;
    let r = b
        .post_raw(
            "/staff/login",
            &[("email", DESK), ("password", STAFF_PASSWORD)],
        )
        .await;
    assert_eq!(r.status().as_u16(), 403);
}

#[tokio::test]
async fn a_new_password_needs_the_current_one_and_enough_length() {
    let app = TestApp::spawn().await;
    desk_account(&app);
    let desk = app.login_as(DESK, STAFF_PASSWORD).await;
    let r = desk
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
    let r = desk
        .post(
            "/staff/password",
            &[
                ("current", STAFF_PASSWORD),
                ("new", "short"),
                ("confirm", "short"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    app.login_as(DESK, STAFF_PASSWORD).await;
}

#[tokio::test]
async fn changing_the_password_ends_other_sessions() {
    let app = TestApp::spawn().await;
    desk_account(&app);
    let first = app.login_as(DESK, STAFF_PASSWORD).await;
    let second = app.login_as(DESK, STAFF_PASSWORD).await;
    let r = first
        .post(
            "/staff/password",
            &[
                ("current", STAFF_PASSWORD),
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
    app.login_as(DESK, "new password 123").await;
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

/// Runs `carepath create-staff` with these arguments on a database of its own in `dir`.
fn create_staff_cli(
    dir: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    std::fs::create_dir_all(dir).unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_carepath"));
    cmd.arg("create-staff")
        .args(args)
        .env("DATABASE_URL", dir.join("cli.db"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn cli_dir(tag: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("carepath-cli-{tag}-{}", std::process::id()))
}

#[test]
fn create_staff_reads_the_password_from_the_environment() {
    let dir = cli_dir("env");
    let out = create_staff_cli(
        &dir,
        &[
            "--email",
            "nurse@clinic.example",
            "--role",
            "practitioner",
            "--practitioner",
            "2",
        ],
        &[
            ("CAREPATH_STAFF_PASSWORD", "a long secret password"),
            ("CAREPATH_ADMIN_PASSWORD", "admin password 123"),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("created Practitioner account nurse@clinic.example"));
    assert!(
        !stdout.contains("a long secret password") && !stderr.contains("a long secret password"),
        "never echoed"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn create_staff_names_a_bad_role() {
    let dir = cli_dir("role");
    let out = create_staff_cli(
        &dir,
        &["--email", "x@clinic.example", "--role", "boss"],
        &[("CAREPATH_STAFF_PASSWORD", "a long secret password")],
    );
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
        .replace("{message}", "1")
        .replace("{step}", "1")
        .replace("{entry}", "1")
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
    // Waitlist entry 1.
    let (s, body) = app
        .post_json(
            "/api/v1/waitlist",
            &serde_json::json!({"treatment": "chemical-peel", "from": "2030-06-11",
                                "name": "Wendy Waiting", "email": "wendy@example.org"}),
        )
        .await;
    assert_eq!(s, 201, "{body}");
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
