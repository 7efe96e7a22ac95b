//! Issue 8, sections 6 and 7: the security headers on every kind of answer, and the inputs that
//! once gave 500s or panics (calendar-end dates, CR/LF in redirects, NUL, overflowing pages,
//! bidi and separator characters) — each now a clear 4xx or a safe redirect, on both backends.

use carepath::domain::staff::Role;
use serde_json::json;

use crate::helpers::*;

const START: &str = "2030-06-04T10:00:00+01:00";

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn every_answer_has_a_strict_csp_and_private_ones_are_not_stored() {
    let app = TestApp::spawn().await;
    let b = app.booked("microdermabrasion", START, 2, &ANN).await;
    let admin = app.staff(Role::Admin).await;
    let public = ["/", "/book/microdermabrasion", "/api/v1/treatments"];
    let private = [
        format!("/appointments/{}", b.token),
        format!("/appointments/{}/calendar.ics", b.token),
        format!("/api/v1/bookings/{}", b.token),
    ];
    for path in public.iter().map(|s| s.to_string()).chain(private.clone()) {
        let r = app.get(&path).await;
        assert_eq!(r.status().as_u16(), 200, "{path}");
        let csp = header(&r, "content-security-policy");
        for part in [
            "default-src 'self'",
            "frame-ancestors 'none'",
            "form-action 'self'",
            "base-uri 'none'",
        ] {
            assert!(csp.contains(part), "{path}: {csp}");
        }
        assert_eq!(header(&r, "x-content-type-options"), "nosniff", "{path}");
        // The test app serves plain http: no HSTS.
        assert_eq!(header(&r, "strict-transport-security"), "", "{path}");
        let cache = header(&r, "cache-control");
        if private.contains(&path) {
            assert_eq!(cache, "no-store", "{path}");
        } else {
            assert!(!cache.contains("no-store"), "{path}: {cache}");
        }
    }
    for path in [
        "/staff",
        "/staff/day",
        "/staff/care-plans",
        "/staff/messages",
    ] {
        let r = admin.get(path).await;
        assert_eq!(r.status().as_u16(), 200, "{path}");
        assert_eq!(header(&r, "cache-control"), "no-store", "{path}");
        assert!(header(&r, "content-security-policy").contains("frame-ancestors 'none'"));
    }
    // The login page too, and the booking API's answer (it holds the manage link).
    let r = app.get("/staff/login").await;
    assert_eq!(header(&r, "cache-control"), "no-store");
    let r = app
        .client
        .post(app.url("/api/v1/bookings"))
        .json(&booking_body(
            "microdermabrasion",
            "2030-06-04T11:00:00+01:00",
            Some(2),
            &ANN,
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    assert_eq!(header(&r, "cache-control"), "no-store");
}

#[tokio::test]
async fn the_care_plan_preview_iframe_fits_the_policy() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let (_, list) = admin.get_text("/staff/care-plans").await;
    let step = values_after(&list, "href=\"/staff/care-plans/steps/")
        .into_iter()
        .next()
        .expect("a step link");
    let r = admin.get(&format!("/staff/care-plans/steps/{step}")).await;
    let csp = header(&r, "content-security-policy");
    let html = r.text().await.unwrap();
    // The preview is a sandboxed srcdoc frame: same document policy, no other origin to allow,
    // and emails style with attributes, which the policy allows; no <style> or <script> anywhere.
    assert!(
        html.contains("<iframe title=\"HTML preview\" class=\"email-preview\" sandbox srcdoc=")
    );
    assert!(csp.contains("style-src-attr 'unsafe-inline'"), "{csp}");
    assert!(
        !html.contains("<script") && !html.contains("&lt;style"),
        "{html}"
    );
}

#[tokio::test]
async fn https_sites_send_hsts() {
    let app = TestApp::spawn().await;
    assert!(!app.state.base_url.starts_with("https://"));
    // HSTS follows CAREPATH_BASE_URL: the middleware reads it per request, so a check of the
    // function's decision is enough here; the header's absence on http is checked above.
    let mut settings = carepath::config::Settings::for_database(&app.database_url).unwrap();
    settings.bind = "127.0.0.1:0".into();
    settings.workers = Some(1);
    settings.base_url = Some("https://clinic.example".into());
    let other = carepath::startup::Application::build(settings, app.clock.clone()).unwrap();
    let address = format!("http://127.0.0.1:{}", other.port());
    tokio::spawn(other.run_until_stopped());
    let r = app.client.get(format!("{address}/")).send().await.unwrap();
    assert_eq!(header(&r, "strict-transport-security"), "max-age=31536000");
}

#[tokio::test]
async fn calendar_end_dates_are_a_clear_422_not_a_panic() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    for path in [
        "/staff/export.csv?from=%2B262142-12-31&to=%2B262142-12-31",
        "/staff/export.csv?from=-262143-01-01&to=2030-01-01",
        "/staff/audit?from=%2B262142-12-31",
        "/staff/audit?to=%2B262142-12-31",
        "/staff/audit?from=-262143-01-01&to=%2B262142-12-31",
        "/staff/day?date=%2B262142-12-31",
        "/staff/week?date=%2B262142-12-31",
        "/api/v1/availability?treatment=microdermabrasion&date=%2B262142-12-31",
    ] {
        let (status, body) = admin.get_text(path).await;
        assert!(
            status == 422 || status == 400 || status == 200,
            "{path}: {status} {body}"
        );
        if path.contains("export") || path.contains("audit") {
            assert_eq!(status, 422, "{path}");
            assert!(body.contains("1900 and 9999"), "{path}: {body}");
        }
    }
}

#[tokio::test]
async fn cr_lf_in_a_redirect_target_goes_to_a_safe_page() {
    let app = TestApp::spawn().await;
    app.create_staff("desk@clinic.example", Role::Admin, STAFF_PASSWORD);
    let b = app.browser();
    let csrf = b.login_csrf().await;
    let r = b
        .post_login(
            &csrf,
            "desk@clinic.example",
            STAFF_PASSWORD,
            Some("/staff\r\nSet-Cookie: x=1"),
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(location(&r), "/staff");
    // NUL in the login email: the usual refusal, not a database error (PostgreSQL).
    let other = app.browser();
    let r = other
        .try_login("desk\u{0}@clinic.example", STAFF_PASSWORD)
        .await;
    assert_eq!(r.status().as_u16(), 401);

    let booked = app.booked("microdermabrasion", START, 2, &ANN).await;
    let admin = app.staff(Role::Admin).await;
    let id = app.outbox_of(booked.id)[0].id;
    for back in [
        "/staff/messages\r\nX-Evil: 1",
        "/staff/messages\n",
        "/staff/\u{0}",
    ] {
        let r = admin
            .post(&format!("/staff/messages/{id}/cancel"), &[("back", back)])
            .await;
        let status = r.status().as_u16();
        assert!(status == 303 || status == 409, "{back:?}: {status}");
        if status == 303 {
            assert!(
                location(&r).starts_with("/staff/messages?done="),
                "{back:?}"
            );
        }
    }
}

#[tokio::test]
async fn an_overflowing_message_page_is_a_clear_answer() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    for page in [
        "9223372036854775807",
        "92233720368547758",
        "-1",
        "99999999999999999999",
    ] {
        let (status, body) = admin
            .get_text(&format!("/staff/messages?page={page}"))
            .await;
        assert_eq!(status, 400, "page {page}: {body}");
        assert!(body.contains("page number"), "{body}");
    }
    let (status, _) = admin.get_text("/staff/messages?page=3").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn nul_in_a_note_or_cancel_reason_is_a_field_error() {
    let app = TestApp::spawn().await;
    let mut body = booking_body("microdermabrasion", START, Some(2), &ANN);
    body["note"] = "before\u{0}after".into();
    let (status, json) = app.post_json("/api/v1/bookings", &body).await;
    assert_eq!(status, 422, "{json}");
    assert!(json["fields"]["note"].is_string(), "{json}");
    assert_eq!(app.appointment_count(), 0);

    let b = app.booked("microdermabrasion", START, 2, &ANN).await;
    let (status, json) = app
        .post_json(
            &format!("/api/v1/bookings/{}/cancel", b.token),
            &json!({"reason": "a\u{0}b"}),
        )
        .await;
    assert_eq!(status, 422, "{json}");
    assert!(json["fields"]["reason"].is_string(), "{json}");
    let r = app
        .post_form(
            &format!("/appointments/{}/cancel", b.token),
            &[("reason", "a\u{0}b")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    assert_eq!(app.appointment(b.id).status, "booked");

    // A staff note with NUL, through the console.
    let desk = app.staff(Role::FrontDesk).await;
    let (status, _) = desk
        .post_text(
            &format!("/staff/appointments/{}/notes", b.id),
            &[("body", "x\u{0}y")],
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = desk
        .post_text(
            &format!("/staff/appointments/{}/cancel", b.id),
            &[("reason", "x\u{0}y")],
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(app.appointment(b.id).status, "booked");
}

#[tokio::test]
async fn bidi_overrides_and_separators_are_refused_in_names_and_lines() {
    let app = TestApp::spawn().await;
    for (i, bad) in [
        "Ann\u{202E}eeL",
        "Ann\u{2028}Lee",
        "Ann\u{2029}Lee",
        "Ann\u{2066}Lee\u{2069}",
        "\u{200B}Ann",
    ]
    .iter()
    .enumerate()
    {
        let patient = Patient::new(bad, "ann@example.org");
        let start = format!("2030-06-04T1{i}:00:00+01:00");
        let (status, json) = app
            .book_for("microdermabrasion", &start, Some(2), &patient)
            .await;
        assert_eq!(status, 422, "{bad:?}: {json}");
        assert!(json["fields"]["patient.name"].is_string(), "{json}");
    }
    assert_eq!(app.appointment_count(), 0);
    // A name in a script that needs a zero-width non-joiner is fine.
    let ok = Patient::new("می\u{200C}خواهم", "z@example.org");
    app.booked("microdermabrasion", START, 2, &ok).await;

    // Staff one-line fields: a staff account's name.
    let admin = app.staff(Role::Admin).await;
    let (status, page) = admin
        .post_text(
            "/staff/accounts",
            &[
                ("email", "new@clinic.example"),
                ("name", "Eve\u{202E}nimda"),
                ("role", "front_desk"),
                ("password", "a long enough password"),
            ],
        )
        .await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("invisible formatting"), "{page}");
}
