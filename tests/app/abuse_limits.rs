//! Issue 8 §2: per-client rate limits (429 + Retry-After, a page for forms and JSON for the API),
//! X-Forwarded-For only from trusted proxies, the cap on one email's upcoming bookings, and the
//! booking form's honeypot.

use carepath::domain::staff::Role;
use serde_json::json;

use crate::helpers::*;

async fn limited() -> TestApp {
    TestApp::spawn_with(Options {
        rate_limits: true,
        ..Options::default()
    })
    .await
}

fn peel(email: &str) -> serde_json::Value {
    booking_body(
        "chemical-peel",
        "2030-06-04T10:00:00+01:00",
        Some(2),
        &Patient::new("Ann Lee", email),
    )
}

async fn post_json_from(
    app: &TestApp,
    path: &str,
    body: &serde_json::Value,
    forwarded_for: Option<&str>,
) -> reqwest::Response {
    let mut r = app.client.post(app.url(path)).json(body);
    if let Some(xff) = forwarded_for {
        r = r.header("X-Forwarded-For", xff);
    }
    r.send().await.expect("request")
}

fn retry_after(r: &reqwest::Response) -> u64 {
    r.headers()
        .get("Retry-After")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After in seconds")
}

#[tokio::test]
async fn the_booking_api_answers_429_json_with_retry_after_past_the_limit() {
    let app = limited().await;
    // The default: 5 booking POSTs per client per minute, whatever each answers.
    for i in 0..5 {
        let r = post_json_from(&app, "/api/v1/bookings", &peel("ann@example.org"), None).await;
        assert_ne!(r.status().as_u16(), 429, "request {i}");
    }
    let r = post_json_from(&app, "/api/v1/bookings", &peel("bob@example.org"), None).await;
    assert_eq!(r.status().as_u16(), 429);
    assert!(retry_after(&r) >= 1);
    let body: serde_json::Value = r.json().await.expect("JSON");
    assert_eq!(body["error"], "rate_limited");
    assert!(body["retry_after"].as_u64().is_some_and(|s| s >= 1));
    assert_eq!(app.appointment_count(), 1, "nothing booked past the limit");
    // Reads are not limited.
    assert_eq!(app.get_text("/api/v1/treatments").await.0, 200);
}

#[tokio::test]
async fn the_booking_form_answers_429_as_a_page() {
    let app = limited().await;
    let fields = [
        ("start", "2030-06-04T10:00:00+01:00"),
        ("practitioner", "2"),
        ("name", "Ann Lee"),
        ("email", "ann@example.org"),
    ];
    for _ in 0..5 {
        let r = app.post_form("/book/chemical-peel", &fields).await;
        assert_ne!(r.status().as_u16(), 429);
    }
    let r = app.post_form("/book/chemical-peel", &fields).await;
    assert_eq!(r.status().as_u16(), 429);
    assert!(retry_after(&r) >= 1);
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("text/html"), "{ct}");
    let html = r.text().await.unwrap();
    assert!(html.contains("Too many requests"), "{html}");
}

#[tokio::test]
async fn manage_unsubscribe_other_public_posts_and_staff_login_are_limited() {
    let app = limited().await;
    let b = app
        .booked("chemical-peel", "2030-06-11T10:00:00+01:00", 2, &ANN)
        .await;
    for (path, limit) in [
        (format!("/appointments/{}/reschedule", b.token), 10),
        ("/unsubscribe/not-a-token".to_string(), 10),
        ("/treatments/chemical-peel".to_string(), 20),
        ("/staff/login".to_string(), 10),
    ] {
        for i in 0..limit {
            let r = app.post_form(&path, &[("x", "1")]).await;
            assert_ne!(r.status().as_u16(), 429, "{path} request {i}");
        }
        let r = app.post_form(&path, &[("x", "1")]).await;
        assert_eq!(r.status().as_u16(), 429, "{path}");
        assert!(retry_after(&r) >= 1);
    }
    let (status, _) = app
        .post_json(&format!("/api/v1/bookings/{}/cancel", b.token), &json!({}))
        .await;
    assert_eq!(
        status, 429,
        "the API's manage routes share the manage bucket"
    );
    // Signed-in staff work is not limited by these buckets.
    let admin_app = limited().await;
    let desk = admin_app.staff(Role::FrontDesk).await;
    assert_eq!(desk.get_text("/staff/day").await.0, 200);
}

#[tokio::test]
async fn limits_off_lets_every_request_through() {
    let app = TestApp::spawn().await; // the suite's default: CAREPATH_RATE_LIMITS=off
    for _ in 0..12 {
        let r = post_json_from(&app, "/api/v1/bookings", &peel("ann@example.org"), None).await;
        assert_ne!(r.status().as_u16(), 429);
    }
}

#[tokio::test]
async fn forwarded_for_is_believed_only_from_trusted_proxies() {
    // Untrusted peer: a new X-Forwarded-For each time buys nothing.
    let app = limited().await;
    for i in 0..5 {
        let xff = format!("203.0.113.{i}");
        let r = post_json_from(&app, "/api/v1/bookings", &json!({}), Some(&xff)).await;
        assert_ne!(r.status().as_u16(), 429);
    }
    let r = post_json_from(&app, "/api/v1/bookings", &json!({}), Some("203.0.113.99")).await;
    assert_eq!(r.status().as_u16(), 429);

    // Trusted peer (the proxy on 127.0.0.1): each forwarded client has its own bucket.
    let app = TestApp::spawn_with(Options {
        rate_limits: true,
        trusted_proxies: "127.0.0.1",
        ..Options::default()
    })
    .await;
    for _ in 0..5 {
        let r = post_json_from(&app, "/api/v1/bookings", &json!({}), Some("203.0.113.1")).await;
        assert_ne!(r.status().as_u16(), 429);
    }
    let r = post_json_from(&app, "/api/v1/bookings", &json!({}), Some("203.0.113.1")).await;
    assert_eq!(
        r.status().as_u16(),
        429,
        "the same client, through the proxy"
    );
    let r = post_json_from(&app, "/api/v1/bookings", &json!({}), Some("203.0.113.2")).await;
    assert_ne!(r.status().as_u16(), 429, "another client behind the proxy");
}

const DAYS: [&str; 5] = [
    "2030-06-04T10:00:00+01:00",
    "2030-06-05T10:00:00+01:00",
    "2030-06-06T10:00:00+01:00",
    "2030-06-07T10:00:00+01:00",
    "2030-06-11T10:00:00+01:00",
];

#[tokio::test]
async fn one_email_holds_at_most_four_upcoming_bookings_online() {
    let app = TestApp::spawn().await;
    let mut first = json!(null);
    for day in &DAYS[..4] {
        let (status, body) = app
            .book("microdermabrasion", day, None, "ann@example.org")
            .await;
        assert_eq!(status, 201, "{day}: {body}");
        if first.is_null() {
            first = body;
        }
    }
    let (status, body) = app
        .book("microdermabrasion", DAYS[4], None, "ANN@example.org")
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "too_many_bookings");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("call the clinic")
    );
    // The form says so too, with the details kept.
    let r = app
        .post_form(
            "/book/microdermabrasion",
            &[
                ("start", DAYS[4]),
                ("name", "Ann Lee"),
                ("email", "ann@example.org"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 409);
    let html = r.text().await.unwrap();
    assert!(html.contains("as many upcoming appointments"), "{html}");
    // Another email is not affected.
    let (status, _) = app
        .book("microdermabrasion", DAYS[4], None, "bob@example.org")
        .await;
    assert_eq!(status, 201);
    assert_eq!(app.appointment_count(), 5);
    // A cancelled booking frees a place.
    let token = token_of(first["manage_url"].as_str().expect("manage_url"));
    let (status, _) = app
        .post_json(&format!("/api/v1/bookings/{token}/cancel"), &json!({}))
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .book(
            "microdermabrasion",
            "2030-06-12T10:00:00+01:00",
            None,
            "ann@example.org",
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn the_cap_is_a_clinic_setting() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let (_, page) = admin.get_text("/staff/settings").await;
    assert!(page.contains("name=\"max_active_bookings\""));
    assert!(page.contains("value=\"4\""));
    let (status, page) = admin
        .post_text("/staff/settings", &settings_with(&page, "0"))
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("id=\"max_active_bookings-error\""), "{page}");
    let (status, page) = admin
        .post_text("/staff/settings", &settings_with(&page, "1"))
        .await;
    assert_eq!(status, 303, "saved: {page}");
    let (status, _) = app
        .book("microdermabrasion", DAYS[0], None, "ann@example.org")
        .await;
    assert_eq!(status, 201);
    let (status, body) = app
        .book("microdermabrasion", DAYS[1], None, "ann@example.org")
        .await;
    assert_eq!(status, 409);
    assert_eq!(body["error"], "too_many_bookings");
}

/// Every input of the settings page as shown, with the cap replaced.
fn settings_with(page: &str, cap: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for chunk in page.split("<input").skip(1) {
        let tag = &chunk[..chunk.find('>').unwrap_or(chunk.len())];
        let get = |key: &str| {
            let key = format!(" {key}=\"");
            tag.find(&key).map(|i| {
                let rest = &tag[i + key.len()..];
                rest[..rest.find('"').unwrap_or(rest.len())].to_string()
            })
        };
        let Some(name) = get("name") else { continue };
        if tag.contains("type=\"checkbox\"") && !tag.contains(" checked") {
            continue;
        }
        let value = if name == "max_active_bookings" {
            cap.to_string()
        } else {
            get("value").unwrap_or_default()
        };
        out.push((name, value));
    }
    // Selects (the time zone list) send their selected option.
    for chunk in page.split("<select").skip(1) {
        let body = &chunk[..chunk.find("</select>").unwrap_or(chunk.len())];
        let Some(at) = body.find(" name=\"") else {
            continue;
        };
        let name = &body[at + 7..];
        let name = &name[..name.find('"').unwrap_or(0)];
        if let Some(sel) = body.find(" selected>") {
            let before = &body[..sel];
            let v = &before[before.rfind("value=\"").map_or(0, |i| i + 7)..];
            out.push((
                name.to_string(),
                v[..v.find('"').unwrap_or(v.len())].to_string(),
            ));
        }
    }
    out
}

#[tokio::test]
async fn a_filled_honeypot_gets_a_plausible_page_and_nothing_is_stored_or_sent() {
    let app = TestApp::spawn().await;
    // Past the screening step (issue 10) to the details form.
    let (_, form) = app
        .details_page(
            "chemical-peel",
            "start=2030-06-04T10:00:00%2B01:00&practitioner=2",
        )
        .await;
    assert!(form.contains("name=\"website\""), "{form}");
    assert!(form.contains("tabindex=\"-1\"") && form.contains("aria-hidden=\"true\""));
    let r = app
        .post_form(
            "/book/chemical-peel",
            &[
                ("start", "2030-06-04T10:00:00+01:00"),
                ("practitioner", "2"),
                ("name", "Robot"),
                ("email", "victim@example.org"),
                ("consent", "yes"),
                ("website", "https://spam.example"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("You're booked"));
    assert_eq!(app.appointment_count(), 0);
    assert_eq!(app.patient_count(), 0);
    assert!(app.outbox().is_empty());
}

/// The limit holds under a race: one email already holding three upcoming bookings fires six
/// more at once, on six different days with the same practitioner. On PostgreSQL those
/// bookings share no practitioner-day lock, so only the lock on the patient's row keeps two of
/// them from counting the same three and both going in.
#[tokio::test]
async fn racing_bookings_by_one_email_still_stop_at_four() {
    let app = TestApp::spawn().await;
    for day in &DAYS[..3] {
        let (status, body) = app
            .book("microdermabrasion", day, Some(2), "ann@example.org")
            .await;
        assert_eq!(status, 201, "{day}: {body}");
    }
    let days = [
        "2030-06-11T10:00:00+01:00",
        "2030-06-12T10:00:00+01:00",
        "2030-06-13T10:00:00+01:00",
        "2030-06-14T10:00:00+01:00",
        "2030-06-17T10:00:00+01:00",
        "2030-06-18T10:00:00+01:00",
    ];
    let racers = days.iter().map(|day| async {
        app.book("microdermabrasion", day, Some(2), "ann@example.org")
            .await
    });
    let answers = futures::future::join_all(racers).await;
    let statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{answers:?}"
    );
    for (status, body) in &answers {
        if *status != 201 {
            assert_eq!(*status, 409, "{body}");
            assert_eq!(body["error"], "too_many_bookings", "{body}");
        }
    }
    assert_eq!(app.appointment_count(), 4);
}
