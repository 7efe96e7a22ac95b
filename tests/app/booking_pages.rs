//! The public pages: a patient finds a treatment, books it through the forms, and manages the
//! appointment from the link (GET only shows; only POST changes anything).

use crate::helpers::*;

/// Books Ann's chemical peel with Jonah on Tuesday 4 June at 10:00 through the form: the
/// confirmation page's path.
async fn book_by_form(app: &TestApp) -> String {
    let r = app
        .post_form(
            "/book/chemical-peel",
            &[
                ("start", "2030-06-04T10:00:00+01:00"),
                ("practitioner", "2"),
                ("name", "Ann Lee"),
                ("email", "ann@example.org"),
                ("phone", "+44 7700 900123"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let confirmation = location(&r);
    assert!(confirmation.ends_with("/confirmation"));
    confirmation
}

/// The manage token in a confirmation page's path.
fn token_in(confirmation: &str) -> String {
    token_of(confirmation.trim_end_matches("/confirmation"))
}

#[tokio::test]
async fn home_and_treatment_pages() {
    let app = TestApp::spawn().await;
    let (status, home) = app.get_text("/").await;
    assert_eq!(status, 200);
    for needle in [
        "Carepath Skin Clinic",
        "Chemical peel",
        "Laser resurfacing",
        "Microdermabrasion",
        "Microneedling",
        "£1,600–£4,000",
        "Europe/London",
        "Closed",
    ] {
        assert!(home.contains(needle), "home page lacks {needle}");
    }
    let (status, peel) = app.get_text("/treatments/chemical-peel").await;
    assert_eq!(status, 200);
    assert!(peel.contains("tingling or stinging"));
    assert!(peel.contains("redness and peeling"));
    assert!(peel.contains("href=\"/book/chemical-peel\""));
    let (_, laser) = app.get_text("/treatments/laser-resurfacing").await;
    assert!(laser.contains("Dr. Amara Okafor"));
    assert!(
        !laser.contains("Jonah Reyes"),
        "laser resurfacing is for a physician only"
    );
    assert_eq!(app.get_text("/healthz").await, (200, "ok".to_string()));
}

#[tokio::test]
async fn the_slot_page_lists_a_days_free_times_with_labelled_inputs() {
    let app = TestApp::spawn().await;
    let (status, page) = app
        .get_text("/book/chemical-peel?date=2030-06-04&practitioner=2")
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("<label for=\"date\">"));
    assert!(page.contains("Tuesday 4 June 2030"));
    let starts = slot_values(&page);
    assert_eq!(
        starts.first().map(String::as_str),
        Some("2030-06-04T09:00:00+01:00")
    );
}

#[tokio::test]
async fn the_details_page_names_the_time_and_labels_every_field() {
    let app = TestApp::spawn().await;
    // Past the screening step (issue 10) to the details form.
    let (status, details) = app
        .details_page(
            "chemical-peel",
            "start=2030-06-04T10%3A00%3A00%2B01%3A00&practitioner=2",
        )
        .await;
    assert_eq!(status, 200, "{details}");
    assert!(details.contains("Tuesday 4 June 2030 at 10:00 (BST)"));
    for label in [
        "for=\"name\"",
        "for=\"email\"",
        "for=\"phone\"",
        "for=\"note\"",
        "for=\"consent\"",
    ] {
        assert!(details.contains(label), "missing label {label}");
    }
}

#[tokio::test]
async fn form_mistakes_reshow_the_form_with_the_input_kept_and_book_nothing() {
    let app = TestApp::spawn().await;
    // Mistakes re-show the form with the input kept and each problem by its field.
    let r = app
        .post_form(
            "/book/chemical-peel",
            &[
                ("start", "2030-06-04T10:00:00+01:00"),
                ("practitioner", "2"),
                ("name", "Ann Lee"),
                ("email", "ann@"),
                ("note", "first visit"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"email-error\""), "{html}");
    assert!(html.contains("id=\"consent-error\""));
    assert!(!html.contains("id=\"name-error\""));
    assert!(html.contains("value=\"Ann Lee\""), "name kept");
    assert!(html.contains("value=\"ann@\""), "email kept");
    assert!(html.contains(">first visit</textarea>"), "note kept");
    assert_eq!(app.appointment_count(), 0);
}

#[tokio::test]
async fn a_booking_redirects_to_its_confirmation_with_the_manage_link() {
    let app = TestApp::spawn().await;
    // Booked: 303 to the confirmation (a reload can't book twice).
    let confirmation = book_by_form(&app).await;
    let (status, page) = app.get_text(&confirmation).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Tuesday 4 June 2030 at 10:00 (BST)"),
        "{page}"
    );
    assert!(page.contains("Jonah Reyes"));
    assert!(page.contains("£80–£400"));
    let token = token_in(&confirmation);
    assert!(
        page.contains(&format!("{}/appointments/{token}", app.address)),
        "absolute manage link"
    );
    assert!(page.contains(&format!("/appointments/{token}/calendar.ics")));
}

#[tokio::test]
async fn the_calendar_file_is_in_utc() {
    let app = TestApp::spawn().await;
    let token = token_in(&book_by_form(&app).await);
    // The calendar file, in UTC (09:00Z is 10:00 BST).
    let r = app
        .get(&format!("/appointments/{token}/calendar.ics"))
        .await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let ics = r.text().await.unwrap();
    assert!(ics.contains("BEGIN:VEVENT"));
    assert!(ics.contains("DTSTART:20300604T090000Z"), "{ics}");
    assert!(ics.contains("DTEND:20300604T094500Z"), "{ics}");
}

#[tokio::test]
async fn a_booked_time_leaves_the_page_and_posting_it_again_keeps_the_details() {
    let app = TestApp::spawn().await;
    book_by_form(&app).await;
    // The time is gone from the page; posting it again says so and keeps the details.
    let (_, page) = app
        .get_text("/book/chemical-peel?date=2030-06-04&practitioner=2")
        .await;
    assert!(!slot_values(&page).contains(&"2030-06-04T10:00:00+01:00".to_string()));
    let r = app
        .post_form(
            "/book/chemical-peel",
            &[
                ("start", "2030-06-04T10:00:00+01:00"),
                ("practitioner", "2"),
                ("name", "Bob"),
                ("email", "bob@example.org"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 409);
    let html = r.text().await.unwrap();
    assert!(html.contains("just been taken"));
    assert!(html.contains("value=\"bob@example.org\""));
    assert!(
        !slot_values(&html).is_empty(),
        "other times that day are offered"
    );
    assert_eq!(app.appointment_count(), 1);
}

/// Ann's microneedling with Jonah on Wednesday 5 June at 11:00: its manage page's path.
async fn manage_page(app: &TestApp) -> String {
    let b = app
        .booked("microneedling", "2030-06-05T11:00:00+01:00", 2, &ANN)
        .await;
    format!("/appointments/{}", b.token)
}

#[tokio::test]
async fn the_manage_link_changes_nothing_by_get() {
    let app = TestApp::spawn().await;
    let page_path = manage_page(&app).await;
    // GETs (as a mail scanner would do) change nothing.
    for _ in 0..2 {
        assert_eq!(app.get_text(&page_path).await.0, 200);
        assert_eq!(
            app.get_text(&format!("{page_path}/reschedule")).await.0,
            200
        );
        assert_eq!(app.get_text(&format!("{page_path}/cancel")).await.0, 404);
    }
    let (_, page) = app.get_text(&page_path).await;
    assert!(page.contains("Wednesday 5 June 2030 at 11:00 (BST)"));
    assert!(page.contains("Cancel this appointment"));
}

#[tokio::test]
async fn the_manage_page_reschedules_by_post() {
    let app = TestApp::spawn().await;
    let page_path = manage_page(&app).await;
    let (_, pick) = app
        .get_text(&format!(
            "{page_path}/reschedule?date=2030-06-06&practitioner=2"
        ))
        .await;
    let starts = slot_values(&pick);
    assert!(starts.contains(&"2030-06-06T14:00:00+01:00".to_string()));
    let r = app
        .post_form(
            &format!("{page_path}/reschedule"),
            &[
                ("start", "2030-06-06T14:00:00+01:00"),
                ("practitioner", "2"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(location(&r), format!("{page_path}?done=rescheduled"));
    let (_, page) = app.get_text(&format!("{page_path}?done=rescheduled")).await;
    assert!(page.contains("Thursday 6 June 2030 at 14:00 (BST)"));
    assert!(page.contains("has been moved"));
}

#[tokio::test]
async fn a_reschedule_onto_a_taken_time_is_refused_on_the_page() {
    let app = TestApp::spawn().await;
    let page_path = manage_page(&app).await;
    let (s, _) = app
        .book(
            "chemical-peel",
            "2030-06-07T10:00:00+01:00",
            Some(2),
            "other@example.org",
        )
        .await;
    assert_eq!(s, 201);
    let r = app
        .post_form(
            &format!("{page_path}/reschedule"),
            &[
                ("start", "2030-06-07T10:00:00+01:00"),
                ("practitioner", "2"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 409);
    assert!(r.text().await.unwrap().contains("just been taken"));
}

#[tokio::test]
async fn a_cancel_keeps_its_reason_and_ends_changes() {
    let app = TestApp::spawn().await;
    let page_path = manage_page(&app).await;
    let token = token_of(&page_path);
    // Cancel with a reason; then the page no longer offers changes, and a repeat is refused.
    let r = app
        .post_form(&format!("{page_path}/cancel"), &[("reason", "Travelling")])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, page) = app.get_text(&format!("{page_path}?done=cancelled")).await;
    assert!(page.contains("has been cancelled"));
    assert!(page.contains("Travelling"));
    assert!(!page.contains("Cancel this appointment"));
    let r = app.post_form(&format!("{page_path}/cancel"), &[]).await;
    assert_eq!(r.status().as_u16(), 409);
    let r = app
        .post_form(
            &format!("{page_path}/reschedule"),
            &[
                ("start", "2030-06-06T15:00:00+01:00"),
                ("practitioner", "2"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 409);
    let (_, shown) = app.get_json(&format!("/api/v1/bookings/{token}")).await;
    assert_eq!(shown["status"], "cancelled");
    assert_eq!(shown["start"], "2030-06-05T11:00:00+01:00");
}

#[tokio::test]
async fn inside_the_cutoff_the_page_says_to_call() {
    let app = TestApp::spawn().await;
    let token = app
        .booked("chemical-peel", "2030-06-04T15:00:00+01:00", 2, &ANN)
        .await
        .token;
    let (_, page) = app.get_text(&format!("/appointments/{token}")).await;
    assert!(
        page.contains("Cancel this appointment"),
        "31 hours ahead: still changeable"
    );
    // 22 hours before the start; the cutoff is 24 h.
    app.clock.set(t("2030-06-03T16:00:00Z"));
    let (_, page) = app.get_text(&format!("/appointments/{token}")).await;
    assert!(page.contains("too close to your appointment"));
    assert!(page.contains("+44 20 7946 0000"));
    assert!(!page.contains("Cancel this appointment"));
    let r = app
        .post_form(&format!("/appointments/{token}/cancel"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 409);
    let (_, shown) = app.get_json(&format!("/api/v1/bookings/{token}")).await;
    assert_eq!(shown["status"], "booked");
}

#[tokio::test]
async fn an_empty_day_points_to_the_next_free_one() {
    let app = TestApp::spawn().await;
    let (_, page) = app
        .get_text("/book/laser-resurfacing?date=2030-06-05")
        .await;
    // Wednesday: the physician doesn't work; Thursday she does.
    assert!(page.contains("no free times"));
    assert!(page.contains("Thursday 6 June 2030"));
}
