//! Devices' and rooms' own weekly hours (issue 11: "admins manage resources and their hours"):
//! edited on the admin page, honoured by every answer about free times (day, month, booking
//! page, phone booking) and refused inside the booking transaction with its reason.

use carepath::domain::staff::Role;
use serde_json::Value;

use crate::helpers::*;

/// The demo clinic's laser (resource 1).
const LASER: &str = "/staff/resources/1/hours";

/// The week editor's fields with Tuesday's first interval set (day 1 = Tuesday).
fn tuesday(from: &'static str, to: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![("d1_1_from", from), ("d1_1_to", to)]
}

fn free_on(month: &Value, date: &str) -> u64 {
    month["days"]
        .as_array()
        .expect("days")
        .iter()
        .find(|d| d["date"] == date)
        .and_then(|d| d["free_slots"].as_u64())
        .expect("day listed")
}

#[tokio::test]
async fn admins_set_a_devices_hours_and_bad_times_are_named() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let (status, page) = admin.get_text(LASER).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("bookable whenever the clinic is open"),
        "{page}"
    );
    // The end before the start: shown again with the day's message, nothing saved.
    let (status, page) = admin.post_text(LASER, &tuesday("13:00", "12:00")).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("the end must be after the start"), "{page}");
    assert!(page.contains("value=\"13:00\""), "typed kept: {page}");
    let (status, page) = admin.post_text(LASER, &tuesday("12:00", "")).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("Give both a start and an end time"), "{page}");
    let (status, page) = admin.post_text(LASER, &tuesday("noon", "16:00")).await;
    assert_eq!(status, 422, "{page}");
    // Saved, and listed with the devices.
    admin.post_redirect(LASER, &tuesday("12:00", "16:00")).await;
    let (_, page) = admin.get_text(LASER).await;
    assert!(
        page.contains("Bookable only within the hours below"),
        "{page}"
    );
    assert!(page.contains("value=\"12:00\""), "{page}");
    let (_, list) = admin.get_text("/staff/resources").await;
    assert!(list.contains("Tue 12:00–16:00"), "{list}");
    assert!(
        list.contains("Whenever the clinic is open"),
        "rooms: {list}"
    );
    // An unknown resource, a bad id, and the front desk.
    assert_eq!(
        admin
            .get("/staff/resources/999/hours")
            .await
            .status()
            .as_u16(),
        404
    );
    assert_eq!(
        admin
            .get("/staff/resources/x/hours")
            .await
            .status()
            .as_u16(),
        404
    );
    let desk = app.staff(Role::FrontDesk).await;
    assert_eq!(desk.get(LASER).await.status().as_u16(), 403);
}

#[tokio::test]
async fn free_times_everywhere_stay_within_the_devices_hours() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    // The laser only on Tuesdays 12:00–16:00; Dr. Okafor works 09:00–17:00 Mon, Tue, Thu.
    admin.post_redirect(LASER, &tuesday("12:00", "16:00")).await;
    let slots = starts(&app.slots("laser-resurfacing", "2030-06-04", Some(1)).await);
    assert_eq!(
        slots.first().map(String::as_str),
        Some("2030-06-04T12:00:00+01:00"),
        "{slots:?}"
    );
    // A 90-minute session must end by 16:00: 14:30 is the last start.
    assert_eq!(
        slots.last().map(String::as_str),
        Some("2030-06-04T14:30:00+01:00"),
        "{slots:?}"
    );
    // Monday has no laser hours at all now.
    assert!(
        app.slots("laser-resurfacing", "2030-06-10", Some(1))
            .await
            .is_empty()
    );
    // The month agrees with the days, and the rooms' treatments are untouched.
    let (s, month) = app
        .get_json(
            "/api/v1/availability/month?treatment=laser-resurfacing&month=2030-06&practitioner=1",
        )
        .await;
    assert_eq!(s, 200, "{month}");
    assert_eq!(free_on(&month, "2030-06-04"), slots.len() as u64, "{month}");
    assert_eq!(free_on(&month, "2030-06-10"), 0, "{month}");
    assert_eq!(free_on(&month, "2030-06-13"), 0, "Thursday: {month}");
    assert!(
        !app.slots("microdermabrasion", "2030-06-10", Some(2))
            .await
            .is_empty()
    );
    // The booking page, browsing Monday, points to Tuesday 11 June.
    let page = app
        .get("/book/laser-resurfacing?date=2030-06-10&practitioner=1")
        .await
        .text()
        .await
        .expect("page");
    let next = &page[page
        .find("The next day with free times is")
        .expect("a next free day")..];
    assert!(
        next[..next.find("</a>").expect("link")].contains("2030-06-11"),
        "{next}"
    );
    // The phone booking form offers the same times.
    let desk = app.staff(Role::FrontDesk).await;
    let (status, html) = desk
        .get_text("/staff/book?treatment=laser-resurfacing&date=2030-06-04&practitioner=1")
        .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("value=\"2030-06-04T12:00:00+01:00\""),
        "{html}"
    );
    assert!(!html.contains("value=\"2030-06-04T10:00:00+01:00\""));
}

#[tokio::test]
async fn a_booking_outside_the_devices_hours_is_refused_with_its_reason() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    admin.post_redirect(LASER, &tuesday("12:00", "16:00")).await;
    app.consulted(&ANN);
    // Through the API: 409 and the reason.
    let (status, body) = app
        .book_for(
            "laser-resurfacing",
            "2030-06-04T10:00:00+01:00",
            Some(1),
            &ANN,
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["reason"], "resource_hours", "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("outside its hours"),
        "{body}"
    );
    // Ending past 16:00 is outside too.
    let (status, body) = app
        .book_for(
            "laser-resurfacing",
            "2030-06-04T15:00:00+01:00",
            Some(1),
            &ANN,
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["reason"], "resource_hours", "{body}");
    // Through the page.
    let r = app
        .post_form(
            "/book/laser-resurfacing",
            &[
                ("start", "2030-06-04T10:00:00+01:00"),
                ("practitioner", "1"),
                ("name", "Ann Lee"),
                ("email", ANN.email),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 409);
    assert!(r.text().await.unwrap().contains("outside its hours"));
    assert_eq!(app.appointment_count(), 0);
    // Inside its hours it books; cleared hours mean "whenever the clinic is open" again.
    let ann = app
        .booked("laser-resurfacing", "2030-06-04T12:00:00+01:00", 1, &ANN)
        .await;
    // A move outside them is refused the same way.
    let (status, body) = app
        .post_json(
            &format!("/api/v1/bookings/{}/reschedule", ann.token),
            &serde_json::json!({"start": "2030-06-04T09:30:00+01:00", "practitioner": 1}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["reason"], "resource_hours", "{body}");
    admin
        .post_redirect(LASER, &[("d1_1_from", ""), ("d1_1_to", "")])
        .await;
    let bo = Patient::new("Bo", "bo@example.org");
    app.booked("laser-resurfacing", "2030-06-04T09:00:00+01:00", 1, &bo)
        .await;
}
