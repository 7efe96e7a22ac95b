//! Tests of the schedule views, appointment actions, patients and phone bookings, through the
//! staff pages over HTTP (on SQLite, and on PostgreSQL with CAREPATH_TEST_POSTGRES).

use carepath::db::models::{AuditRow, NewClinicHours, NewPractitionerHours};
use carepath::domain::staff::Role;
use diesel::RunQueryDsl;

use crate::helpers::*;

/// The audit trail of one appointment.
fn trail(app: &TestApp, id: i32) -> Vec<AuditRow> {
    app.audit_trail("appointment", id)
}

/// Wall-clock hours added straight to the database: the seed clinic is closed on Sundays and
/// Jonah doesn't work Saturdays, but the DST changes happen on Sundays.
fn open_weekends(app: &TestApp) {
    use carepath::db::schema::{clinic_hours, practitioner_hours};
    let mut c = app.state.pool.get().unwrap();
    diesel::insert_into(clinic_hours::table)
        .values(&NewClinicHours {
            weekday: 6,
            open_minute: 600,
            close_minute: 960,
        })
        .execute(&mut *c)
        .unwrap();
    for weekday in [5, 6] {
        diesel::insert_into(practitioner_hours::table)
            .values(&NewPractitionerHours {
                practitioner_id: 2,
                weekday,
                start_minute: 600,
                end_minute: 960,
            })
            .execute(&mut *c)
            .unwrap();
    }
}

/// Tuesday 4 June: laser with Dr. Okafor at 09:00, microdermabrasion with Jonah at 10:00
/// (checked in), a peel with Lena at 11:30 (Bea Cole's) and a cancelled one with Jonah at 14:00.
struct TuesdayDay {
    laser: i32,
    micro: i32,
    peel: i32,
    gone: i32,
}

async fn tuesday_day(app: &TestApp, desk: &StaffClient) -> TuesdayDay {
    let laser = app
        .booked("laser-resurfacing", "2030-06-04T09:00:00+01:00", 1, &ANN)
        .await
        .id;
    let micro = app
        .booked("microdermabrasion", "2030-06-04T10:00:00+01:00", 2, &ANN)
        .await
        .id;
    let bea = Patient::new("Bea Cole", "bea@example.org");
    let peel = app
        .booked("chemical-peel", "2030-06-04T11:30:00+01:00", 3, &bea)
        .await
        .id;
    let gone = app
        .booked("microdermabrasion", "2030-06-04T14:00:00+01:00", 2, &ANN)
        .await
        .id;
    let r = desk
        .post(
            &format!("/staff/appointments/{gone}/cancel"),
            &[("reason", "Patient moved away")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    // A check-in happens on the appointment's own day: 00:30 BST on the Tuesday (the callers
    // log in on Monday evening, so the 12-hour session lasts).
    app.clock.set(t("2030-06-03T23:30:00Z"));
    let r = desk
        .post(&format!("/staff/appointments/{micro}/check-in"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    TuesdayDay {
        laser,
        micro,
        peel,
        gone,
    }
}

#[tokio::test]
async fn the_day_view_places_each_appointment_by_its_local_time() {
    let app = TestApp::spawn().await;
    app.clock.set(t("2030-06-03T20:00:00Z"));
    let desk = app.staff(Role::FrontDesk).await;
    let TuesdayDay {
        laser, micro, peel, ..
    } = tuesday_day(&app, &desk).await;

    let (status, html) = desk.get_text("/staff/day?date=2030-06-04").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Tuesday 4 June 2030"));
    // Columns: time, then practitioners 1, 2, 3. Rows: one a minute from 09:00 (line 2).
    for name in ["Dr. Amara Okafor", "Jonah Reyes", "Lena Fischer"] {
        assert!(html.contains(name), "column for {name}");
    }
    assert_eq!(
        placed(&html, laser),
        "grid-column: 2; grid-row: 2 / span 90"
    );
    assert_eq!(
        placed(&html, micro),
        "grid-column: 3; grid-row: 62 / span 45"
    );
    assert_eq!(
        placed(&html, peel),
        "grid-column: 4; grid-row: 152 / span 45"
    );
    let tag = block(&html, micro).unwrap();
    assert!(tag.contains("class=\"appt status-checked_in\""), "{tag}");
    assert_eq!(attr(&tag, "href"), format!("/staff/appointments/{micro}"));
    assert!(
        block(&html, laser)
            .unwrap()
            .contains("class=\"appt status-booked\"")
    );
    // Each block shows the time, the patient and the treatment.
    let peel_at = html.find(&format!("data-appointment=\"{peel}\"")).unwrap();
    let peel_html = &html[peel_at..peel_at + html[peel_at..].find("</a>").unwrap()];
    for needle in ["11:30–12:15", "Bea Cole", "Chemical peel", "Booked"] {
        assert!(peel_html.contains(needle), "{needle} in {peel_html}");
    }
}

#[tokio::test]
async fn the_day_view_lists_cancelled_appointments_apart() {
    let app = TestApp::spawn().await;
    app.clock.set(t("2030-06-03T20:00:00Z"));
    let desk = app.staff(Role::FrontDesk).await;
    let gone = tuesday_day(&app, &desk).await.gone;
    let (status, html) = desk.get_text("/staff/day?date=2030-06-04").await;
    assert_eq!(status, 200, "{html}");
    // Not in the grid.
    assert!(block(&html, gone).is_none());
    let list = &html[html.find("<h2>Cancelled</h2>").expect("cancelled list")..];
    assert!(list.contains(&format!("/staff/appointments/{gone}")));
    assert!(list.contains("14:00–14:45"));
    assert!(list.contains("Patient moved away"));
}

#[tokio::test]
async fn the_day_view_shades_hours_not_worked_and_labels_the_hours() {
    let app = TestApp::spawn().await;
    let desk = app.staff(Role::FrontDesk).await;
    let (status, html) = desk.get_text("/staff/day?date=2030-06-04").await;
    assert_eq!(status, 200, "{html}");
    // Lena starts at 10:00, Dr. Okafor stops at 17:00.
    assert!(html.contains("class=\"shade off\" style=\"grid-column: 4; grid-row: 2 / span 60\""));
    assert!(html.contains("class=\"shade off\" style=\"grid-column: 2; grid-row: 482 / span 60\""));
    // Hour labels from opening to the last hour, and the days around.
    assert!(html.contains(">09:00</div>") && html.contains(">17:00</div>"));
    assert!(!html.contains(">18:00</div>"), "18:00 is closing time");
    assert!(html.contains("href=\"/staff/day?date=2030-06-03\""));
    assert!(html.contains("href=\"/staff/day?date=2030-06-05\""));
    assert!(html.contains("name=\"date\" type=\"date\" value=\"2030-06-04\""));
}

#[tokio::test]
async fn the_day_view_shows_today_without_a_date_and_names_a_bad_one() {
    let app = TestApp::spawn().await;
    let desk = app.staff(Role::FrontDesk).await;
    // Without a date: today in the clinic's zone; a bad date says so and shows today.
    let (status, html) = desk.get_text("/staff/day").await;
    assert_eq!(status, 200);
    assert!(html.contains("Monday 3 June 2030"));
    let (status, html) = desk.get_text("/staff/day?date=2030-02-30").await;
    assert_eq!(status, 400);
    assert!(html.contains("YYYY-MM-DD"), "{html}");
    assert!(html.contains("Monday 3 June 2030"));
    let (status, html) = desk.get_text("/staff/day?date=2030-06-09").await;
    assert_eq!(status, 200);
    assert!(html.contains("The clinic is closed on Sundays."));
}

/// Jonah on Monday 3 June at 15:00 and Tuesday at 10:00; Lena on Saturday 8 June at 12:00.
async fn week_of_bookings(app: &TestApp) -> (i32, i32, i32) {
    let monday = app
        .booked("microdermabrasion", "2030-06-03T15:00:00+01:00", 2, &ANN)
        .await
        .id;
    let tuesday = app
        .booked("microdermabrasion", "2030-06-04T10:00:00+01:00", 2, &ANN)
        .await
        .id;
    let lena = app
        .booked("chemical-peel", "2030-06-08T12:00:00+01:00", 3, &ANN)
        .await
        .id;
    (monday, tuesday, lena)
}

#[tokio::test]
async fn the_week_view_shows_seven_days_for_one_practitioner() {
    let app = TestApp::spawn().await;
    let (monday, tuesday, lena) = week_of_bookings(&app).await;
    let desk = app.staff(Role::FrontDesk).await;

    let (status, html) = desk
        .get_text("/staff/week?date=2030-06-05&practitioner=2")
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Jonah Reyes: week of 3 June to 9 June 2030"));
    for day in [
        "Mon 3 Jun",
        "Tue 4 Jun",
        "Wed 5 Jun",
        "Thu 6 Jun",
        "Fri 7 Jun",
        "Sat 8 Jun",
        "Sun 9 Jun",
    ] {
        assert!(html.contains(day), "{day}");
    }
    // A day per column (Monday is column 2), a minute per row from 09:00 below one header row.
    assert_eq!(
        placed(&html, monday),
        "grid-column: 2; grid-row: 362 / span 45"
    );
    assert_eq!(
        placed(&html, tuesday),
        "grid-column: 3; grid-row: 62 / span 45"
    );
    assert!(block(&html, lena).is_none(), "Lena's isn't Jonah's");
    assert!(html.contains("href=\"/staff/week?date=2030-05-27&#38;practitioner=2\""));
    assert!(html.contains("href=\"/staff/week?date=2030-06-10&#38;practitioner=2\""));
    assert!(
        html.contains("href=\"/staff/day?date=2030-06-04\""),
        "days link to their day"
    );
}

/// Issue 12: everyone's week is a compact list per day (a grid lane per practitioner and day cut
/// names mid-word); one practitioner's week stays on the time grid.
#[tokio::test]
async fn the_week_view_for_everyone_lists_each_day() {
    let app = TestApp::spawn().await;
    let (monday, tuesday, lena) = week_of_bookings(&app).await;
    let desk = app.staff(Role::FrontDesk).await;
    let (status, html) = desk
        .get_text("/staff/week?date=2030-06-05&practitioner=all")
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("Week of 3 June to 9 June 2030"));
    assert!(!html.contains("class=\"sched\""), "no narrow lanes");
    // Each day in order, each appointment with its time, patient, treatment and practitioner
    // (named in full, with their colour and initials).
    let mon = html.find("Monday 3 June 2030").expect("Monday");
    let tue = html.find("Tuesday 4 June 2030").expect("Tuesday");
    let sat = html.find("Saturday 8 June 2030").expect("Saturday");
    let at = |id: i32| html.find(&format!("data-appointment=\"{id}\"")).unwrap();
    assert!(mon < at(monday) && at(monday) < tue && tue < at(tuesday));
    assert!(sat < at(lena));
    let item = &html[at(lena)..at(lena) + 600];
    for part in [
        "12:00–12:45",
        "Ann Lee",
        "Chemical peel",
        "with Lena Fischer",
        "who-chip who-2",
        ">LF<",
    ] {
        assert!(item.contains(part), "{part} in {item}");
    }
    assert!(html.contains("Sunday 9 June 2030</a> <small>closed</small>"));
    // The default for admin and front desk is everyone.
    let (_, default) = desk.get_text("/staff/week?date=2030-06-05").await;
    assert!(default.contains(&format!("data-appointment=\"{lena}\"")));
    assert!(default.contains(&format!("data-appointment=\"{tuesday}\"")));
}

#[tokio::test]
async fn the_week_view_names_bad_input() {
    let app = TestApp::spawn().await;
    let desk = app.staff(Role::FrontDesk).await;
    // Never a server error.
    let (status, html) = desk.get_text("/staff/week?practitioner=abc").await;
    assert_eq!(status, 400);
    assert!(html.contains("is not a practitioner"));
    let (status, _) = desk.get_text("/staff/week?practitioner=99").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_spring_dst_week_keeps_every_block_on_its_wall_clock_row() {
    let app = TestApp::spawn().await;
    open_weekends(&app);
    // London moves to BST on Sunday 31 March 2030.
    app.clock.set(t("2030-03-18T09:00:00Z"));
    let book = async |start| app.booked("microdermabrasion", start, 2, &ANN).await.id;
    let mon = book("2030-03-25T10:00:00+00:00").await;
    let sat = book("2030-03-30T10:00:00+00:00").await;
    let sun = book("2030-03-31T10:00:00+01:00").await;
    let desk = app.staff(Role::FrontDesk).await;
    let (status, html) = desk
        .get_text("/staff/week?date=2030-03-27&practitioner=2")
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("week of 25 March to 31 March 2030"));
    // 10:00 GMT and 10:00 BST are an hour apart in UTC but on the same row.
    assert_eq!(placed(&html, mon), "grid-column: 2; grid-row: 62 / span 45");
    assert_eq!(placed(&html, sat), "grid-column: 7; grid-row: 62 / span 45");
    assert_eq!(placed(&html, sun), "grid-column: 8; grid-row: 62 / span 45");
    assert_eq!(
        app.appointment(sun).starts_at.to_string(),
        "2030-03-31 09:00:00"
    );
    assert_eq!(
        app.appointment(sat).starts_at.to_string(),
        "2030-03-30 10:00:00"
    );
    // The 23-hour day itself: opening at 10:00, the block at the top.
    let (_, day) = desk.get_text("/staff/day?date=2030-03-31").await;
    assert_eq!(placed(&day, sun), "grid-column: 3; grid-row: 2 / span 45");
    assert!(day.contains("10:00–10:45"));
}

#[tokio::test]
async fn an_autumn_dst_week_keeps_every_block_on_its_wall_clock_row() {
    let app = TestApp::spawn().await;
    open_weekends(&app);
    // Back to GMT on Sunday 27 October 2030, and the week after.
    app.clock.set(t("2030-10-14T09:00:00Z"));
    let book = async |start| app.booked("microdermabrasion", start, 2, &ANN).await.id;
    let sat = book("2030-10-26T10:00:00+01:00").await;
    let sun = book("2030-10-27T10:00:00+00:00").await;
    let next_mon = book("2030-10-28T10:00:00+00:00").await;
    let desk = app.staff(Role::FrontDesk).await;
    let (status, html) = desk
        .get_text("/staff/week?date=2030-10-21&practitioner=2")
        .await;
    assert_eq!(status, 200);
    assert_eq!(placed(&html, sat), "grid-column: 7; grid-row: 62 / span 45");
    assert_eq!(placed(&html, sun), "grid-column: 8; grid-row: 62 / span 45");
    let (_, html) = desk
        .get_text("/staff/week?date=2030-10-28&practitioner=2")
        .await;
    assert_eq!(
        placed(&html, next_mon),
        "grid-column: 2; grid-row: 62 / span 45"
    );
    let (_, day) = desk.get_text("/staff/day?date=2030-10-27").await;
    assert_eq!(placed(&day, sun), "grid-column: 3; grid-row: 2 / span 45");
}

/// Ann's microdermabrasion with Jonah today at 09:00 BST ("now" is 08:00).
async fn today_at_nine(app: &TestApp) -> i32 {
    app.booked("microdermabrasion", "2030-06-03T09:00:00+01:00", 2, &ANN)
        .await
        .id
}

/// Today's 09:00 appointment, checked in by the desk at 08:00 BST.
async fn checked_in(app: &TestApp, desk: &StaffClient) -> i32 {
    let id = today_at_nine(app).await;
    let r = desk
        .post(&format!("/staff/appointments/{id}/check-in"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    id
}

/// Today's 09:00 appointment, checked in, then completed at 09:50 BST as having ended at 09:47.
async fn completed(app: &TestApp, desk: &StaffClient) -> i32 {
    let id = checked_in(app, desk).await;
    app.clock.set(t("2030-06-03T08:50:00Z"));
    let r = desk
        .post(
            &format!("/staff/appointments/{id}/complete"),
            &[("ended_at", "09:47")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    id
}

#[tokio::test]
async fn before_its_start_an_appointment_offers_check_in_and_refuses_a_no_show() {
    let app = TestApp::spawn().await;
    let id = today_at_nine(&app).await;
    let desk = app.staff(Role::FrontDesk).await;
    let page = format!("/staff/appointments/{id}");

    let (status, html) = desk.get_text(&page).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("action=\"{page}/check-in\"")));
    assert!(
        !html.contains(&format!("action=\"{page}/complete\"")),
        "not started"
    );
    assert!(
        !html.contains(&format!("action=\"{page}/no-show\"")),
        "not started"
    );
    assert!(html.contains(&format!("action=\"{page}/cancel\"")));
    assert!(html.contains(&format!("href=\"{page}/reschedule\"")));
    assert!(html.contains("The patient, online"));

    // A no-show before the start is refused: 409, a message, nothing changed.
    let before = trail(&app, id).len();
    let r = desk.post(&format!("{page}/no-show"), &[]).await;
    assert_eq!(r.status().as_u16(), 409);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("once its start time (09:00) has passed"),
        "{html}"
    );
    assert!(html.contains("Nothing was changed."));
    assert_eq!(app.appointment(id).status, "booked");
    assert_eq!(trail(&app, id).len(), before);
}

#[tokio::test]
async fn check_in_records_the_time_and_cannot_be_repeated() {
    let app = TestApp::spawn().await;
    let id = today_at_nine(&app).await;
    let desk = app.staff(Role::FrontDesk).await;
    let page = format!("/staff/appointments/{id}");
    let r = desk.post(&format!("{page}/check-in"), &[]).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(location(&r), format!("{page}?done=checked-in"));
    let checked = app.appointment(id);
    assert_eq!(checked.status, "checked_in");
    assert_eq!(
        checked.checked_in_at.unwrap().to_string(),
        "2030-06-03 07:00:00"
    );
    let r = desk.post(&format!("{page}/check-in"), &[]).await;
    assert_eq!(r.status().as_u16(), 409);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("A checked-in appointment cannot be checked in.")
    );
}

#[tokio::test]
async fn completing_asks_for_an_end_time_that_is_past_and_after_the_start() {
    let app = TestApp::spawn().await;
    let desk = app.staff(Role::FrontDesk).await;
    let id = checked_in(&app, &desk).await;
    let page = format!("/staff/appointments/{id}");
    // 09:50 BST: the form offers now; the end can't be in the future or before the start.
    app.clock.set(t("2030-06-03T08:50:00Z"));
    let (_, html) = desk.get_text(&page).await;
    assert!(
        html.contains("name=\"ended_at\" type=\"time\" value=\"09:50\""),
        "{html}"
    );
    for (typed, says, code) in [
        ("10:30", "future", 422),
        ("08:30", "after the session started", 422),
        ("half past", "time of day", 422),
    ] {
        let r = desk
            .post(&format!("{page}/complete"), &[("ended_at", typed)])
            .await;
        assert_eq!(r.status().as_u16(), code, "{typed}");
        let html = r.text().await.unwrap();
        assert!(html.contains(says), "{typed}: {html}");
        assert!(html.contains("id=\"ended_at-error\""));
        assert!(html.contains(&format!("value=\"{typed}\"")), "kept");
        assert_eq!(app.appointment(id).status, "checked_in");
    }
    let r = desk
        .post(&format!("{page}/complete"), &[("ended_at", "09:47")])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let done = app.appointment(id);
    assert_eq!(done.status, "completed");
    // Stored in UTC: 09:47 BST.
    assert_eq!(
        done.completed_at.unwrap().to_string(),
        "2030-06-03 08:47:00"
    );
}

#[tokio::test]
async fn a_completed_appointment_refuses_every_further_move() {
    let app = TestApp::spawn().await;
    let desk = app.staff(Role::FrontDesk).await;
    let id = completed(&app, &desk).await;
    let page = format!("/staff/appointments/{id}");
    // Cancelling: the page again with the reason, nothing changed.
    let audit_rows = trail(&app, id).len();
    let r = desk
        .post(&format!("{page}/cancel"), &[("reason", "changed mind")])
        .await;
    assert_eq!(r.status().as_u16(), 409);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("A completed appointment cannot be cancelled."),
        "{html}"
    );
    assert!(html.contains("Completed"));
    assert_eq!(app.appointment(id).status, "completed");
    assert_eq!(app.appointment(id).cancel_reason, None);
    assert_eq!(trail(&app, id).len(), audit_rows);
    for action in ["check-in", "no-show"] {
        let r = desk.post(&format!("{page}/{action}"), &[]).await;
        assert_eq!(r.status().as_u16(), 409, "{action}");
    }
    let r = desk
        .post(
            &format!("{page}/reschedule"),
            &[
                ("start", "2030-06-05T10:00:00+01:00"),
                ("practitioner", "2"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 409);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("A completed appointment cannot be rescheduled.")
    );
    assert_eq!(trail(&app, id).len(), audit_rows);
}

#[tokio::test]
async fn check_in_and_completion_go_on_the_trail_and_the_page() {
    let app = TestApp::spawn().await;
    let desk = app.staff(Role::FrontDesk).await;
    let id = completed(&app, &desk).await;
    let page = format!("/staff/appointments/{id}");
    // The trail: who, what, before → after.
    let rows = trail(&app, id);
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "appointment.book",
            "appointment.check_in",
            "appointment.complete"
        ]
    );
    for r in &rows[1..] {
        assert_eq!(r.actor_kind, "staff");
        assert_eq!(r.actor_label, desk.email);
    }
    assert_eq!(json_of(&rows[1].before_json)["status"], "booked");
    assert_eq!(json_of(&rows[1].after_json)["status"], "checked_in");
    assert_eq!(json_of(&rows[2].before_json)["status"], "checked_in");
    assert_eq!(json_of(&rows[2].after_json)["status"], "completed");
    assert_eq!(
        json_of(&rows[2].after_json)["completed_at"],
        "2030-06-03T08:47:00+00:00"
    );
    // … and as the page tells it.
    let (_, html) = desk.get_text(&page).await;
    assert!(html.contains("Status: Booked → Checked in"), "{html}");
    assert!(html.contains("Status: Checked in → Completed"));
    assert!(
        html.contains("Monday 3 June 2030 at 09:47 (BST)"),
        "the end shown"
    );
    assert!(!html.contains(&format!("action=\"{page}/cancel\"")));
    // Issue 12: on the day it was made, the completion can still be undone; nothing else.
    assert!(html.contains(&format!("action=\"{page}/undo\"")));
    assert!(html.contains("Undo completion"));
    assert!(!html.contains("Nothing more to do"));
}

#[tokio::test]
async fn a_no_show_after_the_start_is_recorded_and_shown() {
    let app = TestApp::spawn().await;
    let today = today_at_nine(&app).await;
    let desk = app.staff(Role::FrontDesk).await;
    app.clock.set(t("2030-06-03T08:20:00Z"));
    let r = desk
        .post(&format!("/staff/appointments/{today}/no-show"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(app.appointment(today).status, "no_show");
    let last = trail(&app, today).pop().unwrap();
    assert_eq!(last.action, "appointment.no_show");
    assert_eq!(json_of(&last.before_json)["status"], "booked");
    assert_eq!(json_of(&last.after_json)["status"], "no_show");
    let (_, html) = desk.get_text("/staff/day").await;
    assert!(block(&html, today).unwrap().contains("status-no_show"));
}

/// Ann's microdermabrasion with Jonah tomorrow (Tuesday) at 09:00: its staff page.
async fn tomorrow_at_nine(app: &TestApp) -> (i32, String) {
    let id = app
        .booked("microdermabrasion", "2030-06-04T09:00:00+01:00", 2, &ANN)
        .await
        .id;
    (id, format!("/staff/appointments/{id}"))
}

#[tokio::test]
async fn staff_must_say_why_they_cancel() {
    let app = TestApp::spawn().await;
    let (tomorrow, page) = tomorrow_at_nine(&app).await;
    let desk = app.staff(Role::FrontDesk).await;
    let r = desk
        .post(&format!("{page}/cancel"), &[("reason", "  ")])
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"reason-error\""));
    assert!(html.contains("Please give a reason for cancelling."));
    assert_eq!(app.appointment(tomorrow).status, "booked");
}

#[tokio::test]
async fn a_staff_cancel_is_recorded_once_and_frees_the_time() {
    let app = TestApp::spawn().await;
    let (tomorrow, page) = tomorrow_at_nine(&app).await;
    let desk = app.staff(Role::FrontDesk).await;
    let r = desk
        .post(&format!("{page}/cancel"), &[("reason", "Patient unwell")])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let cancelled = app.appointment(tomorrow);
    assert_eq!(cancelled.status, "cancelled");
    assert_eq!(cancelled.cancel_reason.as_deref(), Some("Patient unwell"));
    let last = trail(&app, tomorrow).pop().unwrap();
    assert_eq!(last.action, "appointment.cancel");
    assert_eq!(last.note.as_deref(), Some("Patient unwell"));
    assert_eq!(json_of(&last.before_json)["status"], "booked");
    assert_eq!(json_of(&last.after_json)["status"], "cancelled");
    let r = desk
        .post(&format!("{page}/cancel"), &[("reason", "again")])
        .await;
    assert_eq!(r.status().as_u16(), 409);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("A cancelled appointment cannot be cancelled.")
    );
    // The freed time can be booked again.
    app.booked("microdermabrasion", "2030-06-04T09:00:00+01:00", 2, &ANN)
        .await;
}

#[tokio::test]
async fn notes_are_kept_with_their_author_whatever_the_status() {
    let app = TestApp::spawn().await;
    let (tomorrow, page) = tomorrow_at_nine(&app).await;
    let desk = app.staff(Role::FrontDesk).await;
    // Even on a cancelled appointment.
    let r = desk
        .post(&format!("{page}/cancel"), &[("reason", "Patient unwell")])
        .await;
    assert_eq!(r.status().as_u16(), 303);

    let r = desk.post(&format!("{page}/notes"), &[("body", "")]).await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("id=\"body-error\""));
    let r = desk
        .post(
            &format!("{page}/notes"),
            &[("body", "Will call back to rebook <soon>")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(location(&r), format!("{page}?done=note"));
    let (_, html) = desk.get_text(&format!("{page}?done=note")).await;
    assert!(html.contains("Note added."));
    assert!(
        html.contains("Will call back to rebook &#60;soon&#62;")
            || html.contains("Will call back to rebook &lt;soon&gt;"),
        "escaped: {html}"
    );
    assert!(html.contains(&desk.email));
    let last = trail(&app, tomorrow).pop().unwrap();
    assert_eq!(last.action, "appointment.note");
    assert_eq!(
        last.note.as_deref(),
        Some("Will call back to rebook <soon>")
    );
}

/// Ann's microdermabrasion with Jonah on Tuesday at 10:00, to be moved, and Cy Dunn's right
/// after it at 11:00: (moving, other).
async fn moving_and_other(app: &TestApp) -> (i32, i32) {
    let moving = app
        .booked("microdermabrasion", "2030-06-04T10:00:00+01:00", 2, &ANN)
        .await
        .id;
    let cy = Patient::new("Cy Dunn", "cy@example.org");
    let other = app
        .booked("microdermabrasion", "2030-06-04T11:00:00+01:00", 2, &cy)
        .await
        .id;
    (moving, other)
}

#[tokio::test]
async fn the_staff_reschedule_page_offers_only_free_times() {
    let app = TestApp::spawn().await;
    let (moving, _) = moving_and_other(&app).await;
    let desk = app.staff(Role::FrontDesk).await;
    let page = format!("/staff/appointments/{moving}");

    let (status, html) = desk.get_text(&format!("{page}/reschedule")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Tuesday 4 June 2030 at 10:00 (BST) with Jonah Reyes"));
    assert!(
        html.contains("value=\"2030-06-04T10:00:00+01:00\""),
        "its own time is free"
    );
    assert!(
        !html.contains("value=\"2030-06-04T10:15:00+01:00\""),
        "its buffer would run into the next"
    );
    assert!(
        !html.contains("value=\"2030-06-04T11:00:00+01:00\""),
        "taken by another"
    );
    assert!(
        !html.contains("value=\"2030-06-04T10:30:00+01:00\""),
        "would overlap with its buffer"
    );
    let (status, html) = desk
        .get_text(&format!(
            "{page}/reschedule?date=2030-06-05&practitioner=any"
        ))
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("Wednesday 5 June 2030"));
    assert!(html.contains("value=\"2030-06-05T10:00:00+01:00\""));
    assert!(
        html.contains("Jonah Reyes, Lena Fischer"),
        "who is free then"
    );
    let (status, html) = desk
        .get_text(&format!("{page}/reschedule?date=tomorrow"))
        .await;
    assert_eq!(status, 400);
    assert!(html.contains("YYYY-MM-DD"));
}

#[tokio::test]
async fn a_staff_reschedule_onto_a_taken_or_unreadable_time_moves_nothing() {
    let app = TestApp::spawn().await;
    let (moving, _) = moving_and_other(&app).await;
    let desk = app.staff(Role::FrontDesk).await;
    let page = format!("/staff/appointments/{moving}");
    // The time another patient holds: refused, nothing moved.
    let r = desk
        .post(
            &format!("{page}/reschedule"),
            &[
                ("start", "2030-06-04T11:00:00+01:00"),
                ("practitioner", "2"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 409);
    let html = r.text().await.unwrap();
    assert!(html.contains("just been taken"), "{html}");
    assert!(
        html.contains("value=\"2030-06-04T14:00:00+01:00\""),
        "other times offered"
    );
    assert_eq!(
        app.appointment(moving).starts_at.to_string(),
        "2030-06-04 09:00:00"
    );
    let r = desk
        .post(&format!("{page}/reschedule"), &[("start", "soon")])
        .await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Please choose one of the free times.")
    );
    assert_eq!(
        app.appointment(moving).starts_at.to_string(),
        "2030-06-04 09:00:00"
    );
}

#[tokio::test]
async fn a_staff_reschedule_moves_the_appointment_and_records_it() {
    let app = TestApp::spawn().await;
    let (moving, other) = moving_and_other(&app).await;
    let desk = app.staff(Role::FrontDesk).await;
    let page = format!("/staff/appointments/{moving}");
    let r = desk
        .post(
            &format!("{page}/reschedule"),
            &[
                ("start", "2030-06-05T10:00:00+01:00"),
                ("practitioner", "3"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(location(&r), format!("{page}?done=rescheduled"));
    let moved = app.appointment(moving);
    assert_eq!(moved.starts_at.to_string(), "2030-06-05 09:00:00");
    assert_eq!(moved.practitioner_id, 3);
    assert_eq!(app.appointment(other).status, "booked");
    let last = trail(&app, moving).pop().unwrap();
    assert_eq!(last.action, "appointment.reschedule");
    assert_eq!(last.actor_label, desk.email);
    assert_eq!(
        json_of(&last.before_json)["starts_at"],
        "2030-06-04T09:00:00+00:00"
    );
    assert_eq!(
        json_of(&last.after_json)["starts_at"],
        "2030-06-05T09:00:00+00:00"
    );
    let (_, html) = desk.get_text(&location(&r)).await;
    assert!(html.contains("Moved to the new time."));
    assert!(
        html.contains("Practitioner: Jonah Reyes → Lena Fischer"),
        "{html}"
    );
}

/// The phone booking form for Carl Diaz's peel with Jonah on Tuesday 4 June.
fn phone_form(
    start: &'static str,
    name: &'static str,
    consent: bool,
) -> Vec<(&'static str, &'static str)> {
    let mut f = vec![
        ("treatment", "chemical-peel"),
        ("date", "2030-06-04"),
        ("practitioner", "2"),
        ("start", start),
        ("name", name),
        ("email", "carl@example.org"),
        ("phone", "020 7946 0001"),
        ("note", "Sensitive skin"),
    ];
    if consent {
        f.push(("consent", "yes"));
    }
    f
}

/// Books Carl Diaz at 09:00 by phone: where the desk is sent.
async fn carl_by_phone(desk: &StaffClient) -> String {
    let r = desk
        .post(
            "/staff/book",
            &phone_form("2030-06-04T09:00:00+01:00", "Carl Diaz", true),
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    location(&r)
}

#[tokio::test]
async fn the_phone_booking_form_offers_the_free_times() {
    let app = TestApp::spawn().await;
    let desk = app.staff(Role::FrontDesk).await;
    let (status, html) = desk.get_text("/staff/book").await;
    assert_eq!(status, 200);
    assert!(html.contains("<option value=\"chemical-peel\""));
    let (status, html) = desk
        .get_text("/staff/book?treatment=chemical-peel&date=2030-06-04&practitioner=2")
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("value=\"2030-06-04T09:00:00+01:00\""));
    assert!(html.contains("for=\"consent\""));
}

#[tokio::test]
async fn phone_booking_mistakes_are_named_by_field_and_book_nothing() {
    let app = TestApp::spawn().await;
    let desk = app.staff(Role::FrontDesk).await;
    // 422, every message by its field, everything typed kept.
    let r = desk
        .post(
            "/staff/book",
            &phone_form("2030-06-04T09:00:00+01:00", "", false),
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"name-error\""), "{html}");
    assert!(html.contains("id=\"consent-error\""));
    assert!(html.contains("the patient agreed to the clinic"));
    assert!(html.contains("value=\"carl@example.org\""));
    assert!(html.contains(">Sensitive skin</textarea>"));
    assert!(
        html.contains("value=\"2030-06-04T09:00:00+01:00\" required checked"),
        "time kept"
    );
    assert_eq!(app.appointment_count(), 0);
    let r = desk
        .post("/staff/book", &phone_form("", "Carl Diaz", true))
        .await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("id=\"start-error\""));
    assert_eq!(app.appointment_count(), 0);
}

#[tokio::test]
async fn a_phone_booking_is_recorded_as_the_staff_members() {
    let app = TestApp::spawn().await;
    let desk = app.staff(Role::FrontDesk).await;
    let to = carl_by_phone(&desk).await;
    assert!(
        to.starts_with("/staff/appointments/") && to.ends_with("?done=booked"),
        "{to}"
    );
    let id: i32 = to["/staff/appointments/".len()..to.find('?').unwrap()]
        .parse()
        .unwrap();
    let booked = app.appointment(id);
    assert_eq!(booked.booked_by, "staff");
    assert_eq!(booked.practitioner_id, 2);
    assert_eq!(booked.starts_at.to_string(), "2030-06-04 08:00:00");
    assert_eq!(booked.patient_note.as_deref(), Some("Sensitive skin"));
    let first = &trail(&app, id)[0];
    assert_eq!(
        (first.action.as_str(), first.actor_kind.as_str()),
        ("appointment.book", "staff")
    );
    let (status, html) = desk.get_text(&to).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("Staff: {}", desk.email)));
    assert!(html.contains("Carl Diaz"));
}

#[tokio::test]
async fn a_phone_booking_of_a_taken_time_keeps_the_details_and_books_nothing() {
    let app = TestApp::spawn().await;
    let desk = app.staff(Role::FrontDesk).await;
    carl_by_phone(&desk).await;
    // The same time again: taken (409), the patient's details kept, no second booking.
    let mut again = phone_form("2030-06-04T09:00:00+01:00", "Dana Eve", true);
    again[5] = ("email", "dana@example.org");
    let r = desk.post("/staff/book", &again).await;
    assert_eq!(r.status().as_u16(), 409);
    let html = r.text().await.unwrap();
    assert!(html.contains("just been taken"), "{html}");
    assert!(html.contains("value=\"Dana Eve\""));
    assert!(
        !html.contains("value=\"2030-06-04T09:00:00+01:00\""),
        "no longer offered"
    );
    assert_eq!(app.appointment_count(), 1);
}

#[tokio::test]
async fn phone_bookings_follow_the_online_rules() {
    let app = TestApp::spawn().await;
    let desk = app.staff(Role::FrontDesk).await;
    // No past times, no unknown treatments.
    let r = desk
        .post(
            "/staff/book",
            &phone_form("2030-06-03T07:00:00+01:00", "Dana Eve", true),
        )
        .await;
    assert_eq!(r.status().as_u16(), 409);
    assert!(r.text().await.unwrap().contains("already passed"));
    let mut unknown = phone_form("2030-06-04T13:00:00+01:00", "Dana Eve", true);
    unknown[0] = ("treatment", "botox");
    let r = desk.post("/staff/book", &unknown).await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(
        r.text().await.unwrap().contains("isn"),
        "unknown treatment named"
    );
    assert_eq!(app.appointment_count(), 0);
}

/// Ann Lee twice (with a phone on the earlier), Bob Stone, and Anna Smith: (early, late) of Ann's.
async fn four_bookings_of_three_patients(app: &TestApp) -> (i32, i32) {
    let ann_with_phone = ANN.with_phone("+44 20 7946 0001");
    let early = app
        .booked(
            "microdermabrasion",
            "2030-06-04T10:00:00+01:00",
            2,
            &ann_with_phone,
        )
        .await
        .id;
    let late = app
        .booked("chemical-peel", "2030-06-06T10:00:00+01:00", 3, &ANN)
        .await
        .id;
    let bob = Patient::new("Bob Stone", "Bob.Stone@Example.ORG").with_phone("07700 900123");
    app.booked("microdermabrasion", "2030-06-05T10:00:00+01:00", 2, &bob)
        .await;
    let anna = Patient::new("Anna Smith", "anna@sample.net");
    app.booked("microdermabrasion", "2030-06-05T12:00:00+01:00", 2, &anna)
        .await;
    (early, late)
}

/// The names in the patients table, in page order.
fn patient_names(html: &str) -> Vec<String> {
    html.split("<tr><td><a href=\"/staff/patients/")
        .skip(1)
        .map(|s| {
            s.split('>')
                .nth(1)
                .unwrap()
                .split('<')
                .next()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn patients_are_found_by_name_email_or_phone_in_any_case() {
    let app = TestApp::spawn().await;
    four_bookings_of_three_patients(&app).await;
    let desk = app.staff(Role::FrontDesk).await;
    for (q, expected) in [
        ("ann", vec!["Ann Lee", "Anna Smith"]),
        ("ANN", vec!["Ann Lee", "Anna Smith"]),
        ("stone", vec!["Bob Stone"]),
        ("bob.stone%40example.org", vec!["Bob Stone"]),
        ("EXAMPLE.org", vec!["Ann Lee", "Bob Stone"]),
        ("7700900", vec!["Bob Stone"]),
        ("07700+900+123", vec!["Bob Stone"]),
        ("20+7946-0001", vec!["Ann Lee"]),
        ("%25", vec![]),
        ("zed", vec![]),
    ] {
        let (status, html) = desk.get_text(&format!("/staff/patients?q={q}")).await;
        assert_eq!(status, 200, "{q}");
        assert_eq!(patient_names(&html), expected, "q={q}");
    }
    let (status, html) = desk.get_text("/staff/patients").await;
    assert_eq!(status, 200);
    assert_eq!(patient_names(&html).len(), 3, "everyone, most recent first");
}

#[tokio::test]
async fn a_patient_search_of_over_100_characters_is_refused() {
    let app = TestApp::spawn().await;
    let desk = app.staff(Role::FrontDesk).await;
    let (status, html) = desk
        .get_text(&format!("/staff/patients?q={}", "x".repeat(101)))
        .await;
    assert_eq!(status, 422);
    assert!(html.contains("at most 100 characters"));
}

#[tokio::test]
async fn a_patients_page_lists_their_appointments_newest_first() {
    let app = TestApp::spawn().await;
    let (early, late) = four_bookings_of_three_patients(&app).await;
    let desk = app.staff(Role::FrontDesk).await;
    let patient = app.appointment(early).patient_id;
    let (status, html) = desk.get_text(&format!("/staff/patients/{patient}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("+44 20 7946 0001"));
    let first = html
        .find(&format!("/staff/appointments/{late}"))
        .expect("late");
    let second = html
        .find(&format!("/staff/appointments/{early}"))
        .expect("early");
    assert!(first < second, "newest first");
    assert!(html.contains("href=\"/staff/book?name=Ann+Lee&#38;email=ann%40example.org"));
    assert_eq!(desk.get("/staff/patients/999").await.status().as_u16(), 404);
    assert_eq!(desk.get("/staff/patients/abc").await.status().as_u16(), 404);
}

/// Today at 09:00 BST: Ann's with Jonah (whom the practitioner account is linked to) and Bob's
/// with Dr. Okafor: (own, others).
async fn own_and_others(app: &TestApp) -> (i32, i32) {
    let own = today_at_nine(app).await;
    let bob = Patient::new("Bob Stone", "bob@example.org");
    let others = app
        .booked("laser-resurfacing", "2030-06-03T09:00:00+01:00", 1, &bob)
        .await
        .id;
    (own, others)
}

#[tokio::test]
async fn a_practitioner_sees_only_their_own_schedule() {
    let app = TestApp::spawn().await;
    let (own, others) = own_and_others(&app).await;
    let jonah = app.staff(Role::Practitioner).await;

    let (status, html) = jonah.get_text("/staff/day").await;
    assert_eq!(status, 200);
    assert_eq!(placed(&html, own), "grid-column: 2; grid-row: 2 / span 45");
    assert!(block(&html, others).is_none());
    assert!(!html.contains("Dr. Amara Okafor"), "only their own column");
    let (status, html) = jonah.get_text("/staff/week").await;
    assert_eq!(status, 200);
    assert!(block(&html, own).is_some() && block(&html, others).is_none());
    assert_eq!(
        jonah
            .get("/staff/week?practitioner=1")
            .await
            .status()
            .as_u16(),
        403
    );
    assert_eq!(
        jonah
            .get("/staff/week?practitioner=2")
            .await
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn a_practitioner_may_neither_open_nor_act_on_anothers_appointment() {
    let app = TestApp::spawn().await;
    let (_, others) = own_and_others(&app).await;
    let jonah = app.staff(Role::Practitioner).await;
    // 403 to look or act, and nothing changes.
    let theirs = format!("/staff/appointments/{others}");
    assert_eq!(jonah.get(&theirs).await.status().as_u16(), 403);
    app.clock.set(t("2030-06-03T08:30:00Z"));
    for (action, fields) in [
        ("check-in", vec![]),
        ("no-show", vec![]),
        ("complete", vec![("ended_at", "09:20")]),
        ("notes", vec![("body", "hello")]),
        ("cancel", vec![("reason", "no")]),
    ] {
        let r = jonah.post(&format!("{theirs}/{action}"), &fields).await;
        assert_eq!(r.status().as_u16(), 403, "{action}");
    }
    assert_eq!(app.appointment(others).status, "booked");
    assert_eq!(trail(&app, others).len(), 1);
}

#[tokio::test]
async fn a_practitioner_notes_checks_in_and_completes_their_own_but_books_and_moves_nothing() {
    let app = TestApp::spawn().await;
    let (own, _) = own_and_others(&app).await;
    let jonah = app.staff(Role::Practitioner).await;
    // 09:30 BST: the session has started.
    app.clock.set(t("2030-06-03T08:30:00Z"));
    let mine = format!("/staff/appointments/{own}");
    let (status, html) = jonah.get_text(&mine).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("action=\"{mine}/check-in\"")));
    assert!(!html.contains(&format!("action=\"{mine}/cancel\"")));
    assert!(!html.contains(&format!("href=\"{mine}/reschedule\"")));
    assert_eq!(
        jonah
            .post(&format!("{mine}/cancel"), &[("reason", "x")])
            .await
            .status()
            .as_u16(),
        403
    );
    assert_eq!(
        jonah
            .get(&format!("{mine}/reschedule"))
            .await
            .status()
            .as_u16(),
        403
    );
    assert_eq!(
        jonah
            .post(&format!("{mine}/notes"), &[("body", "Prefers mornings")])
            .await
            .status()
            .as_u16(),
        303
    );
    assert_eq!(
        jonah
            .post(&format!("{mine}/check-in"), &[])
            .await
            .status()
            .as_u16(),
        303
    );
    assert_eq!(
        jonah
            .post(&format!("{mine}/complete"), &[("ended_at", "09:28")])
            .await
            .status()
            .as_u16(),
        303
    );
    assert_eq!(app.appointment(own).status, "completed");
    assert_eq!(jonah.get("/staff/book").await.status().as_u16(), 403);
}

#[tokio::test]
async fn a_practitioner_sees_only_their_own_patients() {
    let app = TestApp::spawn().await;
    let (own, others) = own_and_others(&app).await;
    let jonah = app.staff(Role::Practitioner).await;
    // Only those with an appointment with them.
    let (_, html) = jonah.get_text("/staff/patients").await;
    assert!(html.contains("Ann Lee") && !html.contains("Bob Stone"));
    let (_, html) = jonah.get_text("/staff/patients?q=bob").await;
    assert!(!html.contains("Bob Stone"));
    let bob = app.appointment(others).patient_id;
    let ann = app.appointment(own).patient_id;
    assert_eq!(
        jonah
            .get(&format!("/staff/patients/{bob}"))
            .await
            .status()
            .as_u16(),
        403
    );
    assert_eq!(
        jonah
            .get(&format!("/staff/patients/{ann}"))
            .await
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn unknown_appointments_are_not_found() {
    let app = TestApp::spawn().await;
    let desk = app.staff(Role::FrontDesk).await;
    for path in [
        "/staff/appointments/999",
        "/staff/appointments/abc",
        "/staff/appointments/999/reschedule",
    ] {
        assert_eq!(desk.get(path).await.status().as_u16(), 404, "{path}");
    }
    for action in [
        "check-in",
        "complete",
        "no-show",
        "notes",
        "cancel",
        "reschedule",
    ] {
        let r = desk
            .post(
                &format!("/staff/appointments/999/{action}"),
                &[
                    ("body", "x"),
                    ("reason", "x"),
                    ("ended_at", "09:00"),
                    ("start", "2030-06-04T10:00:00+01:00"),
                ],
            )
            .await;
        assert_eq!(r.status().as_u16(), 404, "{action}");
    }
}

#[tokio::test]
async fn simultaneous_moves_on_one_appointment_let_exactly_one_through() {
    let app = TestApp::spawn().await;
    let id = today_at_nine(&app).await;
    // After the start, both a check-in and a no-show are possible, but only one of them.
    app.clock.set(t("2030-06-03T08:10:00Z"));
    let desk = app.staff(Role::FrontDesk).await;
    let posts = (0..16).map(|i| {
        let action = if i % 2 == 0 { "check-in" } else { "no-show" };
        let (desk, path) = (&desk, format!("/staff/appointments/{id}/{action}"));
        async move { desk.post(&path, &[]).await.status().as_u16() }
    });
    let statuses: Vec<u16> = futures::future::join_all(posts).await;
    let ok = statuses.iter().filter(|s| **s == 303).count();
    let refused = statuses.iter().filter(|s| **s == 409).count();
    assert_eq!((ok, refused), (1, 15), "{statuses:?}");
    let moves: Vec<String> = trail(&app, id)
        .into_iter()
        .map(|r| r.action)
        .filter(|a| a != "appointment.book")
        .collect();
    assert_eq!(moves.len(), 1, "{moves:?}");
    let status = app.appointment(id).status;
    assert!(status == "checked_in" || status == "no_show", "{status}");
}
