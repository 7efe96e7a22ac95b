//! Tests of the schedule views, appointment actions, patients and phone bookings, through the
//! staff pages over HTTP (on SQLite, and on PostgreSQL with CAREPATH_TEST_POSTGRES).

use carepath::db::models::{AppointmentRow, AuditRow, NewClinicHours, NewPractitionerHours};
use carepath::domain::staff::Role;
use diesel::RunQueryDsl;
use serde_json::{Value, json};

use crate::helpers::*;

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .expect("a redirect")
        .to_str()
        .unwrap()
        .to_string()
}

/// Books through the API for a named patient; gives the appointment id.
async fn book_for(
    app: &TestApp,
    treatment: &str,
    start: &str,
    practitioner: i32,
    name: &str,
    email: &str,
    phone: Option<&str>,
) -> i32 {
    let mut patient = json!({"name": name, "email": email});
    if let Some(p) = phone {
        patient["phone"] = p.into();
    }
    let body = json!({
        "treatment": treatment,
        "start": start,
        "practitioner": practitioner,
        "patient": patient,
        "consent": true,
    });
    let (status, b) = app.post_json("/api/v1/bookings", &body).await;
    assert_eq!(status, 201, "booking {start}: {b}");
    b["id"].as_i64().expect("id") as i32
}

async fn book(app: &TestApp, treatment: &str, start: &str, practitioner: i32) -> i32 {
    book_for(
        app,
        treatment,
        start,
        practitioner,
        "Ann Lee",
        "ann@example.org",
        None,
    )
    .await
}

fn row(app: &TestApp, id: i32) -> AppointmentRow {
    let mut c = app.state.pool.get().unwrap();
    carepath::db::appointments::by_id(&mut c, id).unwrap()
}

fn trail(app: &TestApp, id: i32) -> Vec<AuditRow> {
    let mut c = app.state.pool.get().unwrap();
    carepath::db::audit::for_subject(&mut c, "appointment", id).unwrap()
}

fn json_of(s: &Option<String>) -> Value {
    serde_json::from_str(s.as_deref().expect("a snapshot")).unwrap()
}

/// The opening tag of an appointment's block on a schedule page.
fn block(html: &str, id: i32) -> Option<String> {
    let at = html.find(&format!("data-appointment=\"{id}\""))?;
    let open = html[..at].rfind('<')?;
    let close = at + html[at..].find('>')?;
    Some(html[open..=close].to_string())
}

fn attr(tag: &str, name: &str) -> String {
    let key = format!("{name}=\"");
    let from = tag.find(&key).expect(name) + key.len();
    tag[from..].split('"').next().unwrap().to_string()
}

fn placed(html: &str, id: i32) -> String {
    attr(
        &block(html, id).unwrap_or_else(|| panic!("no block {id}")),
        "style",
    )
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

#[tokio::test]
async fn the_day_view_places_each_appointment_by_its_local_time() {
    let app = TestApp::spawn().await;
    let laser = book(&app, "laser-resurfacing", "2030-06-04T09:00:00+01:00", 1).await;
    let micro = book(&app, "microdermabrasion", "2030-06-04T10:00:00+01:00", 2).await;
    let peel = book_for(
        &app,
        "chemical-peel",
        "2030-06-04T11:30:00+01:00",
        3,
        "Bea Cole",
        "bea@example.org",
        None,
    )
    .await;
    let gone = book(&app, "microdermabrasion", "2030-06-04T14:00:00+01:00", 2).await;
    let desk = app.staff(Role::FrontDesk).await;
    let r = desk
        .post(
            &format!("/staff/appointments/{gone}/cancel"),
            &[("reason", "Patient moved away")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let r = desk
        .post(&format!("/staff/appointments/{micro}/check-in"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);

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
    // The cancelled one is listed apart, not in the grid.
    assert!(block(&html, gone).is_none());
    let list = &html[html.find("<h2>Cancelled</h2>").expect("cancelled list")..];
    assert!(list.contains(&format!("/staff/appointments/{gone}")));
    assert!(list.contains("14:00–14:45"));
    assert!(list.contains("Patient moved away"));
    // Hours not worked are shaded: Lena starts at 10:00, Dr. Okafor stops at 17:00.
    assert!(html.contains("class=\"shade off\" style=\"grid-column: 4; grid-row: 2 / span 60\""));
    assert!(html.contains("class=\"shade off\" style=\"grid-column: 2; grid-row: 482 / span 60\""));
    // Hour labels from opening to the last hour, and the days around.
    assert!(html.contains(">09:00</div>") && html.contains(">17:00</div>"));
    assert!(!html.contains(">18:00</div>"), "18:00 is closing time");
    assert!(html.contains("href=\"/staff/day?date=2030-06-03\""));
    assert!(html.contains("href=\"/staff/day?date=2030-06-05\""));
    assert!(html.contains("name=\"date\" type=\"date\" value=\"2030-06-04\""));

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

#[tokio::test]
async fn the_week_view_shows_seven_days_for_one_practitioner_or_everyone() {
    let app = TestApp::spawn().await;
    let monday = book(&app, "microdermabrasion", "2030-06-03T15:00:00+01:00", 2).await;
    let tuesday = book(&app, "microdermabrasion", "2030-06-04T10:00:00+01:00", 2).await;
    let lena = book(&app, "chemical-peel", "2030-06-08T12:00:00+01:00", 3).await;
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

    // Everyone: each day split into a lane per practitioner working then (a second header row).
    // Monday: Okafor, Reyes; Tuesday: Okafor, Reyes, Fischer; … Saturday: Fischer; Sunday closed.
    let (status, html) = desk
        .get_text("/staff/week?date=2030-06-05&practitioner=all")
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("Week of 3 June to 9 June 2030"));
    assert_eq!(
        placed(&html, monday),
        "grid-column: 3; grid-row: 363 / span 45"
    );
    assert_eq!(
        placed(&html, tuesday),
        "grid-column: 5; grid-row: 63 / span 45"
    );
    assert_eq!(
        placed(&html, lena),
        "grid-column: 15; grid-row: 183 / span 45"
    );
    assert!(
        html.contains("style=\"grid-row: 1; grid-column: 4 / span 3\""),
        "Tuesday's three lanes"
    );
    let tag_at = html.find(&format!("data-appointment=\"{lena}\"")).unwrap();
    assert!(
        html[tag_at..tag_at + 300].contains("Lena Fischer"),
        "a block's title names its practitioner"
    );
    assert!(
        html.contains("<abbr title=\"Lena Fischer\">LF</abbr>"),
        "lanes are headed by initials, explained below"
    );
    assert!(
        html.contains("class=\"lane day-start closed\" style=\"grid-column: 16;"),
        "Sunday"
    );
    // The default for admin and front desk is everyone.
    let (_, default) = desk.get_text("/staff/week?date=2030-06-05").await;
    assert!(block(&default, lena).is_some() && block(&default, tuesday).is_some());
    // Bad input is named, never a server error.
    let (status, html) = desk.get_text("/staff/week?practitioner=abc").await;
    assert_eq!(status, 400);
    assert!(html.contains("is not a practitioner"));
    let (status, _) = desk.get_text("/staff/week?practitioner=99").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_dst_week_keeps_every_block_on_its_wall_clock_row() {
    let app = TestApp::spawn().await;
    open_weekends(&app);
    // Spring: London moves to BST on Sunday 31 March 2030.
    app.clock.set(t("2030-03-18T09:00:00Z"));
    let mon = book(&app, "microdermabrasion", "2030-03-25T10:00:00+00:00", 2).await;
    let sat = book(&app, "microdermabrasion", "2030-03-30T10:00:00+00:00", 2).await;
    let sun = book(&app, "microdermabrasion", "2030-03-31T10:00:00+01:00", 2).await;
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
    assert_eq!(row(&app, sun).starts_at.to_string(), "2030-03-31 09:00:00");
    assert_eq!(row(&app, sat).starts_at.to_string(), "2030-03-30 10:00:00");
    // The 23-hour day itself: opening at 10:00, the block at the top.
    let (_, day) = desk.get_text("/staff/day?date=2030-03-31").await;
    assert_eq!(placed(&day, sun), "grid-column: 3; grid-row: 2 / span 45");
    assert!(day.contains("10:00–10:45"));

    // Autumn: back to GMT on Sunday 27 October 2030, and the week after. (Months later: the
    // session has expired, so log in again.)
    app.clock.set(t("2030-10-14T09:00:00Z"));
    let desk = app.login_as(&desk.email, "correct horse battery").await;
    let sat = book(&app, "microdermabrasion", "2030-10-26T10:00:00+01:00", 2).await;
    let sun = book(&app, "microdermabrasion", "2030-10-27T10:00:00+00:00", 2).await;
    let next_mon = book(&app, "microdermabrasion", "2030-10-28T10:00:00+00:00", 2).await;
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

#[tokio::test]
async fn check_in_then_complete_records_the_end_and_refuses_moves_the_state_machine_forbids() {
    let app = TestApp::spawn().await;
    // Today at 09:00 BST; "now" is 08:00.
    let id = book(&app, "microdermabrasion", "2030-06-03T09:00:00+01:00", 2).await;
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
    assert_eq!(row(&app, id).status, "booked");
    assert_eq!(trail(&app, id).len(), before);

    let r = desk.post(&format!("{page}/check-in"), &[]).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(location(&r), format!("{page}?done=checked-in"));
    let checked = row(&app, id);
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
        assert_eq!(row(&app, id).status, "checked_in");
    }
    let r = desk
        .post(&format!("{page}/complete"), &[("ended_at", "09:47")])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let done = row(&app, id);
    assert_eq!(done.status, "completed");
    // Stored in UTC: 09:47 BST.
    assert_eq!(
        done.completed_at.unwrap().to_string(),
        "2030-06-03 08:47:00"
    );

    // Cancelling a completed appointment: the page again with the reason, nothing changed.
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
    assert_eq!(row(&app, id).status, "completed");
    assert_eq!(row(&app, id).cancel_reason, None);
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
    assert!(html.contains("Nothing more to do"));
}

#[tokio::test]
async fn no_show_cancel_and_notes() {
    let app = TestApp::spawn().await;
    let today = book(&app, "microdermabrasion", "2030-06-03T09:00:00+01:00", 2).await;
    let tomorrow = book(&app, "microdermabrasion", "2030-06-04T09:00:00+01:00", 2).await;
    let desk = app.staff(Role::FrontDesk).await;

    app.clock.set(t("2030-06-03T08:20:00Z"));
    let r = desk
        .post(&format!("/staff/appointments/{today}/no-show"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(row(&app, today).status, "no_show");
    let last = trail(&app, today).pop().unwrap();
    assert_eq!(last.action, "appointment.no_show");
    assert_eq!(json_of(&last.before_json)["status"], "booked");
    assert_eq!(json_of(&last.after_json)["status"], "no_show");
    let (_, html) = desk.get_text("/staff/day").await;
    assert!(block(&html, today).unwrap().contains("status-no_show"));

    // Staff must say why they cancel.
    let page = format!("/staff/appointments/{tomorrow}");
    let r = desk
        .post(&format!("{page}/cancel"), &[("reason", "  ")])
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"reason-error\""));
    assert!(html.contains("Please give a reason for cancelling."));
    assert_eq!(row(&app, tomorrow).status, "booked");
    let r = desk
        .post(&format!("{page}/cancel"), &[("reason", "Patient unwell")])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let cancelled = row(&app, tomorrow);
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
    book(&app, "microdermabrasion", "2030-06-04T09:00:00+01:00", 2).await;

    // Notes: any status, kept with their author, written to the trail.
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

#[tokio::test]
async fn staff_reschedule_offers_free_times_and_never_double_books() {
    let app = TestApp::spawn().await;
    let moving = book(&app, "microdermabrasion", "2030-06-04T10:00:00+01:00", 2).await;
    let other = book_for(
        &app,
        "microdermabrasion",
        "2030-06-04T11:00:00+01:00",
        2,
        "Cy Dunn",
        "cy@example.org",
        None,
    )
    .await;
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
        row(&app, moving).starts_at.to_string(),
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
    let moved = row(&app, moving);
    assert_eq!(moved.starts_at.to_string(), "2030-06-05 09:00:00");
    assert_eq!(moved.practitioner_id, 3);
    assert_eq!(row(&app, other).status, "booked");
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

#[tokio::test]
async fn phone_bookings_follow_the_online_rules() {
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

    let form = |start: &'static str, name: &'static str, consent: bool| {
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
    };
    // Mistakes: 422, every message by its field, everything typed kept, nothing booked.
    let r = desk
        .post("/staff/book", &form("2030-06-04T09:00:00+01:00", "", false))
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
    let r = desk.post("/staff/book", &form("", "Carl Diaz", true)).await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("id=\"start-error\""));

    let r = desk
        .post(
            "/staff/book",
            &form("2030-06-04T09:00:00+01:00", "Carl Diaz", true),
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let to = location(&r);
    assert!(
        to.starts_with("/staff/appointments/") && to.ends_with("?done=booked"),
        "{to}"
    );
    let id: i32 = to["/staff/appointments/".len()..to.find('?').unwrap()]
        .parse()
        .unwrap();
    let booked = row(&app, id);
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

    // The same time again: taken (409), the patient's details kept, no second booking.
    let mut again = form("2030-06-04T09:00:00+01:00", "Dana Eve", true);
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
    // The online rules hold for staff too: no past times, no unknown treatments.
    let r = desk
        .post(
            "/staff/book",
            &form("2030-06-03T07:00:00+01:00", "Dana Eve", true),
        )
        .await;
    assert_eq!(r.status().as_u16(), 409);
    assert!(r.text().await.unwrap().contains("already passed"));
    let mut unknown = form("2030-06-04T13:00:00+01:00", "Dana Eve", true);
    unknown[0] = ("treatment", "botox");
    let r = desk.post("/staff/book", &unknown).await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(
        r.text().await.unwrap().contains("isn"),
        "unknown treatment named"
    );
    assert_eq!(app.appointment_count(), 1);
}

#[tokio::test]
async fn patients_are_found_by_name_email_or_phone_in_any_case() {
    let app = TestApp::spawn().await;
    let early = book_for(
        &app,
        "microdermabrasion",
        "2030-06-04T10:00:00+01:00",
        2,
        "Ann Lee",
        "ann@example.org",
        Some("+44 20 7946 0001"),
    )
    .await;
    let late = book_for(
        &app,
        "chemical-peel",
        "2030-06-06T10:00:00+01:00",
        3,
        "Ann Lee",
        "ann@example.org",
        None,
    )
    .await;
    book_for(
        &app,
        "microdermabrasion",
        "2030-06-05T10:00:00+01:00",
        2,
        "Bob Stone",
        "Bob.Stone@Example.ORG",
        Some("07700 900123"),
    )
    .await;
    book_for(
        &app,
        "microdermabrasion",
        "2030-06-05T12:00:00+01:00",
        2,
        "Anna Smith",
        "anna@sample.net",
        None,
    )
    .await;
    let desk = app.staff(Role::FrontDesk).await;
    let names = |html: &str| -> Vec<String> {
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
    };
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
        assert_eq!(names(&html), expected, "q={q}");
    }
    let (status, html) = desk.get_text("/staff/patients").await;
    assert_eq!(status, 200);
    assert_eq!(names(&html).len(), 3, "everyone, most recent first");
    let (status, html) = desk
        .get_text(&format!("/staff/patients?q={}", "x".repeat(101)))
        .await;
    assert_eq!(status, 422);
    assert!(html.contains("at most 100 characters"));

    // A patient's page: their appointments, newest first, linked.
    let patient = row(&app, early).patient_id;
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

#[tokio::test]
async fn a_practitioner_sees_and_acts_on_their_own_appointments_only() {
    let app = TestApp::spawn().await;
    // The practitioner account is Jonah Reyes (practitioner 2).
    let own = book_for(
        &app,
        "microdermabrasion",
        "2030-06-03T09:00:00+01:00",
        2,
        "Ann Lee",
        "ann@example.org",
        None,
    )
    .await;
    let others = book_for(
        &app,
        "laser-resurfacing",
        "2030-06-03T09:00:00+01:00",
        1,
        "Bob Stone",
        "bob@example.org",
        None,
    )
    .await;
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

    // Another practitioner's appointment: 403 to look or act, and nothing changes.
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
    assert_eq!(row(&app, others).status, "booked");
    assert_eq!(trail(&app, others).len(), 1);

    // Their own: look, note, check in, complete; but not cancel or reschedule.
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
    assert_eq!(row(&app, own).status, "completed");

    // Patients: only those with an appointment with them.
    let (_, html) = jonah.get_text("/staff/patients").await;
    assert!(html.contains("Ann Lee") && !html.contains("Bob Stone"));
    let (_, html) = jonah.get_text("/staff/patients?q=bob").await;
    assert!(!html.contains("Bob Stone"));
    let bob = row(&app, others).patient_id;
    let ann = row(&app, own).patient_id;
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
    assert_eq!(jonah.get("/staff/book").await.status().as_u16(), 403);
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
    let id = book(&app, "microdermabrasion", "2030-06-03T09:00:00+01:00", 2).await;
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
    let status = row(&app, id).status;
    assert!(status == "checked_in" || status == "no_show", "{status}");
}
