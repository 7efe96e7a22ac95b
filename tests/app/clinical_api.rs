//! Clinical safety through the API: the questions and consent version in the treatment list,
//! a blocking answer refused with nothing written, review answers flagged, bookings without
//! answers pending, consent recorded by version, laser refused without a consultation.

use serde_json::json;

use crate::helpers::*;

const PEEL_10: &str = "2030-06-04T10:00:00+01:00";

#[tokio::test]
async fn treatments_list_their_questions_consent_and_consultation() {
    let app = TestApp::spawn().await;
    let peel = app.treatment_json("chemical-peel").await;
    let qs = peel["screening"].as_array().unwrap();
    assert!(qs.len() >= 5, "{peel}");
    for q in qs {
        assert!(q["id"].as_i64().is_some());
        assert!(q["text"].as_str().unwrap().ends_with('?'));
        assert!(["block", "review", "info"].contains(&q["effect"].as_str().unwrap()));
    }
    assert!(
        qs.iter()
            .any(|q| q["text"].as_str().unwrap().contains("pregnant"))
    );
    assert_eq!(peel["consent_version"], 1);
    assert_eq!(peel["consent_url"], "/treatments/chemical-peel/consent");
    assert_eq!(peel["consultation_required_months"], json!(null));
    let laser = app.treatment_json("laser-resurfacing").await;
    assert_eq!(laser["consultation_required_months"], 6);
    let consultation = app.treatment_json("consultation").await;
    assert_eq!(consultation["screening"], json!([]));
    // In the clinic's currency: the demo clinic is in London (issue 9).
    assert_eq!(consultation["price"]["label"], "£50");
}

#[tokio::test]
async fn a_blocking_answer_is_refused_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let qs = app.questions("chemical-peel").await;
    let block = with_effect(&qs, "block");
    let mut body = booking_body("chemical-peel", PEEL_10, Some(2), &ANN);
    body["screening"] = answers(&qs, &[block.id]);
    let (appointments, patients, audit, outbox) = (
        app.appointment_count(),
        app.patient_count(),
        app.audit_count(),
        app.outbox().len(),
    );
    let (status, answer) = app.post_json("/api/v1/bookings", &body).await;
    assert_eq!(status, 409, "{answer}");
    assert_eq!(answer["error"], "screening_blocked");
    assert!(answer["message"].as_str().unwrap().contains("call us"));
    assert_eq!(app.appointment_count(), appointments);
    assert_eq!(app.patient_count(), patients);
    assert_eq!(app.audit_count(), audit);
    assert_eq!(app.outbox().len(), outbox);
    assert_eq!(app.screening_answer_count(), 0);
    // The same answers with that one "no" book.
    body["screening"] = answers(&qs, &[]);
    let (status, answer) = app.post_json("/api/v1/bookings", &body).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["screening"], "answered");
    assert!(answer.get("screening_url").is_none());
    let id = answer["id"].as_i64().unwrap() as i32;
    assert_eq!(app.stored_answers(id).len(), qs.len());
    let state = app.screening_state(id).unwrap();
    assert_eq!(state.status, "answered");
    assert_eq!(state.flag, None);
}

#[tokio::test]
async fn answers_are_checked_against_the_current_questions() {
    let app = TestApp::spawn().await;
    let qs = app.questions("chemical-peel").await;
    let mut body = booking_body("chemical-peel", PEEL_10, Some(2), &ANN);
    // One answer missing, one unknown id, one not a boolean.
    let mut partial = answers(&qs, &[]);
    partial
        .as_object_mut()
        .unwrap()
        .remove(&qs[0].id.to_string());
    body["screening"] = partial;
    let (status, answer) = app.post_json("/api/v1/bookings", &body).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(
        answer["fields"][format!("screening.{}", qs[0].id)],
        "Please answer this question."
    );
    body["screening"] = json!({"99999": false});
    let (status, answer) = app.post_json("/api/v1/bookings", &body).await;
    assert_eq!(status, 422, "{answer}");
    assert!(answer["fields"]["screening.99999"].is_string());
    body["screening"] = json!({"x": "yes"});
    let (status, answer) = app.post_json("/api/v1/bookings", &body).await;
    assert_eq!(status, 422);
    assert_eq!(answer["fields"]["screening.x"], "is not a question id");
    body["screening"] = json!([true]);
    let (status, answer) = app.post_json("/api/v1/bookings", &body).await;
    assert_eq!(status, 422);
    assert!(answer["fields"]["screening"].is_string());
    assert_eq!(app.appointment_count(), 0);
}

#[tokio::test]
async fn a_review_answer_books_flagged_and_keeps_its_version() {
    let app = TestApp::spawn().await;
    let qs = app.questions("chemical-peel").await;
    let review = with_effect(&qs, "review");
    let mut body = booking_body("chemical-peel", PEEL_10, Some(2), &ANN);
    body["screening"] = answers(&qs, &[review.id]);
    body["consent_version"] = json!(1);
    let (status, answer) = app
        .client
        .post(app.url("/api/v1/bookings"))
        .header("User-Agent", "CarepathTest/1.0")
        .json(&body)
        .send()
        .await
        .map(|r| (r.status().as_u16(), r))
        .unwrap();
    let answer: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(status, 201, "{answer}");
    let id = answer["id"].as_i64().unwrap() as i32;
    let state = app.screening_state(id).unwrap();
    assert_eq!(state.flag.as_deref(), Some("review"));
    assert!(state.reviewed_at.is_none());
    let consent = app.consent_record(id).expect("consent recorded");
    assert_eq!(consent.ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(consent.user_agent.as_deref(), Some("CarepathTest/1.0"));
    // An unknown consent version is named.
    let mut other = booking_body("chemical-peel", "2030-06-04T11:00:00+01:00", Some(2), &ANN);
    other["consent_version"] = json!(7);
    let (status, answer) = app.post_json("/api/v1/bookings", &other).await;
    assert_eq!(status, 422, "{answer}");
    assert!(answer["fields"]["consent_version"].is_string());
    other["consent_version"] = json!("one");
    let (status, answer) = app.post_json("/api/v1/bookings", &other).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(
        answer["fields"]["consent_version"],
        "must be a version number"
    );
}

#[tokio::test]
async fn a_booking_without_answers_is_pending_and_links_to_the_questions() {
    let app = TestApp::spawn().await;
    let booked = app.booked("chemical-peel", PEEL_10, 2, &ANN).await;
    assert_eq!(booked.json["screening"], "pending");
    let url = booked.json["screening_url"].as_str().unwrap();
    assert!(url.ends_with(&format!("/appointments/{}/screening", booked.token)));
    assert_eq!(app.screening_state(booked.id).unwrap().status, "pending");
    assert!(app.stored_answers(booked.id).is_empty());
    // Consent is still recorded (the current version), with where it came from.
    let consent = app.consent_record(booked.id).expect("consent");
    assert_eq!(consent.ip.as_deref(), Some("127.0.0.1"));
    // A treatment without questions isn't pending.
    let (status, c) = app
        .book(
            "consultation",
            "2030-06-04T14:00:00+01:00",
            Some(2),
            "bo@example.org",
        )
        .await;
    assert_eq!(status, 201, "{c}");
    assert_eq!(c["screening"], "not_asked");
}

#[tokio::test]
async fn laser_needs_a_consultation_first() {
    let app = TestApp::spawn().await;
    let (status, answer) = app
        .book(
            "laser-resurfacing",
            "2030-06-04T09:00:00+01:00",
            Some(1),
            "ann@example.org",
        )
        .await;
    assert_eq!(status, 409, "{answer}");
    assert_eq!(answer["error"], "consultation_required");
    assert!(answer["message"].as_str().unwrap().contains("6 months"));
    assert_eq!(app.appointment_count(), 0);
    assert_eq!(app.patient_count(), 0);
    // Another patient who had one books.
    app.consulted(&Patient::new("Cleo Dane", "cleared@example.org"));
    let (status, answer) = app
        .book(
            "laser-resurfacing",
            "2030-06-04T09:00:00+01:00",
            Some(1),
            "cleared@example.org",
        )
        .await;
    assert_eq!(status, 201, "{answer}");
}
