//! Tests of clinic set-up editors, staff accounts, the audit trail, exports and calendar feeds.

use carepath::domain::staff::Role;
use serde_json::{Value, json};

use crate::helpers::*;

/// The patients of these tests all give this phone number (the export shows it).
fn patient<'a>(name: &'a str, email: &'a str) -> Patient<'a> {
    Patient::new(name, email).with_phone("+44 20 7946 0001")
}

/// Weekly hours fields: (day 0 = Monday, from, to) as the first interval of each listed day.
fn week(days: &[(usize, &str, &str)]) -> Form {
    let mut f = Form::new();
    for (d, from, to) in days {
        f.push((format!("d{d}_1_from"), from.to_string()));
        f.push((format!("d{d}_1_to"), to.to_string()));
    }
    f
}

/// Ann's chemical peel with Jonah on Tuesday 4 June at 10:00.
async fn anns_peel_at_ten(app: &TestApp) -> Booked {
    app.booked(
        "chemical-peel",
        "2030-06-04T10:00:00+01:00",
        2,
        &patient("Ann Lee", "ann@example.org"),
    )
    .await
}

fn treatment_form(slug: &str, name: &str, duration: &str, active: bool) -> Form {
    let mut f = form(&[
        ("slug", slug),
        ("name", name),
        ("summary", "Gentle light therapy for calmer, clearer skin."),
        ("description", "Panels of LED light at chosen wavelengths."),
        (
            "during_session",
            "You relax under the panel with eye protection.",
        ),
        (
            "recovery",
            "None to speak of; skin may look slightly flushed.",
        ),
        ("sessions_note", "A course of six is usual."),
        ("duration_minutes", duration),
        ("buffer_minutes", "15"),
        ("price_min", "80"),
        ("price_max", "£120.50"),
        ("q_nurse", "yes"),
        ("q_esthetician", "yes"),
    ]);
    if active {
        f.push(("active".into(), "yes".into()));
    }
    f
}

#[tokio::test]
async fn the_treatment_editor_names_every_mistake_and_keeps_what_was_typed() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let (status, list) = admin.get_text("/staff/treatments").await;
    assert_eq!(status, 200);
    assert!(list.contains("Laser resurfacing") && list.contains("/staff/treatments/new"));

    // Every mistake is named beside its field, and what was typed stays.
    let mut bad = treatment_form("LED Therapy!", " ", "0", true);
    bad.retain(|(k, _)| !k.starts_with("q_") && k != "price_min");
    bad.push(("price_min".into(), "500".into()));
    let (status, page) = admin.post_text("/staff/treatments", &bad).await;
    assert_eq!(status, 422, "{page}");
    for message in [
        "lower-case letters, digits and single hyphens",
        "Please enter a name.",
        "Enter a whole number of minutes from 5 to 600.",
        "The highest price can&#39;t be below the lowest.",
        "Tick at least one qualification.",
    ] {
        assert!(page.contains(message), "missing {message:?}");
    }
    assert!(page.contains("Gentle light therapy for calmer, clearer skin."));
    assert!(page.contains("value=\"LED Therapy!\""));
    let (status, page) = admin
        .post_text(
            "/staff/treatments",
            &treatment_form("chemical-peel", "Another peel", "30", true),
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Another treatment already uses this address"));
}

#[tokio::test]
async fn a_new_treatment_appears_on_the_site_bookable_by_the_qualified() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    // A new treatment appears on the site, bookable by the qualified.
    let to = admin
        .post_redirect(
            "/staff/treatments",
            &treatment_form("led-therapy", "LED therapy", "30", true),
        )
        .await;
    // Treatment 5 is the seeded Consultation (issue 10).
    assert!(to.starts_with("/staff/treatments/6"), "{to}");
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("LED therapy") && home.contains("£80–£120.50"));
    let (status, page) = app.get_text("/treatments/led-therapy").await;
    assert_eq!(status, 200);
    assert!(page.contains("Panels of LED light"));
    assert!(page.contains("Jonah Reyes") && page.contains("Lena Fischer"));
    assert!(
        !page.contains("Dr. Amara Okafor"),
        "a physician isn't ticked"
    );
    let slots = app.slots("led-therapy", "2030-06-04", Some(2)).await;
    assert_eq!(slots[0]["end"], "2030-06-04T09:30:00+01:00");
    let (status, edit) = admin.get_text(&to).await;
    assert_eq!(status, 200);
    assert!(edit.contains("value=\"120.50\"") && edit.contains("(fixed)"));
}

#[tokio::test]
async fn editing_a_treatment_applies_to_new_bookings_only() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    // Editing: a longer session applies to new bookings, booked ones keep their times, the slug
    // stays whatever is posted.
    let token = anns_peel_at_ten(&app).await.token;
    let mut peel = treatment_form("renamed-peel", "Chemical peel", "60", true);
    peel.push(("q_physician".into(), "yes".into()));
    let to = admin.post_redirect("/staff/treatments/1", &peel).await;
    assert_eq!(to, "/staff/treatments/1?saved=treatment");
    let (_, again) = app.get_json(&format!("/api/v1/bookings/{token}")).await;
    assert_eq!(again["end"], "2030-06-04T10:45:00+01:00");
    let slots = app.slots("chemical-peel", "2030-06-05", Some(2)).await;
    assert_eq!(slots[0]["end"], "2030-06-05T10:00:00+01:00");
    assert_eq!(app.get_text("/treatments/renamed-peel").await.0, 404);
    let audit = app.audit_changes("treatment", 1);
    let (action, before, after, _) = audit.last().expect("an audit row");
    assert_eq!(action, "treatment.update");
    assert_eq!(before["duration_minutes"], 45);
    assert_eq!(after["duration_minutes"], 60);
    assert_eq!(after["slug"], "chemical-peel");
    assert_eq!(after["price_max_cents"], 12_050);
}

#[tokio::test]
async fn an_invalid_treatment_edit_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    // Invalid edit: 422 and nothing changes.
    let before = app.audit_count();
    let (status, page) = admin
        .post_text(
            "/staff/treatments/1",
            &treatment_form("", "Chemical peel", "many", true),
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Enter a whole number of minutes"));
    assert_eq!(app.audit_count(), before);
}

#[tokio::test]
async fn an_inactive_treatment_leaves_the_site_but_keeps_its_bookings() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let token = anns_peel_at_ten(&app).await.token;
    // Inactive: gone from the site, its pages 404, the booked appointment stays.
    admin
        .post_redirect(
            "/staff/treatments/1",
            &treatment_form("", "Chemical peel", "60", false),
        )
        .await;
    let (_, home) = app.get_text("/").await;
    assert!(!home.contains("Chemical peel"));
    assert_eq!(app.get_text("/treatments/chemical-peel").await.0, 404);
    assert_eq!(app.get_text("/book/chemical-peel").await.0, 404);
    let (status, _) = app
        .get_json("/api/v1/availability?treatment=chemical-peel&date=2030-06-05")
        .await;
    assert_eq!(status, 422);
    let (status, again) = app.get_json(&format!("/api/v1/bookings/{token}")).await;
    assert_eq!((status, again["status"].as_str()), (200, Some("booked")));
}

#[tokio::test]
async fn unknown_treatments_are_not_found() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    assert_eq!(admin.get_text("/staff/treatments/99").await.0, 404);
    assert_eq!(admin.get_text("/staff/treatments/abc").await.0, 404);
}

/// Maria's microdermabrasion with Jonah on Tuesday 4 June at 16:00: stranded by Tuesday
/// mornings only.
async fn maria_at_four(app: &TestApp) -> Booked {
    app.booked(
        "microdermabrasion",
        "2030-06-04T16:00:00+01:00",
        2,
        &patient("Maria Stranded", "maria@example.org"),
    )
    .await
}

/// Jonah's week with Tuesday mornings only.
fn tuesday_mornings() -> Form {
    week(&[
        (0, "09:00", "18:00"),
        (1, "09:00", "12:00"),
        (2, "09:00", "18:00"),
        (3, "09:00", "18:00"),
        (4, "09:00", "18:00"),
    ])
}

#[tokio::test]
async fn a_bad_week_of_hours_is_refused_day_by_day() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    // What was typed is kept.
    let mut bad = week(&[(0, "09:00", "18:00"), (1, "18:00", "09:00"), (2, "9am", "")]);
    bad.push(("d3_1_from".into(), "09:00".into()));
    let (status, page) = admin.post_text("/staff/practitioners/2/hours", &bad).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("Tuesday: 18:00–09:00: the end must be after the start"));
    assert!(page.contains("Wednesday: Give both a start and an end time"));
    assert!(page.contains("Thursday: Give both a start and an end time"));
    assert!(page.contains("value=\"9am\""));
}

#[tokio::test]
async fn hours_that_strand_a_booking_are_not_saved_until_confirmed() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let id = maria_at_four(&app).await.id;
    let before = starts(&app.slots("microdermabrasion", "2030-06-04", Some(2)).await);
    assert!(before.contains(&"2030-06-04T14:00:00+01:00".to_string()));

    // Tuesday mornings only: the 16:00 appointment would be stranded, so nothing is saved yet.
    let audit_before = app.audit_count();
    let (status, page) = admin
        .post_text("/staff/practitioners/2/hours", &tuesday_mornings())
        .await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("Not saved yet: 1 booked appointment would conflict"));
    assert!(
        page.contains("Nothing was saved yet"),
        "said at the top of the page too"
    );
    assert!(page.contains(&format!("href=\"/staff/appointments/{id}\"")));
    assert!(page.contains("Tuesday 4 June 2030 at 16:00 (BST)"));
    assert!(page.contains("Maria Stranded") && page.contains("Microdermabrasion"));
    assert!(page.contains("name=\"confirm\""));
    assert!(page.contains("value=\"12:00\""), "the typed hours stay");
    assert_eq!(app.audit_count(), audit_before);
    assert_eq!(
        starts(&app.slots("microdermabrasion", "2030-06-04", Some(2)).await),
        before
    );

    // A confirmation that didn't see this appointment doesn't count.
    let mut blind = tuesday_mornings();
    blind.extend(form(&[("confirm", "yes"), ("seen", "")]));
    let (status, _) = admin
        .post_text("/staff/practitioners/2/hours", &blind)
        .await;
    assert_eq!(status, 409);
    assert_eq!(app.audit_count(), audit_before);
}

#[tokio::test]
async fn confirmed_hours_change_availability_and_go_on_the_trail() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let booked = maria_at_four(&app).await;
    let id = booked.id;
    let mut confirmed = tuesday_mornings();
    let seen = id.to_string();
    confirmed.extend(form(&[("confirm", "yes"), ("seen", &seen)]));
    let (status, page) = admin
        .post_text("/staff/practitioners/2/hours", &confirmed)
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Working hours saved."));
    assert!(page.contains("Saved — 1 booked appointment no longer fits"));
    assert!(page.contains(&format!("href=\"/staff/appointments/{id}\"")));

    let after = starts(&app.slots("microdermabrasion", "2030-06-04", Some(2)).await);
    assert_eq!(
        after.last().map(String::as_str),
        Some("2030-06-04T11:15:00+01:00")
    );
    assert!(!after.contains(&"2030-06-04T14:00:00+01:00".to_string()));
    let wednesday = starts(&app.slots("microdermabrasion", "2030-06-05", Some(2)).await);
    assert!(wednesday.contains(&"2030-06-05T14:00:00+01:00".to_string()));
    let (_, token_page) = app
        .get_json(&format!("/api/v1/bookings/{}", booked.token))
        .await;
    assert_eq!(
        token_page["status"], "booked",
        "the appointment stays booked"
    );

    let audit = app.audit_changes("practitioner", 2);
    let (action, before, after, note) = audit.last().unwrap();
    assert_eq!(action, "practitioner.hours");
    assert_eq!(before["hours"][1], "Tue 09:00–18:00");
    assert_eq!(after["hours"][1], "Tue 09:00–12:00");
    assert!(note.as_deref().unwrap_or("").contains(&format!("#{id}")));
}

#[tokio::test]
async fn hours_without_conflicts_save_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    maria_at_four(&app).await;
    let to = admin
        .post_redirect(
            "/staff/practitioners/2/hours",
            &week(&[(1, "09:00", "18:00"), (5, "10:00", "14:00")]),
        )
        .await;
    assert_eq!(to, "/staff/practitioners/2?saved=hours");
    let saturday = starts(&app.slots("microdermabrasion", "2030-06-08", Some(2)).await);
    assert_eq!(
        saturday.first().map(String::as_str),
        Some("2030-06-08T10:00:00+01:00")
    );
    assert!(
        app.slots("microdermabrasion", "2030-06-03", Some(2))
            .await
            .is_empty()
    );
}

/// Tom's chemical peel with Lena on Tuesday 4 June at 11:00: its id.
async fn tom_at_eleven(app: &TestApp) -> i32 {
    app.booked(
        "chemical-peel",
        "2030-06-04T11:00:00+01:00",
        3,
        &patient("Tom Busy", "tom@example.org"),
    )
    .await
    .id
}

/// Lena's training, local 10:00–13:00 in London (BST) on Tuesday 4 June: it covers Tom's
/// 11:00 appointment.
fn training() -> Form {
    form(&[
        ("starts", "2030-06-04T10:00"),
        ("ends", "2030-06-04T13:00"),
        ("reason", "Training"),
    ])
}

/// `fields` with the confirmation of having seen these conflicting appointments.
fn confirmed(mut fields: Form, seen: i32) -> Form {
    fields.extend(form(&[("confirm", "yes"), ("seen", &seen.to_string())]));
    fields
}

#[tokio::test]
async fn time_off_mistakes_are_named() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let (status, page) = admin
        .post_text(
            "/staff/practitioners/3/time-off",
            &form(&[("starts", "2030-06-04T13:00"), ("ends", "2030-06-04T10:00")]),
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("The end must be after the start."));
    let (status, page) = admin
        .post_text(
            "/staff/practitioners/3/time-off",
            &form(&[("starts", "next week"), ("ends", "")]),
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Use a date and time like 2030-06-04 13:00."));
    assert!(page.contains("Enter a date and time."));
}

#[tokio::test]
async fn time_off_over_a_booking_is_confirmed_first_and_then_blocks_those_times() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let id = tom_at_eleven(&app).await;
    // Local 10:00–13:00 in London (BST): covers the 11:00 appointment.
    let (status, page) = admin
        .post_text("/staff/practitioners/3/time-off", &training())
        .await;
    assert_eq!(status, 409);
    assert!(page.contains("Tom Busy") && page.contains(&format!("/staff/appointments/{id}")));
    assert!(page.contains("value=\"2030-06-04T10:00\""));
    let (status, page) = admin
        .post_text(
            "/staff/practitioners/3/time-off",
            &confirmed(training(), id),
        )
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Time off added.") && page.contains("Tom Busy"));
    assert!(page.contains("Tuesday 4 June 2030 at 10:00 (BST)"));
    assert!(page.contains("Tuesday 4 June 2030 at 13:00 (BST)"));

    // Stored in UTC, so the booking rules see 09:00–12:00Z as taken.
    let slots = starts(&app.slots("microdermabrasion", "2030-06-04", Some(3)).await);
    assert!(
        !slots
            .iter()
            .any(|s| s.as_str() < "2030-06-04T13:00:00+01:00")
    );
    assert!(slots.contains(&"2030-06-04T13:00:00+01:00".to_string()));
    let audit = app.audit_changes("practitioner", 3);
    let (action, before, after, _) = audit.last().unwrap();
    assert_eq!(action, "practitioner.time_off.add");
    assert!(before.is_null());
    assert_eq!(after["starts_at"], "2030-06-04T10:00:00+01:00");
    assert_eq!(after["reason"], "Training");
}

#[tokio::test]
async fn time_off_elsewhere_saves_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    tom_at_eleven(&app).await;
    // Time off elsewhere doesn't ask.
    let to = admin
        .post_redirect(
            "/staff/practitioners/3/time-off",
            &form(&[("starts", "2030-06-06 09:00"), ("ends", "2030-06-06 12:00")]),
        )
        .await;
    assert_eq!(to, "/staff/practitioners/3?saved=time_off");
}

#[tokio::test]
async fn removing_time_off_frees_its_times_again() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let id = tom_at_eleven(&app).await;
    let (status, _) = admin
        .post_text(
            "/staff/practitioners/3/time-off",
            &confirmed(training(), id),
        )
        .await;
    assert_eq!(status, 200);
    // Removing the first time off frees the morning again.
    let off_id = {
        use carepath::db::schema::time_off;
        use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
        let mut c = app.state.pool.get().unwrap();
        time_off::table
            .filter(time_off::reason.eq("Training"))
            .select(time_off::id)
            .first::<i32>(&mut *c)
            .unwrap()
    };
    assert_eq!(
        admin
            .post(
                &format!("/staff/practitioners/2/time-off/{off_id}/delete"),
                &[]
            )
            .await
            .status()
            .as_u16(),
        404,
        "another practitioner's time off"
    );
    admin
        .post_redirect(
            &format!("/staff/practitioners/3/time-off/{off_id}/delete"),
            &Form::new(),
        )
        .await;
    let slots = starts(&app.slots("microdermabrasion", "2030-06-04", Some(3)).await);
    assert!(slots.contains(&"2030-06-04T10:00:00+01:00".to_string()));
    assert_eq!(
        app.audit_changes("practitioner", 3).last().unwrap().0,
        "practitioner.time_off.remove"
    );
}

#[tokio::test]
async fn deactivating_lists_booked_appointments_first_and_reactivating_restores() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let id = tom_at_eleven(&app).await;
    // Deactivating lists every booked appointment first.
    let (status, page) = admin
        .post_text("/staff/practitioners/3/status", &form(&[("active", "0")]))
        .await;
    assert_eq!(status, 409);
    assert!(page.contains("Tom Busy"));
    let (_, peel) = app.get_text("/treatments/chemical-peel").await;
    assert!(peel.contains("Lena Fischer"), "not deactivated yet");
    let (status, page) = admin
        .post_text(
            "/staff/practitioners/3/status",
            &confirmed(form(&[("active", "0")]), id),
        )
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Deactivated") && page.contains("Tom Busy"));
    let (_, peel) = app.get_text("/treatments/chemical-peel").await;
    assert!(!peel.contains("Lena Fischer"));
    assert!(
        app.slots("microdermabrasion", "2030-06-04", None)
            .await
            .iter()
            .all(|s| s["practitioner"]["id"] != 3)
    );
    let (_, list) = admin.get_text("/staff/practitioners").await;
    assert!(list.contains("Inactive"));
    let to = admin
        .post_redirect("/staff/practitioners/3/status", &form(&[("active", "1")]))
        .await;
    assert_eq!(to, "/staff/practitioners/3?saved=reactivated");
    let (_, peel) = app.get_text("/treatments/chemical-peel").await;
    assert!(peel.contains("Lena Fischer"));
    let actions: Vec<String> = app
        .audit_changes("practitioner", 3)
        .into_iter()
        .map(|a| a.0)
        .collect();
    assert!(actions.ends_with(&[
        "practitioner.deactivate".to_string(),
        "practitioner.reactivate".to_string()
    ]));
    let (status, _) = admin
        .post_text(
            "/staff/practitioners/3/status",
            &form(&[("active", "maybe")]),
        )
        .await;
    assert_eq!(status, 400);
}

/// Adds Sam Ode, a nurse (practitioner 4), with no hours yet.
async fn add_sam(admin: &StaffClient) {
    let to = admin
        .post_redirect(
            "/staff/practitioners",
            &form(&[
                ("name", "Sam Ode"),
                ("title", "Aesthetic nurse"),
                ("bio", "Loves peels."),
                ("q_nurse", "yes"),
            ]),
        )
        .await;
    assert_eq!(to, "/staff/practitioners/4?saved=created");
}

/// Sam's hours: Tuesdays 13:00–15:00.
async fn sams_tuesday_afternoons(admin: &StaffClient) {
    admin
        .post_redirect(
            "/staff/practitioners/4/hours",
            &week(&[(1, "13:00", "15:00")]),
        )
        .await;
}

#[tokio::test]
async fn a_new_practitioner_names_every_mistake() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let (status, page) = admin
        .post_text(
            "/staff/practitioners",
            &form(&[("name", "Sam Ode"), ("title", "")]),
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Please enter a title") && page.contains("Tick at least one qualification.")
    );
    assert!(page.contains("value=\"Sam Ode\""));
}

#[tokio::test]
async fn a_new_practitioner_is_offered_once_they_have_hours() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    add_sam(&admin).await;
    // No hours yet: not offered until some are set.
    let (_, peel) = app.get_text("/treatments/chemical-peel").await;
    assert!(peel.contains("Sam Ode"));
    assert!(
        app.slots("chemical-peel", "2030-06-04", Some(4))
            .await
            .is_empty()
    );
    sams_tuesday_afternoons(&admin).await;
    let slots = starts(&app.slots("chemical-peel", "2030-06-04", Some(4)).await);
    assert_eq!(
        slots.first().map(String::as_str),
        Some("2030-06-04T13:00:00+01:00")
    );
}

#[tokio::test]
async fn a_new_qualification_changes_what_a_practitioner_may_perform() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    add_sam(&admin).await;
    sams_tuesday_afternoons(&admin).await;
    admin
        .post_redirect(
            "/staff/practitioners/4",
            &form(&[
                ("name", "Dr. Sam Ode"),
                ("title", "Physician"),
                ("bio", ""),
                ("q_physician", "yes"),
            ]),
        )
        .await;
    let (_, laser) = app.get_text("/treatments/laser-resurfacing").await;
    assert!(laser.contains("Dr. Sam Ode, Physician"));
    let (_, page) = admin.get_text("/staff/practitioners/4").await;
    assert!(page.contains("value=\"Dr. Sam Ode\"") && page.contains("value=\"13:00\""));
    let audit = app.audit_changes("practitioner", 4);
    assert_eq!(audit[0].0, "practitioner.create");
    let (action, before, after, _) = audit.last().unwrap();
    assert_eq!(action, "practitioner.update");
    assert_eq!(
        (
            before["qualifications"].as_str(),
            after["qualifications"].as_str()
        ),
        (Some("nurse"), Some("physician"))
    );
}

#[tokio::test]
async fn unknown_practitioners_are_not_found() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    assert_eq!(admin.get_text("/staff/practitioners/77").await.0, 404);
}

fn settings_form(overrides: &[(&str, &str)], days: &[(usize, &str, &str)]) -> Form {
    let mut f = form(&[
        ("name", "Carepath Skin Clinic"),
        ("address", "12 Harley Lane, London W1G 9QD"),
        ("phone", "+44 20 7946 0000"),
        ("email", "hello@carepath.example"),
        ("timezone", "Europe/London"),
        ("slot_minutes", "15"),
        ("lead_time_minutes", "60"),
        ("horizon_days", "90"),
        ("cancel_cutoff_hours", "24"),
    ]);
    for (k, v) in overrides {
        f.retain(|(key, _)| key != k);
        f.push((k.to_string(), v.to_string()));
    }
    f.extend(week(days));
    f
}

#[tokio::test]
async fn the_clinic_sets_its_reply_to_out_of_hours_line_and_currency() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let (_, page) = admin.get_text("/staff/settings").await;
    assert!(
        page.contains("value=\"GBP\"") && page.contains("NHS 111"),
        "seeded for London"
    );
    let (_, form_page) = admin.get_text("/staff/treatments/1").await;
    assert!(
        form_page.contains("Price from (pounds, GBP)"),
        "no dollars fixed in the form"
    );
    let (status, page) = admin
        .post_text(
            "/staff/settings",
            &settings_form(
                &[("currency", "XYZ"), ("reply_to", "not an address")],
                WEEKDAYS_AND_SATURDAY,
            ),
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("one of: GBP, USD, EUR"),
        "the known codes are listed"
    );
    assert!(page.contains("id=\"reply_to-error\""));
    admin
        .post_redirect(
            "/staff/settings",
            &settings_form(
                &[
                    ("currency", "eur"),
                    ("reply_to", "desk@carepath.example"),
                    ("out_of_hours", "Out of hours, call 112."),
                ],
                WEEKDAYS_AND_SATURDAY,
            ),
        )
        .await;
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("€80–€400"), "prices in the new currency");
    let (_, form_page) = admin.get_text("/staff/treatments/1").await;
    assert!(form_page.contains("Price from (euros, EUR)"));
    let c = app
        .state
        .pool
        .get()
        .map(|mut c| carepath::service::clinic::load(&mut c).unwrap());
    let clinic = c.unwrap();
    assert_eq!(clinic.row.reply_to, "desk@carepath.example");
    assert_eq!(clinic.row.out_of_hours, "Out of hours, call 112.");
    assert_eq!(clinic.currency.code, "EUR");
}

/// Sara's microdermabrasion with Lena on Saturday 8 June at 11:00.
async fn sara_on_saturday(app: &TestApp) -> Booked {
    app.booked(
        "microdermabrasion",
        "2030-06-08T11:00:00+01:00",
        3,
        &patient("Sara Saturday", "sara@example.org"),
    )
    .await
}

const WEEKDAYS_AND_SATURDAY: &[(usize, &str, &str)] = &[
    (0, "09:00", "18:00"),
    (1, "09:00", "18:00"),
    (2, "09:00", "18:00"),
    (3, "09:00", "18:00"),
    (4, "09:00", "18:00"),
    (5, "10:00", "16:00"),
];

#[tokio::test]
async fn clinic_settings_name_every_mistake() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let (status, page) = admin.get_text("/staff/settings").await;
    assert_eq!(status, 200);
    assert!(page.contains("value=\"Europe/London\"") && page.contains("value=\"16:00\""));

    let (status, page) = admin
        .post_text(
            "/staff/settings",
            &settings_form(
                &[
                    ("timezone", "Mars/Olympus_Mons"),
                    ("slot_minutes", "0"),
                    ("email", "not an email"),
                    ("horizon_days", "-3"),
                ],
                &[(0, "09:00", "")],
            ),
        )
        .await;
    assert_eq!(status, 422);
    for message in [
        "is not a known IANA time zone",
        "Use minutes that divide an hour (5, 10, 15, 20, 30 or 60) or 120.",
        "look like an email address",
        "Enter a whole number of days from 1 to 3650.",
        "Monday: Give both a start and an end time",
    ] {
        assert!(page.contains(message), "missing {message:?} in {page}");
    }
    assert!(page.contains("value=\"Mars/Olympus_Mons\""));
}

#[tokio::test]
async fn closing_a_day_that_strands_a_booking_asks_first_then_applies() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    // Closing on Saturdays would strand Lena's Saturday appointment.
    let id = sara_on_saturday(&app).await.id.to_string();
    let weekdays = &WEEKDAYS_AND_SATURDAY[..5];
    let renamed = [("name", "Pore Clinic"), ("horizon_days", "30")];
    let (status, page) = admin
        .post_text("/staff/settings", &settings_form(&renamed, weekdays))
        .await;
    assert_eq!(status, 409);
    assert!(page.contains("Sara Saturday") && page.contains("Lena Fischer"));
    assert!(page.contains("value=\"Pore Clinic\""));
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("Carepath Skin Clinic"), "nothing saved yet");
    let mut confirmed = settings_form(&renamed, weekdays);
    confirmed.extend(form(&[("confirm", "yes"), ("seen", &id)]));
    let (status, page) = admin.post_text("/staff/settings", &confirmed).await;
    assert_eq!(status, 200);
    assert!(page.contains("Saved — 1 booked appointment") && page.contains("Sara Saturday"));
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("Pore Clinic"));
    assert!(
        app.slots("microdermabrasion", "2030-06-08", None)
            .await
            .is_empty()
    );
    // The horizon is 30 days now.
    assert!(
        app.slots("microdermabrasion", "2030-07-10", None)
            .await
            .is_empty()
    );
    assert!(
        !app.slots("microdermabrasion", "2030-07-02", None)
            .await
            .is_empty()
    );
    let audit = app.audit_changes("clinic", 1);
    assert!(
        audit[0]
            .3
            .as_deref()
            .unwrap_or("")
            .contains(&format!("#{id}"))
    );
}

#[tokio::test]
async fn a_new_time_zone_moves_the_api_and_reads_hours_on_its_wall_clock() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let booked = sara_on_saturday(&app).await;
    // A new zone: the API speaks it, and hours are read on its wall clock. (Sara cancels first,
    // so nothing is stranded and it saves straight away.)
    let token = booked.token;
    let (s, _) = app
        .post_json(&format!("/api/v1/bookings/{token}/cancel"), &json!({}))
        .await;
    assert_eq!(s, 200);
    let to = admin
        .post_redirect(
            "/staff/settings",
            &settings_form(
                &[
                    ("timezone", " America/New_York "),
                    ("lead_time_minutes", "0"),
                ],
                &[
                    (0, "09:00", "18:00"),
                    (1, "09:00", "18:00"),
                    (2, "09:00", "18:00"),
                ],
            ),
        )
        .await;
    assert_eq!(to, "/staff/settings?saved=settings");
    let (status, body) = app
        .get_json("/api/v1/availability?treatment=microdermabrasion&date=2030-06-04&practitioner=2")
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["timezone"], "America/New_York");
    assert_eq!(body["slots"][0]["start"], "2030-06-04T09:00:00-04:00");

    let audit = app.audit_changes("clinic", 1);
    let (action, before, after, _) = audit.last().unwrap();
    assert_eq!(action, "clinic.settings");
    assert_eq!(before["timezone"], "Europe/London");
    assert_eq!(after["timezone"], "America/New_York");
    assert_eq!(after["lead_time_minutes"], 0);
    assert_eq!(after["hours"][3], "Thu closed");
}

/// Adds Nia Obi, a practitioner account linked to Jonah, with a one-time password: her id.
async fn add_nia(admin: &StaffClient) -> i32 {
    let to = admin
        .post_redirect(
            "/staff/accounts",
            &form(&[
                ("email", "Nia@Clinic.example"),
                ("name", "Nia Obi"),
                ("role", "practitioner"),
                ("practitioner", "2"),
                ("password", "first time pass"),
            ]),
        )
        .await;
    assert!(to.starts_with("/staff/accounts/"), "{to}");
    to.trim_start_matches("/staff/accounts/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Nia logs in with her one-time password, which leads straight to choosing a new one.
async fn nia_logs_in_once(app: &TestApp) -> StaffClient {
    let b = app.browser();
    let r = b.try_login("nia@clinic.example", "first time pass").await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/staff/password");
    b
}

#[tokio::test]
async fn a_new_staff_account_names_every_mistake() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let (status, page) = admin
        .post_text(
            "/staff/accounts",
            &form(&[
                ("email", "nurse@"),
                ("name", "Nia"),
                ("role", "practitioner"),
                ("practitioner", ""),
                ("password", "short"),
            ]),
        )
        .await;
    assert_eq!(status, 422);
    for message in [
        "look like an email address",
        "must be linked to a practitioner",
        "Use at least 10 characters.",
    ] {
        assert!(page.contains(message), "missing {message:?}");
    }
    assert!(page.contains("value=\"Nia\""));
}

#[tokio::test]
async fn a_new_account_is_listed_as_needing_a_new_password() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    add_nia(&admin).await;
    let (_, list) = admin.get_text("/staff/accounts").await;
    assert!(list.contains("nia@clinic.example") && list.contains("Jonah Reyes"));
    assert!(list.contains("must set a password at first login"));
}

#[tokio::test]
async fn an_email_belongs_to_one_account_whatever_its_case() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    add_nia(&admin).await;
    let (status, _) = admin
        .post_text(
            "/staff/accounts",
            &form(&[
                ("email", "nia@clinic.example"),
                ("name", "Nia again"),
                ("role", "front_desk"),
                ("password", "first time pass"),
            ]),
        )
        .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn the_one_time_password_leads_straight_to_choosing_a_new_one() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    add_nia(&admin).await;
    nia_logs_in_once(&app).await;
}

#[tokio::test]
async fn an_admin_cannot_lock_themselves_out() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let me = {
        let mut c = app.state.pool.get().unwrap();
        carepath::db::staff::by_email(&mut c, "admin@clinic.example")
            .unwrap()
            .unwrap()
            .id
    };
    let (status, page) = admin
        .post_text(
            &format!("/staff/accounts/{me}"),
            &form(&[("name", "Me"), ("role", "front_desk")]),
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("You can&#39;t remove your own admin role"));
    assert!(page.contains("You can&#39;t deactivate your own account."));
}

#[tokio::test]
async fn editing_an_account_changes_its_role_and_deactivating_it_logs_it_out() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let nia_id = add_nia(&admin).await;
    let b = nia_logs_in_once(&app).await;
    admin
        .post_redirect(
            &format!("/staff/accounts/{nia_id}"),
            &form(&[
                ("name", "Nia Obi"),
                ("role", "front_desk"),
                ("practitioner", "2"),
            ]),
        )
        .await;
    let (_, page) = admin.get_text(&format!("/staff/accounts/{nia_id}")).await;
    assert!(page.contains("<option value=\"front_desk\" selected>"));
    assert!(
        !page.contains("id=\"active\" name=\"active\" type=\"checkbox\" value=\"yes\" checked")
    );
    let r = b.get("/staff/password").await;
    assert_eq!(
        r.status().as_u16(),
        303,
        "a deactivated account is logged out"
    );
    let audit = app.audit_changes("staff", nia_id);
    assert_eq!(audit[0].0, "staff.create");
    assert_eq!(audit[0].2["email"], "nia@clinic.example");
    let (action, before, after, _) = audit.last().unwrap();
    assert_eq!(action, "staff.update");
    assert_eq!(
        (before["role"].as_str(), after["role"].as_str()),
        (Some("practitioner"), Some("front_desk"))
    );
    assert_eq!(
        (before["active"].as_bool(), after["active"].as_bool()),
        (Some(true), Some(false))
    );
    assert!(
        after["practitioner_id"].is_null(),
        "only practitioners are linked"
    );
}

/// Jonah's Mondays end at 17:00 and Tuesdays close: one practitioner.hours entry.
async fn shorten_jonahs_week(admin: &StaffClient) {
    admin
        .post_redirect(
            "/staff/practitioners/2/hours",
            &week(&[(0, "09:00", "17:00")]),
        )
        .await;
}

/// More than a page of audit entries: 51 saves of the chemical peel (only the first changes
/// anything: 45 → 50 minutes), then an hours change.
async fn fill_the_trail(admin: &StaffClient) {
    let peel = {
        let mut f = treatment_form("", "Chemical peel", "50", true);
        f.push(("q_physician".into(), "yes".into()));
        f
    };
    for _ in 0..51 {
        admin.post_redirect("/staff/treatments/1", &peel).await;
    }
    shorten_jonahs_week(admin).await;
}

#[tokio::test]
async fn the_audit_trail_lists_newest_first_with_links_and_changes() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    fill_the_trail(&admin).await;
    let (status, page) = admin.get_text("/staff/audit").await;
    assert_eq!(status, 200);
    // Newest first: the hours change leads.
    let hours_at = page.find("practitioner.hours").expect("hours row");
    let treatment_at = page.find("treatment.update").expect("treatment row");
    assert!(hours_at < treatment_at);
    assert!(page.contains("href=\"/staff/practitioners/2\""));
    assert!(page.contains("<del>Mon 09:00–18:00; Tue 09:00–18:00;"));
    assert!(page.contains("<ins>Mon 09:00–17:00; Tue closed;"));
    assert!(page.contains("admin@clinic.example"));
    assert!(page.contains("rel=\"next\""));
}

#[tokio::test]
async fn the_audit_trail_filters_and_pages_through_the_matches() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    fill_the_trail(&admin).await;
    let (_, page) = admin
        .get_text("/staff/audit?actor=admin%40clinic&subject_kind=treatment&action=treatment.")
        .await;
    assert_eq!(page.matches("<code>treatment.update</code>").count(), 50);
    assert!(!page.contains("practitioner.hours"));
    assert!(page.contains("href=\"/staff/treatments/1\""));
    let next = rel_link(&page, "next").expect("a next link");
    let (status, page2) = admin.get_text(&next).await;
    assert_eq!(status, 200);
    assert_eq!(page2.matches("<code>treatment.update</code>").count(), 1);
    assert!(page2.contains("rel=\"prev\"") && !page2.contains("rel=\"next\""));
    // The oldest save is the one that changed something.
    assert!(page2.contains("<del>45</del> → <ins>50</ins>"));
}

#[tokio::test]
async fn audit_trail_dates_are_the_clinics_local_dates() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    shorten_jonahs_week(&admin).await;
    // Dates are the clinic's local dates: everything happened on 3 June.
    let (_, page) = admin
        .get_text("/staff/audit?from=2030-06-03&to=2030-06-03&subject_kind=practitioner")
        .await;
    assert!(page.contains("practitioner.hours"));
    let (_, page) = admin.get_text("/staff/audit?from=2030-06-04").await;
    assert!(page.contains("No entries match."));
    let (_, page) = admin.get_text("/staff/audit?actor=nobody").await;
    assert!(page.contains("No entries match."));
}

#[tokio::test]
async fn bad_audit_trail_filters_are_named() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let (status, page) = admin
        .get_text("/staff/audit?from=2030-06-05&to=2030-06-04")
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("The last date can&#39;t be before the first."));
    let (status, page) = admin.get_text("/staff/audit?from=yesterday&page=0").await;
    assert_eq!(status, 422);
    assert!(page.contains("not a date in the form YYYY-MM-DD"));
    assert!(page.contains("Not a page number."));
}

/// Two on Tuesday 4 June whose names a spreadsheet could misread (a quote and comma; a
/// formula), and one on Wednesday.
async fn export_bookings(app: &TestApp) -> (Booked, Booked) {
    let a = app
        .booked(
            "microdermabrasion",
            "2030-06-04T09:00:00+01:00",
            2,
            &patient("Lee, \"Annie\"", "annie@example.org"),
        )
        .await;
    let b = app
        .booked(
            "chemical-peel",
            "2030-06-04T17:00:00+01:00",
            3,
            &patient("=HYPERLINK(\"http://x\")", "formula@example.org"),
        )
        .await;
    app.booked(
        "microdermabrasion",
        "2030-06-05T09:00:00+01:00",
        2,
        &patient("Next Day", "next@example.org"),
    )
    .await;
    (a, b)
}

#[tokio::test]
async fn export_gives_a_quoted_csv_of_local_dates() {
    let app = TestApp::spawn().await;
    let desk = app.staff(Role::FrontDesk).await;
    let (a, b) = export_bookings(&app).await;
    let (status, page) = desk.get_text("/staff/export").await;
    assert_eq!(status, 200);
    assert!(page.contains("value=\"2030-06-01\"") && page.contains("value=\"2030-06-30\""));

    let r = desk
        .get("/staff/export.csv?from=2030-06-04&to=2030-06-04")
        .await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("appointments-2030-06-04-to-2030-06-04.csv")
    );
    // Issue 12: a UTF-8 byte order mark first, so Excel reads the file as UTF-8.
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "BOM");
    let body = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "id,local start,local end,timezone,status,treatment,practitioner,patient name,email,phone,booked_by,created"
    );
    assert_eq!(lines.len(), 3, "{body}");
    assert_eq!(
        lines[1],
        format!(
            "{},2030-06-04 09:00,2030-06-04 09:45,Europe/London,Booked,Microdermabrasion,Jonah Reyes,\"Lee, \"\"Annie\"\"\",annie@example.org,+44 20 7946 0001,patient,2030-06-03 08:00",
            a.id
        )
    );
    assert!(lines[2].starts_with(&format!("{},2030-06-04 17:00,2030-06-04 17:45,", b.id)));
    assert!(
        lines[2].contains(",\"'=HYPERLINK(\"\"http://x\"\")\","),
        "a formula is defused: {}",
        lines[2]
    );
}

#[tokio::test]
async fn the_export_lists_cancelled_appointments_with_their_status() {
    let app = TestApp::spawn().await;
    let desk = app.staff(Role::FrontDesk).await;
    let (a, _) = export_bookings(&app).await;
    // A cancelled appointment is listed with its status.
    let token = a.token;
    let (s, _) = app
        .post_json(&format!("/api/v1/bookings/{token}/cancel"), &json!({}))
        .await;
    assert_eq!(s, 200);
    let body = desk
        .get("/staff/export.csv?from=2030-06-01&to=2030-06-30")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(body.split("\r\n").filter(|l| !l.is_empty()).count(), 4);
    // Statuses in words (issue 12), not stored codes.
    assert!(body.contains(",Booked,Chemical peel,Lena Fischer,"));
    assert!(body.contains(",Cancelled,Microdermabrasion,"));
}

#[tokio::test]
async fn bad_export_dates_are_named_and_the_form_shown_again() {
    let app = TestApp::spawn().await;
    let desk = app.staff(Role::FrontDesk).await;
    for (query, message) in [
        (
            "from=2030-06-04&to=June",
            "The end date is not a date in the form YYYY-MM-DD.",
        ),
        (
            "from=2030-06-05&to=2030-06-04",
            "The end date can&#39;t be before the start date.",
        ),
        ("to=2030-06-04", "The start date is not a date"),
        (
            "from=2030-01-01&to=2031-06-01",
            "Export at most 366 days at a time.",
        ),
    ] {
        let (status, page) = desk.get_text(&format!("/staff/export.csv?{query}")).await;
        assert_eq!(status, 422, "{query}");
        assert!(page.contains(message), "{query}: missing {message:?}");
        assert!(page.contains("Download CSV"), "the form is shown again");
    }
}

#[tokio::test]
async fn practitioners_may_not_export() {
    let app = TestApp::spawn().await;
    let practitioner = app.staff(Role::Practitioner).await;
    assert_eq!(
        practitioner
            .get("/staff/export.csv?from=2030-06-04&to=2030-06-04")
            .await
            .status()
            .as_u16(),
        403
    );
}

/// The path of Jonah's published calendar feed, as his page shows it.
/// Publishes (or regenerates) Jonah's feed: its path, from the one answer that shows it. Only the
/// address's digest is stored, so the practitioner page never shows it again.
async fn publish_jonahs_feed(app: &TestApp, admin: &StaffClient) -> String {
    let (status, page) = admin
        .post_text("/staff/practitioners/2/calendar", &Form::new())
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("it is shown only this once"), "{page}");
    let url = value_after(&page, "id=\"feed-url\" type=\"text\" readonly value=\"")
        .expect("the feed address");
    let (_, later) = admin.get_text("/staff/practitioners/2").await;
    assert!(!later.contains(&url), "shown once only");
    assert!(!later.contains("id=\"feed-url\""));
    assert!(later.contains("A feed is published."));
    url.trim_start_matches(&app.address).to_string()
}

#[tokio::test]
async fn a_calendar_feed_serves_its_practitioners_booked_appointments() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let a = app
        .booked(
            "microdermabrasion",
            "2030-06-04T10:00:00+01:00",
            2,
            &patient("Ivy Feed", "ivy@example.org"),
        )
        .await;
    let cancelled = app
        .booked(
            "microdermabrasion",
            "2030-06-05T10:00:00+01:00",
            2,
            &patient("Carl Cancelled", "carl@example.org"),
        )
        .await;
    app.booked(
        "microdermabrasion",
        "2030-06-04T10:00:00+01:00",
        3,
        &patient("Olga Other", "olga@example.org"),
    )
    .await;
    let token = cancelled.token;
    app.post_json(&format!("/api/v1/bookings/{token}/cancel"), &json!({}))
        .await;

    let (_, page) = admin.get_text("/staff/practitioners/2").await;
    assert!(page.contains("No feed is published."));
    let path = publish_jonahs_feed(&app, &admin).await;
    assert!(
        path.starts_with("/calendar/") && path.ends_with(".ics"),
        "{path}"
    );
    let secret = path
        .trim_start_matches("/calendar/")
        .trim_end_matches(".ics");
    assert!(secret.len() >= 22, "at least 128 bits");

    let r = app.get(&path).await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let ics = r.text().await.unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR"));
    assert!(ics.contains("SUMMARY:Microdermabrasion – Ivy Feed"));
    assert!(ics.contains("DTSTART:20300604T090000Z"));
    assert!(ics.contains("DTEND:20300604T094500Z"));
    // The appointment's one UID, the same as in the patient's own calendar entry (issue 9).
    assert!(ics.contains(&format!("UID:appointment-{}-", a.id)) && ics.contains("@carepath\r\n"));
    assert!(ics.contains("PRODID:-//Carepath//"));
    assert!(
        !ics.contains("Carl Cancelled"),
        "cancelled appointments are left out"
    );
    assert!(!ics.contains("Olga Other"), "another practitioner's");
    // The same UID again next time: calendars update instead of duplicating.
    let again = app.get_text(&path).await.1;
    let uid = |s: &str| {
        s.lines()
            .find(|l| l.starts_with("UID:"))
            .map(str::to_string)
    };
    assert_eq!(uid(&ics), uid(&again));
}

#[tokio::test]
async fn regenerating_or_revoking_a_feed_retires_its_address() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let path = publish_jonahs_feed(&app, &admin).await;
    let secret = path
        .trim_start_matches("/calendar/")
        .trim_end_matches(".ics");
    assert_eq!(app.get_text(&path).await.0, 200);
    // Regenerating retires the old address; revoking retires the new one.
    let new_path = publish_jonahs_feed(&app, &admin).await;
    assert_eq!(app.get_text(&path).await.0, 404);
    assert_ne!(new_path, path);
    assert_eq!(app.get_text(&new_path).await.0, 200);
    admin
        .post_redirect("/staff/practitioners/2/calendar/revoke", &Form::new())
        .await;
    assert_eq!(app.get_text(&new_path).await.0, 404);
    assert_eq!(app.get_text("/calendar/not-a-token.ics").await.0, 404);
    assert_eq!(
        app.get_text(&format!("/calendar/{}.ics", "A".repeat(43)))
            .await
            .0,
        404
    );

    let actions: Vec<(String, Value, Value)> = app
        .audit_changes("practitioner", 2)
        .into_iter()
        .map(|(a, b, c, _)| (a, b, c))
        .collect();
    assert_eq!(
        actions.iter().map(|a| a.0.as_str()).collect::<Vec<_>>(),
        [
            "practitioner.calendar_feed.create",
            "practitioner.calendar_feed.regenerate",
            "practitioner.calendar_feed.revoke"
        ]
    );
    assert_eq!(actions[2].1["calendar_feed"], "published");
    assert_eq!(actions[2].2["calendar_feed"], "none");
    let everything = format!("{actions:?}");
    assert!(
        !everything.contains(secret),
        "the secret stays out of the trail"
    );
}

/// A week ago three appointments (later completed, no-show, completed); today two for Jonah, one
/// for Amara and one cancelled; one next week.
async fn dashboard_history(app: &TestApp) {
    // A week ago: three appointments, later completed, no-show and cancelled.
    app.clock.set(t("2030-05-27T07:00:00Z"));
    let mut past = Vec::new();
    for (start, p) in [
        ("2030-05-28T10:00:00+01:00", 2),
        ("2030-05-28T11:00:00+01:00", 2),
        ("2030-05-28T12:00:00+01:00", 1),
    ] {
        past.push(
            app.booked(
                "microdermabrasion",
                start,
                p,
                &patient("Past Patient", "past@example.org"),
            )
            .await,
        );
    }
    app.clock.set(t(NOW));
    app.set_status(past[0].id, "completed");
    app.set_status(past[1].id, "no_show");
    app.set_status(past[2].id, "completed");

    // Today (Monday 3 June, 08:00 now): two for Jonah, one for Amara, one cancelled.
    app.booked(
        "microdermabrasion",
        "2030-06-03T09:00:00+01:00",
        2,
        &patient("Jo Today", "jo@example.org"),
    )
    .await;
    app.booked(
        "microdermabrasion",
        "2030-06-03T11:00:00+01:00",
        2,
        &patient("Kim Today", "kim@example.org"),
    )
    .await;
    app.booked(
        "laser-resurfacing",
        "2030-06-03T10:00:00+01:00",
        1,
        &patient("Amy Laser", "amy@example.org"),
    )
    .await;
    let gone = app
        .booked(
            "microdermabrasion",
            "2030-06-03T14:00:00+01:00",
            2,
            &patient("Gus Gone", "gus@example.org"),
        )
        .await;
    // Within the cut-off patients can't cancel online (staff would); set it directly.
    app.set_status(gone.id, "cancelled");
    app.booked(
        "microdermabrasion",
        "2030-06-10T09:00:00+01:00",
        2,
        &patient("Ned Next", "ned@example.org"),
    )
    .await;
}

#[tokio::test]
async fn the_dashboard_counts_today_charts_the_month_and_rates_no_shows() {
    let app = TestApp::spawn().await;
    dashboard_history(&app).await;
    let admin = app.staff(Role::Admin).await;
    let (status, page) = admin.get_text("/staff").await;
    assert_eq!(status, 200);
    assert!(page.contains("Today, Monday 3 June 2030"));
    assert!(page.contains("Booked: <strong>3</strong>"));
    assert!(page.contains("Cancelled: <strong>1</strong>"));
    assert!(page.contains("No-show: <strong>0</strong>"));
    for name in ["Jo Today", "Kim Today", "Amy Laser", "Gus Gone"] {
        assert!(page.contains(name), "today's list lacks {name}");
    }
    assert!(!page.contains("Ned Next"), "not today");
    assert!(page.contains("09:00–09:45"));
    assert!(page.contains("<svg") && page.contains("<title id=\"chart-title\">Bookings per day"));
    assert_eq!(page.matches("<rect class=\"bar").count(), 61);
    assert!(page.contains("Mon 3 Jun: 3 bookings"));
    assert!(page.contains("Tue 28 May: 3 bookings"));
    assert!(page.contains("Mon 10 Jun: 1 booking<"));
    assert!(page.contains("3 in the last 30 days · 1 booked for the next 30 days"));
    // 1 no-show ÷ (2 completed + 1 no-show).
    assert!(page.contains("<strong class=\"no-show-rate\">33%</strong>"));
    assert!(!page.contains("<script"));
}

#[tokio::test]
async fn a_practitioner_sees_their_own_numbers_on_the_dashboard() {
    let app = TestApp::spawn().await;
    dashboard_history(&app).await;
    // A practitioner sees their own numbers: Jonah's.
    let jonah = app.staff(Role::Practitioner).await;
    let (status, page) = jonah.get_text("/staff").await;
    assert_eq!(status, 200);
    assert!(page.contains("Your appointments only."));
    assert!(page.contains("Jo Today") && page.contains("Kim Today"));
    assert!(!page.contains("Amy Laser"));
    assert!(page.contains("Booked: <strong>2</strong>"));
    assert!(page.contains("<strong class=\"no-show-rate\">50%</strong>"));
    // And no admin navigation.
    assert!(!page.contains("href=\"/staff/treatments\""));
}
