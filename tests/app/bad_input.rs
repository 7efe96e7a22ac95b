//! Bad input of every kind, to the API and the pages: each answered with a clear 4xx that names
//! what was wrong, never a 500, and nothing written.

use serde_json::{Value, json};

use crate::helpers::*;

/// A valid booking of Ann's, for the cases to spoil one field at a time.
fn booking(start: &str) -> Value {
    booking_body("microdermabrasion", start, Some(2), &ANN)
}

#[tokio::test]
async fn api_names_each_invalid_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({}), "treatment"),
        (json!({"treatment": "microdermabrasion"}), "start"),
        (
            {
                let mut b = booking("2030-06-04T10:00:00+01:00");
                b["patient"]["email"] = "not-an-email".into();
                b
            },
            "patient.email",
        ),
        (
            {
                let mut b = booking("2030-06-04T10:00:00+01:00");
                b["patient"]["name"] = "  ".into();
                b
            },
            "patient.name",
        ),
        (
            {
                let mut b = booking("2030-06-04T10:00:00+01:00");
                b["patient"]["phone"] = "call me maybe".into();
                b
            },
            "patient.phone",
        ),
        (
            {
                let mut b = booking("2030-06-04T10:00:00+01:00");
                b["patient"] = Value::Null;
                b
            },
            "patient",
        ),
        (
            {
                let mut b = booking("2030-06-04T10:00:00+01:00");
                b["consent"] = false.into();
                b
            },
            "consent",
        ),
        (
            {
                let mut b = booking("2030-06-04T10:00:00+01:00");
                b.as_object_mut().unwrap().remove("consent");
                b
            },
            "consent",
        ),
        (
            {
                let mut b = booking("2030-06-04T10:00:00+01:00");
                b["consent"] = "yes".into();
                b
            },
            "consent",
        ),
        (
            {
                let mut b = booking("2030-06-04 10:00");
                b["treatment"] = "microdermabrasion".into();
                b
            },
            "start",
        ),
        (
            {
                let mut b = booking("2030-06-04T10:00:00+01:00");
                b["treatment"] = "botox".into();
                b
            },
            "treatment",
        ),
        (
            {
                let mut b = booking("2030-06-04T10:00:00+01:00");
                b["practitioner"] = 99.into();
                b
            },
            "practitioner",
        ),
        (
            {
                let mut b = booking("2030-06-04T10:00:00+01:00");
                b["practitioner"] = "nobody".into();
                b
            },
            "practitioner",
        ),
        (
            {
                let mut b = booking("2030-06-04T10:00:00+01:00");
                b["treatment"] = "laser-resurfacing".into();
                b
            },
            "practitioner",
        ),
        (
            {
                let mut b = booking("2030-06-04T10:00:00+01:00");
                b["note"] = "x".repeat(1001).into();
                b
            },
            "note",
        ),
    ];
    for (body, field) in cases {
        let (status, e) = app.post_json("/api/v1/bookings", &body).await;
        assert_eq!(status, 422, "{body} → {e}");
        assert_eq!(e["error"], "invalid");
        assert!(
            e["fields"][field].is_string(),
            "expected an error for {field}: {e}"
        );
    }
    assert_eq!(app.appointment_count(), 0);
    assert_eq!(app.patient_count(), 0);
}

#[tokio::test]
async fn api_refuses_unbookable_starts_with_a_reason() {
    let app = TestApp::spawn().await;
    let cases = [
        ("2030-06-04T10:05:00+01:00", "off_grid"),
        ("2030-06-04T10:00:30+01:00", "off_grid"),
        ("2030-06-01T10:00:00+01:00", "in_past"),
        ("2030-06-03T07:45:00+01:00", "in_past"),
        ("2030-06-03T08:45:00+01:00", "too_soon"),
        ("2030-06-04T07:00:00+01:00", "outside_hours"),
        ("2030-06-04T17:30:00+01:00", "outside_hours"),
        ("2030-06-09T11:00:00+01:00", "outside_hours"),
        ("2030-12-03T10:00:00+00:00", "beyond_horizon"),
    ];
    for (start, reason) in cases {
        let (status, e) = app.post_json("/api/v1/bookings", &booking(start)).await;
        assert_eq!(status, 409, "{start} → {e}");
        assert_eq!(e["error"], "slot_unavailable");
        assert_eq!(e["reason"], reason, "{start}");
    }
    assert_eq!(app.appointment_count(), 0);
}

#[tokio::test]
async fn api_rejects_unreadable_bodies_cleanly() {
    let app = TestApp::spawn().await;
    let send = |body: Vec<u8>, ctype: &'static str| {
        let req = app
            .client
            .post(app.url("/api/v1/bookings"))
            .header("Content-Type", ctype)
            .body(body);
        async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            let body: Value = r.json().await.expect("a JSON error body");
            (status, body)
        }
    };
    let (status, e) = send(b"{\"treatment\": ".to_vec(), "application/json").await;
    assert_eq!(
        (status, e["error"].as_str()),
        (400, Some("bad_request")),
        "{e}"
    );
    let (status, e) = send(b"[1, 2]".to_vec(), "application/json").await;
    assert_eq!(status, 400, "{e}");
    let (status, e) = send(b"treatment=x".to_vec(), "application/x-www-form-urlencoded").await;
    assert_eq!(status, 400, "{e}");
    assert!(e["message"].as_str().unwrap().contains("JSON"));
    let big = format!("{{\"note\": \"{}\"}}", "x".repeat(100_000));
    let (status, e) = send(big.into_bytes(), "application/json").await;
    assert!(status == 400 || status == 413, "{status} {e}");
    assert_eq!(app.appointment_count(), 0);
}

#[tokio::test]
async fn api_names_bad_availability_queries() {
    let app = TestApp::spawn().await;
    let (status, e) = app
        .get_json("/api/v1/availability?treatment=microdermabrasion&date=tomorrow")
        .await;
    assert_eq!(status, 422);
    assert!(e["fields"]["date"].is_string());
    let (status, e) = app.get_json("/api/v1/availability?date=2030-06-04").await;
    assert_eq!(status, 422);
    assert!(e["fields"]["treatment"].is_string());
    let (status, e) = app
        .get_json("/api/v1/availability?treatment=botox&date=2030-06-04")
        .await;
    assert_eq!(status, 422);
    assert!(e["fields"]["treatment"].is_string());
    let (status, e) = app
        .get_json("/api/v1/availability?treatment=laser-resurfacing&date=2030-06-04&practitioner=2")
        .await;
    assert_eq!(status, 422);
    assert!(e["fields"]["practitioner"].is_string());
}

#[tokio::test]
async fn api_answers_unknown_tokens_and_paths_with_404() {
    let app = TestApp::spawn().await;
    let (status, e) = app
        .get_json("/api/v1/bookings/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await;
    assert_eq!((status, e["error"].as_str()), (404, Some("not_found")));
    let (status, _) = app.get_json("/api/v1/bookings/short").await;
    assert_eq!(status, 404);
    let (status, _) = app
        .post_json("/api/v1/bookings/short/cancel", &json!({}))
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .post_json(
            "/api/v1/bookings/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/reschedule",
            &json!({"start": "2030-06-04T10:00:00+01:00"}),
        )
        .await;
    assert_eq!(status, 404);
    let (status, e) = app.get_json("/api/v1/nothing-here").await;
    assert_eq!((status, e["error"].as_str()), (404, Some("not_found")));
}

#[tokio::test]
async fn pages_answer_unknown_treatments_tokens_and_paths_with_404() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get_text("/treatments/botox").await;
    assert_eq!(status, 404);
    assert!(body.contains("find that treatment"));
    assert_eq!(app.get_text("/book/botox").await.0, 404);
    assert_eq!(
        app.post_form("/book/botox", &[("start", "2030-06-04T10:00:00+01:00")])
            .await
            .status(),
        404
    );
    assert_eq!(app.get_text("/appointments/not-a-token").await.0, 404);
    assert_eq!(
        app.get_text("/appointments/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
            .await
            .0,
        404
    );
    assert_eq!(
        app.post_form("/appointments/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/cancel", &[])
            .await
            .status(),
        404
    );
    assert_eq!(app.get_text("/no/such/page").await.0, 404);
}

#[tokio::test]
async fn pages_refuse_a_body_that_isnt_a_form_or_is_far_too_large() {
    let app = TestApp::spawn().await;
    let r = app
        .client
        .post(app.url("/book/chemical-peel"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("name=%zz&&==")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    let big = "note=".to_string() + &"x".repeat(200_000);
    let r = app
        .client
        .post(app.url("/book/chemical-peel"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    assert_eq!(app.appointment_count(), 0);
}

#[tokio::test]
async fn a_bad_date_in_the_slot_picker_is_named_not_fatal() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .get_text("/book/chemical-peel?date=31-31-2030&practitioner=zz")
        .await;
    assert_eq!(status, 200);
    assert!(body.contains("not a date"), "{body}");
    assert_eq!(app.appointment_count(), 0);
}
