//! Issue 8 §1: an anonymous booking with someone else's email neither changes nor reveals their
//! record; what was typed stays with that booking, and typed values never become links in email.

use carepath::db::models::PatientRow;
use carepath::db::schema::patients;
use carepath::dispatch::render::{RenderContext, Rendered, render};
use carepath::domain::staff::Role;
use diesel::prelude::*;
use serde_json::json;

use crate::helpers::*;

const EVIL: &str = "Click https://evil.example/login now";
const VICTIM: Patient<'static> =
    Patient::new("Ann Lee", "ann@example.org").with_phone("+44 7700 900123");

fn ctx(app: &TestApp) -> RenderContext {
    RenderContext {
        base_url: app.address.clone(),
        host: "clinic.test".into(),
    }
}

fn record(app: &TestApp) -> PatientRow {
    let mut c = app.state.pool.get().expect("conn");
    patients::table
        .select(PatientRow::as_select())
        .first(&mut *c)
        .expect("the patient")
}

/// The HTML part of an appointment's confirmation, rendered by the real renderer.
fn confirmation_html(app: &TestApp, appointment: i32) -> String {
    let rows = app.outbox_of(appointment);
    let row = of_kind(&rows, "confirmation")[0].clone();
    let mut c = app.state.pool.get().expect("conn");
    match render(&mut c, &row, &ctx(app)).expect("render") {
        Rendered::Send(e, _) => e.html,
        Rendered::Skip(why) => panic!("skipped: {why}"),
    }
}

#[tokio::test]
async fn a_booking_with_a_victims_email_neither_changes_nor_reveals_their_record() {
    let app = TestApp::spawn().await;
    let victim = app
        .booked("chemical-peel", "2030-06-11T10:00:00+01:00", 2, &VICTIM)
        .await;

    // The exact attempt of the report: the victim's email, no phone, a name carrying a link.
    let body = json!({
        "treatment": "microdermabrasion",
        "start": "2030-06-12T09:00:00+01:00",
        "practitioner": 2,
        "patient": {"name": EVIL, "email": "ANN@example.org"},
        "consent": true,
    });
    let (status, json) = app.post_json("/api/v1/bookings", &body).await;
    assert_eq!(status, 201, "{json}");
    let text = json.to_string();
    assert!(!text.contains("900123"), "the stored phone leaked: {text}");
    assert!(!text.contains("Ann Lee"), "the stored name leaked: {text}");
    assert_eq!(json["patient"]["name"], EVIL);
    assert!(json["patient"]["phone"].is_null(), "{text}");
    assert_eq!(json["patient"]["email"], "ANN@example.org", "as typed");
    let attacker_id = json["id"].as_i64().expect("id") as i32;
    let attacker_token = token_of(json["manage_url"].as_str().expect("manage_url"));

    // The record is as the victim left it.
    let r = record(&app);
    assert_eq!(r.name, "Ann Lee");
    assert_eq!(r.phone.as_deref(), Some("+44 7700 900123"));
    assert_eq!(app.patient_count(), 1);

    // The attacker's pages and API answer show what the attacker typed, nothing stored.
    for path in [
        format!("/appointments/{attacker_token}"),
        format!("/appointments/{attacker_token}/confirmation"),
        format!("/appointments/{attacker_token}/reschedule"),
    ] {
        let (_, html) = app.get_text(&path).await;
        assert!(!html.contains("Ann Lee"), "{path} shows the record's name");
        assert!(!html.contains("900123"), "{path} shows the record's phone");
    }
    let (_, shown) = app
        .get_json(&format!("/api/v1/bookings/{attacker_token}"))
        .await;
    assert!(!shown.to_string().contains("900123"), "{shown}");
    assert!(!shown.to_string().contains("Ann Lee"), "{shown}");

    // The email the attacker's booking sends her address carries the typed name as text only.
    let theirs = confirmation_html(&app, attacker_id);
    assert!(theirs.contains("https://evil.example/login"), "{theirs}");
    assert!(!theirs.contains("href=\"https://evil.example"), "{theirs}");
    assert!(theirs.contains(&format!("href=\"{}/appointments/", app.address)));

    // Cancelling through the manage link changes nothing of the record either.
    let r = app
        .post_form(
            &format!("/appointments/{attacker_token}/cancel"),
            &[("reason", EVIL)],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(record(&app).name, "Ann Lee");

    // The victim's own next email still greets her by her name, with no link from the typed one.
    let own = confirmation_html(&app, victim.id);
    assert!(own.contains("Ann Lee"));
    assert!(!own.contains("evil.example"));
}

#[tokio::test]
async fn a_booking_by_form_keeps_its_contact_and_leaves_the_record_alone() {
    let app = TestApp::spawn().await;
    app.booked("chemical-peel", "2030-06-11T10:00:00+01:00", 2, &VICTIM)
        .await;
    let r = app
        .post_form(
            "/book/microdermabrasion",
            &[
                ("start", "2030-06-12T09:00:00+01:00"),
                ("practitioner", "2"),
                ("name", EVIL),
                ("email", "ann@example.org"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, html) = app.get_text(&location(&r)).await;
    assert!(html.contains("Click https://evil.example/login now"));
    assert!(
        !html.contains("Ann Lee") && !html.contains("900123"),
        "{html}"
    );
    assert!(!html.contains("href=\"https://evil.example"));
    let r = record(&app);
    assert_eq!(
        (r.name.as_str(), r.phone.as_deref()),
        ("Ann Lee", Some("+44 7700 900123"))
    );
}

#[tokio::test]
async fn staff_see_a_different_contact_and_merge_it_into_the_record() {
    let app = TestApp::spawn().await;
    app.booked("chemical-peel", "2030-06-11T10:00:00+01:00", 2, &VICTIM)
        .await;
    let moved = Patient::new("Ann Lee-Smith", "ann@example.org").with_phone("+44 7700 900999");
    let b = app
        .booked("microdermabrasion", "2030-06-12T09:00:00+01:00", 2, &moved)
        .await;
    let desk = app.staff(Role::FrontDesk).await;
    let page = format!("/staff/appointments/{}", b.id);
    let (_, html) = desk.get_text(&page).await;
    assert!(
        html.contains("contact differs from the patient record"),
        "{html}"
    );
    assert!(html.contains("Ann Lee-Smith") && html.contains("+44 7700 900999"));

    desk.post_redirect(&format!("{page}/contact/merge"), &[("", "")][..0])
        .await;
    let r = record(&app);
    assert_eq!(r.name, "Ann Lee-Smith");
    assert_eq!(r.phone.as_deref(), Some("+44 7700 900999"));
    let trail = app.audit_trail("patient", r.id);
    assert!(
        trail.iter().any(|a| a.action == "patient.merge_contact"),
        "{trail:?}"
    );
    let (_, html) = desk.get_text(&page).await;
    assert!(!html.contains("contact differs from the patient record"));
}

#[tokio::test]
async fn staff_keep_a_different_contact_apart() {
    let app = TestApp::spawn().await;
    app.booked("chemical-peel", "2030-06-11T10:00:00+01:00", 2, &VICTIM)
        .await;
    let other = Patient::new("Someone Else", "ann@example.org");
    let b = app
        .booked("microdermabrasion", "2030-06-12T09:00:00+01:00", 2, &other)
        .await;
    let desk = app.staff(Role::FrontDesk).await;
    let page = format!("/staff/appointments/{}", b.id);
    let (_, html) = desk.get_text(&page).await;
    assert!(html.contains("contact differs from the patient record"));
    desk.post_redirect(&format!("{page}/contact/keep-apart"), &[("", "")][..0])
        .await;
    let (_, html) = desk.get_text(&page).await;
    assert!(!html.contains("contact differs from the patient record"));
    assert_eq!(record(&app).name, "Ann Lee");
    let trail = app.audit_trail("appointment", b.id);
    assert!(
        trail
            .iter()
            .any(|a| a.action == "appointment.keep_contact_apart")
    );
    // The booking's own pages keep the name typed with it.
    let (_, html) = app.get_text(&format!("/appointments/{}", b.token)).await;
    assert!(html.contains("Someone Else"));
}
