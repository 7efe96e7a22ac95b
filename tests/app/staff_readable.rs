//! Issue 12 items 11 and 13: the audit trail reads as people talk (names for ids, the clinic's
//! local times, the patient beside "Appointment #N", one line per change); the navigation
//! groups the set-up pages and collapses on a phone; a phone booking says whose it is and opens
//! on an open day; the time zone is chosen from the IANA list.

use carepath::domain::staff::Role;

use crate::helpers::*;

#[tokio::test]
async fn the_trail_names_people_and_shows_local_times() {
    let app = TestApp::spawn().await;
    let id = app
        .booked("microdermabrasion", "2030-06-04T09:00:00+01:00", 2, &ANN)
        .await
        .id;
    let admin = app.staff(Role::Admin).await;
    let r = admin
        .post(
            &format!("/staff/appointments/{id}/reschedule"),
            &[
                ("start", "2030-06-05T10:00:00+01:00"),
                ("practitioner", "3"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303, "{}", r.text().await.unwrap());

    let (status, html) = admin
        .get_text("/staff/audit?subject_kind=appointment&action=appointment.reschedule")
        .await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!("Appointment #{id} · Ann Lee")),
        "{html}"
    );
    assert!(html.contains("Rescheduled"));
    // Names, not ids; the clinic's clock, not UTC; each change on its own line.
    assert!(
        html.contains(
            "<li><span class=\"field-name\">Practitioner</span>: <del>Jonah Reyes</del> → <ins>Lena Fischer</ins></li>"
        ),
        "{html}"
    );
    assert!(html.contains("<del>Tuesday 4 June 2030 at 09:00 (BST)</del>"));
    assert!(html.contains("<ins>Wednesday 5 June 2030 at 10:00 (BST)</ins>"));
    assert!(!html.contains("practitioner_id"));
    assert!(!html.contains("+00:00"));
    assert!(!html.contains("UTC"));
}

#[tokio::test]
async fn the_navigation_groups_set_up_pages_and_has_a_phone_menu() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let (_, html) = admin.get_text("/staff/treatments").await;
    let wide = &html[html.find("<ul class=\"nav-wide\">").expect("the bar")..];
    let wide = &wide[..wide.find("</nav>").unwrap()];
    // Eight everyday links in the bar (the waitlist's included), the rest under "Clinic set-up"
    // (marked: we're in it).
    assert_eq!(
        wide.split("<details")
            .next()
            .unwrap()
            .matches("<a href=")
            .count(),
        8
    );
    assert!(wide.contains("<summary class=\"current\">Clinic set-up</summary>"));
    assert!(wide.contains("<a href=\"/staff/audit\">Audit trail</a>"));
    // The phone menu holds every link, and names the page shown.
    assert!(html.contains("<summary>Menu · Treatments</summary>"));
    // The front desk sees no set-up menu.
    let desk = app.staff(Role::FrontDesk).await;
    let (_, html) = desk.get_text("/staff/day").await;
    assert!(!html.contains("Clinic set-up"));
}

#[tokio::test]
async fn a_phone_booking_names_the_patient_and_opens_on_an_open_day() {
    let app = TestApp::spawn().await;
    // Sunday 2 June 2030, 09:00 BST: the clinic is closed on Sundays.
    app.clock.set(t("2030-06-02T08:00:00Z"));
    let desk = app.staff(Role::FrontDesk).await;
    let (status, html) = desk
        .get_text("/staff/book?treatment=chemical-peel&name=Ann+Lee&email=ann%40example.org")
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("<h1>Phone booking for Ann Lee</h1>"),
        "{html}"
    );
    assert!(html.contains("Booking for <strong>Ann Lee</strong> (ann@example.org)"));
    assert!(
        html.contains("value=\"2030-06-03\""),
        "Monday, not the closed Sunday"
    );
    // Without a patient, no banner.
    let (_, html) = desk.get_text("/staff/book").await;
    assert!(html.contains("<h1>Phone booking</h1>"));
    assert!(!html.contains("Booking for"));
}

#[tokio::test]
async fn the_time_zone_is_chosen_from_the_iana_list() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let (_, html) = admin.get_text("/staff/settings").await;
    assert!(html.contains("<select id=\"timezone\" name=\"timezone\">"));
    assert!(html.contains("<option value=\"Europe/London\" selected>Europe/London</option>"));
    assert!(html.contains("<option value=\"America/New_York\">America/New_York</option>"));
    assert!(html.contains("<option value=\"Asia/Kolkata\">Asia/Kolkata</option>"));
}

/// Issue 12 item 10: time off is drawn above appointments with its label, an appointment kept
/// inside it is marked as a conflict, buffers are drawn, each practitioner has a colour with
/// their initials, and the legend says what each means.
#[tokio::test]
async fn the_day_grid_draws_time_off_buffers_conflicts_and_practitioner_colours() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    // Lena: a peel at 11:00 on Tuesday, then training 10:00–13:00 kept anyway.
    let peel = app
        .booked("chemical-peel", "2030-06-04T11:00:00+01:00", 3, &ANN)
        .await
        .id;
    let fields = form(&[
        ("starts", "2030-06-04T10:00"),
        ("ends", "2030-06-04T13:00"),
        ("reason", "Training"),
        ("confirm", "yes"),
        ("seen", &peel.to_string()),
    ]);
    let (status, page) = admin
        .post_text("/staff/practitioners/3/time-off", &fields)
        .await;
    assert_eq!(status, 200, "{page}");
    let jonah = app
        .booked("microdermabrasion", "2030-06-04T09:00:00+01:00", 2, &ANN)
        .await
        .id;

    let (_, html) = admin.get_text("/staff/day?date=2030-06-04").await;
    // Time off: labelled, drawn above the appointments.
    assert!(html.contains("<span>Time off: Training</span>"), "{html}");
    let around = |id: i32| {
        let at = html.find(&format!("data-appointment=\"{id}\"")).unwrap();
        html[at - 60..at + 500].to_string()
    };
    let peel_block = around(peel);
    assert!(
        peel_block.contains("appt status-booked conflict"),
        "{peel_block}"
    );
    assert!(peel_block.contains("⚠ In time off"));
    let jonah_block = around(jonah);
    assert!(!jonah_block[..jonah_block.find("</a>").unwrap()].contains("conflict"));
    assert!(jonah_block.contains("<span class=\"who-chip who-1\">JR</span>"));
    assert!(peel_block.contains("<span class=\"who-chip who-2\">LF</span>"));
    // The legend explains colours in words.
    assert!(html.contains("<span class=\"who-chip who-2\">LF</span> Lena Fischer"));
    assert!(html.contains(">Time off</span>") && html.contains(">⚠ Conflict</span>"));
    assert!(!html.contains("<p class=\"legend\" aria-label"));
    // Buffers are drawn (every seed treatment has one): the peel's 15 minutes after 11:45.
    assert!(html.contains("<div class=\"buffer\""), "{html}");
}
