//! Treatment courses (issue 11): microneedling is seeded as 3 sessions 28–42 days apart. A
//! session booked too soon after the previous one is refused (409 `course_interval`) through the
//! API and the pages; later than the maximum is allowed and said gently; staff end or extend.

use carepath::domain::staff::Role;
use serde_json::json;

use crate::helpers::*;

const FIRST: &str = "2030-06-04T10:00:00+01:00";
/// Two weeks after the first: too soon.
const TOO_SOON: &str = "2030-06-18T10:00:00+01:00";
/// 28 days after the first: the earliest allowed.
const FOUR_WEEKS: &str = "2030-07-02T10:00:00+01:00";

#[tokio::test]
async fn a_session_sooner_than_the_minimum_interval_is_refused_by_the_api() {
    let app = TestApp::spawn().await;
    let first = app.booked("microneedling", FIRST, 2, &ANN).await;
    assert_eq!(first.json["course"]["session"], 1, "{}", first.json);
    assert_eq!(first.json["course"]["sessions"], 3);
    assert!(
        first.json["course"]["next_from"]
            .as_str()
            .is_some_and(|s| s == "2030-07-02"),
        "{}",
        first.json
    );
    let (status, body) = app.book_for("microneedling", TOO_SOON, Some(2), &ANN).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "course_interval", "{body}");
    assert!(
        body["message"].as_str().unwrap_or("").contains("28 days"),
        "{body}"
    );
    assert_eq!(app.appointment_count(), 1, "nothing written");
    let second = app.booked("microneedling", FOUR_WEEKS, 2, &ANN).await;
    assert_eq!(second.json["course"]["session"], 2, "{}", second.json);
    assert_eq!(second.json["course"]["id"], first.json["course"]["id"]);
    assert!(second.json["course"].get("late_days").is_none(), "on time");
    // Another email is another patient's course.
    let bo = Patient::new("Bo", "bo@example.org");
    let other = app.booked("microneedling", TOO_SOON, 2, &bo).await;
    assert_eq!(other.json["course"]["session"], 1);
    assert_ne!(other.json["course"]["id"], first.json["course"]["id"]);
}

#[tokio::test]
async fn the_booking_page_refuses_too_soon_with_the_reason() {
    let app = TestApp::spawn().await;
    app.booked("microneedling", FIRST, 2, &ANN).await;
    let r = app
        .post_form(
            "/book/microneedling",
            &[
                ("start", TOO_SOON),
                ("practitioner", "2"),
                ("name", ANN.name),
                ("email", ANN.email),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 409);
    let page = r.text().await.expect("page");
    assert!(page.contains("at least 28 days"), "{page}");
    assert!(
        page.contains("The earliest your next session can be is"),
        "{page}"
    );
    let r = app
        .post_form(
            "/book/microneedling",
            &[
                ("start", FOUR_WEEKS),
                ("practitioner", "2"),
                ("name", ANN.name),
                ("email", ANN.email),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
}

#[tokio::test]
async fn the_manage_page_shows_the_session_and_proposes_the_next() {
    let app = TestApp::spawn().await;
    let first = app.booked("microneedling", FIRST, 2, &ANN).await;
    let (status, page) = app
        .get_text(&format!("/appointments/{}", first.token))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Session 1 of 3"), "{page}");
    assert!(
        page.contains("/book/microneedling?date=2030-07-02&#38;practitioner=2"),
        "{page}"
    );
    // The link opens the booking page on that date with the same practitioner.
    let (status, booking) = app
        .get_text("/book/microneedling?date=2030-07-02&practitioner=2")
        .await;
    assert_eq!(status, 200);
    let offered = slot_values(&booking);
    assert!(
        offered.iter().any(|s| s.starts_with("2030-07-02T10:00")),
        "{offered:?}"
    );
    // Seven weeks later: past the 42-day maximum, allowed and said gently.
    let late = app
        .booked("microneedling", "2030-07-23T10:00:00+01:00", 2, &ANN)
        .await;
    let (_, page) = app.get_text(&format!("/appointments/{}", late.token)).await;
    assert!(page.contains("Session 2 of 3"), "{page}");
    assert!(page.contains("a little longer than"), "{page}");
}

#[tokio::test]
async fn a_move_too_close_to_another_session_is_refused() {
    let app = TestApp::spawn().await;
    app.booked("microneedling", FIRST, 2, &ANN).await;
    let second = app.booked("microneedling", FOUR_WEEKS, 2, &ANN).await;
    let (status, body) = app
        .post_json(
            &format!("/api/v1/bookings/{}/reschedule", second.token),
            &json!({"start": TOO_SOON, "practitioner": 2}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "course_interval");
}

#[tokio::test]
async fn staff_extend_or_end_a_course_and_an_ended_course_takes_no_more() {
    let app = TestApp::spawn().await;
    let first = app.booked("microneedling", FIRST, 2, &ANN).await;
    let desk = app.staff(Role::FrontDesk).await;
    let (_, page) = desk
        .get_text(&format!("/staff/appointments/{}", first.id))
        .await;
    assert!(page.contains("Session 1 of 3"), "{page}");
    let course = first.json["course"]["id"]
        .as_i64()
        .expect("course id")
        .to_string();
    let id = first.id.to_string();
    desk.post_redirect(
        &format!("/staff/courses/{course}/extend"),
        &[("appointment", id.as_str())],
    )
    .await;
    let (_, page) = desk
        .get_text(&format!("/staff/appointments/{}", first.id))
        .await;
    assert!(page.contains("Session 1 of 4"), "{page}");
    desk.post_redirect(
        &format!("/staff/courses/{course}/end"),
        &[("appointment", id.as_str())],
    )
    .await;
    let (_, page) = desk
        .get_text(&format!("/staff/appointments/{}", first.id))
        .await;
    assert!(page.contains("(ended)"), "{page}");
    // Ending it twice is refused plainly.
    let r = desk
        .post(
            &format!("/staff/courses/{course}/end"),
            &[("appointment", id.as_str())],
        )
        .await;
    assert_eq!(r.status().as_u16(), 409);
    // The course split: two weeks later starts a new course.
    let (status, body) = app.book_for("microneedling", TOO_SOON, Some(2), &ANN).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["course"]["session"], 1);
    assert_ne!(body["course"]["id"].to_string(), course);
    // A practitioner-only account may not.
    let r = app
        .staff(Role::Practitioner)
        .await
        .post(
            &format!("/staff/courses/{course}/extend"),
            &[("appointment", id.as_str())],
        )
        .await;
    assert_eq!(r.status().as_u16(), 403);
}

/// The follow-up email of a completed course session proposes the next one: the booking page
/// on the first date the interval allows, the same practitioner chosen; booking from it makes
/// session 2 of the same course. The clock is fixed (the planner and renderer read it).
#[tokio::test]
async fn the_follow_up_proposes_the_next_session_and_books_it() {
    use carepath::dispatch::render::{RenderContext, Rendered, render};
    let app = TestApp::spawn().await;
    let done = app
        .booked("microneedling", "2030-06-03T10:00:00+01:00", 2, &ANN)
        .await;
    app.clock.set(t("2030-06-03T14:30:00Z"));
    let desk = app.staff(Role::FrontDesk).await;
    let r = desk
        .post(
            &format!("/staff/appointments/{}/complete", done.id),
            &[("ended_at", "11:20")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let rows = app.outbox_of(done.id);
    let follow_up = of_kind(&rows, "follow_up")[0];
    let mut c = app.state.pool.get().unwrap();
    let ctx = RenderContext {
        base_url: app.address.clone(),
        host: "clinic.test".into(),
        now: app.clock.now(),
    };
    let Rendered::Send(email, _) = render(&mut c, follow_up, &ctx).unwrap() else {
        panic!("the follow-up is sent")
    };
    drop(c);
    // Completed 11:20 BST on 3 June: 28 days on is Monday 1 July.
    let link = format!(
        "{}/book/microneedling?date=2030-07-01&practitioner=2",
        app.address
    );
    assert!(email.text.contains(&link), "{}", email.text);
    let path = link.trim_start_matches(&app.address).to_string();
    let (status, page) = app.get_text(&path).await;
    assert_eq!(status, 200);
    let offered = slot_values(&page);
    assert!(
        offered.iter().any(|s| s.starts_with("2030-07-01T10:00")),
        "{offered:?}"
    );
    let r = app
        .post_form(
            "/book/microneedling",
            &[
                ("start", "2030-07-01T10:00:00+01:00"),
                ("practitioner", "2"),
                ("name", ANN.name),
                ("email", ANN.email),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let manage = location(&r);
    let (_, page) = app.get_text(&manage).await;
    assert!(page.contains("Session 2 of 3"), "{page}");
}

#[tokio::test]
async fn admins_edit_a_treatments_course() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let (status, page) = admin.get_text("/staff/course-plans").await;
    assert_eq!(status, 200);
    assert!(page.contains("value=\"28\""), "{page}");
    let (status, page) = admin
        .post_text(
            "/staff/course-plans/4",
            &[
                ("sessions", "3"),
                ("min_interval_days", "42"),
                ("max_interval_days", "28"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("at least the minimum"), "{page}");
    admin
        .post_redirect(
            "/staff/course-plans/4",
            &[
                ("sessions", "2"),
                ("min_interval_days", "7"),
                ("max_interval_days", "10"),
            ],
        )
        .await;
    app.booked("microneedling", FIRST, 2, &ANN).await;
    // A week later is allowed now.
    let (status, body) = app
        .book_for("microneedling", "2030-06-11T10:00:00+01:00", Some(2), &ANN)
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["course"]["sessions"], 2);
    // No course for microneedling: no interval, no course in the answer.
    admin
        .post_redirect(
            "/staff/course-plans/4",
            &[
                ("sessions", ""),
                ("min_interval_days", ""),
                ("max_interval_days", ""),
            ],
        )
        .await;
    let (status, body) = app
        .book_for("microneedling", "2030-06-12T10:00:00+01:00", Some(2), &ANN)
        .await;
    assert_eq!(status, 201, "{body}");
    assert!(body.get("course").is_none(), "{body}");
    let desk = app.staff(Role::FrontDesk).await;
    assert_eq!(desk.get("/staff/course-plans").await.status().as_u16(), 403);
}

/// First bookings of one course racing (the same email, the same treatment, days apart): they
/// are one course, so one is booked and the others are too soon. On PostgreSQL each request used
/// to see no open course and start its own.
#[tokio::test]
async fn racing_first_sessions_make_one_course() {
    use carepath::db::schema::courses;
    use diesel::prelude::*;
    let app = TestApp::spawn().await;
    let days = [
        "2030-06-04T10:00:00+01:00",
        "2030-06-05T10:00:00+01:00",
        "2030-06-06T10:00:00+01:00",
        "2030-06-07T10:00:00+01:00",
        "2030-06-11T10:00:00+01:00",
    ];
    // A returning patient (a first-time one is queued by the insert of their record).
    app.booked("microdermabrasion", "2030-06-03T10:00:00+01:00", 2, &ANN)
        .await;
    // Different practitioners, so the practitioner's lock doesn't queue them.
    let who: Vec<i64> = app.treatment_json("microneedling").await["practitioners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert!(who.len() >= 2, "{who:?}");
    let answers = futures::future::join_all(days.iter().enumerate().map(|(i, start)| {
        let p = who[i % who.len()] as i32;
        app.book_for("microneedling", start, Some(p), &ANN)
    }))
    .await;
    let booked = answers.iter().filter(|(s, _)| *s == 201).count();
    assert_eq!(booked, 1, "{answers:?}");
    for (status, body) in answers.iter().filter(|(s, _)| *s != 201) {
        assert_eq!(*status, 409, "{body}");
        assert_eq!(body["error"], "course_interval", "{body}");
    }
    let mut c = app.state.pool.get().unwrap();
    let open: i64 = courses::table
        .filter(courses::status.eq("open"))
        .count()
        .get_result(&mut *c)
        .unwrap();
    assert_eq!(open, 1);
    assert_eq!(app.appointment_count(), 2);
}

/// Past the maximum interval the API says so too (issue 11), and still books: seven weeks
/// after the first session (the plan allows at most six).
#[tokio::test]
async fn the_api_books_a_late_session_and_says_how_late() {
    let app = TestApp::spawn().await;
    app.booked("microneedling", FIRST, 2, &ANN).await;
    let (status, body) = app
        .book_for("microneedling", "2030-07-23T10:00:00+01:00", Some(2), &ANN)
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["course"]["session"], 2, "{body}");
    assert_eq!(body["course"]["late_days"], 49, "{body}");
    // The booking as read back says the same.
    let token = token_of(body["manage_url"].as_str().expect("manage_url"));
    let (status, read) = app.get_json(&format!("/api/v1/bookings/{token}")).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["course"]["late_days"], 49, "{read}");
}

/// The planner with a fixed clock: a course session's follow-up is due 35 days after its
/// recorded end. When that is sooner than the course allows (here the minimum is raised to 42
/// days), the email proposes the first allowed date, not the day it arrives; a course's last
/// session proposes no date.
#[tokio::test]
async fn the_proposal_email_is_planned_from_the_recorded_end_and_proposes_the_first_allowed_date() {
    use carepath::dispatch::render::{RenderContext, Rendered, render};
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    admin
        .post_redirect(
            "/staff/course-plans/4",
            &[
                ("sessions", "2"),
                ("min_interval_days", "42"),
                ("max_interval_days", "56"),
            ],
        )
        .await;
    let done = app
        .booked("microneedling", "2030-06-03T10:00:00+01:00", 2, &ANN)
        .await;
    app.clock.set(t("2030-06-03T14:30:00Z"));
    let desk = app.staff(Role::FrontDesk).await;
    let r = desk
        .post(
            &format!("/staff/appointments/{}/complete", done.id),
            &[("ended_at", "11:20")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let rows = app.outbox_of(done.id);
    let follow_up = of_kind(&rows, "follow_up")[0].clone();
    // 35 days after 11:20 BST on 3 June, in the clinic's sending hours: Monday 8 July.
    let due = follow_up.due_at.and_utc();
    assert_eq!(
        carepath::domain::time::today(chrono_tz::Europe::London, due).to_string(),
        "2030-07-08",
        "{due}"
    );
    let email = |app: &TestApp, row: &carepath::db::models::OutboxRow| {
        let mut c = app.state.pool.get().unwrap();
        let ctx = RenderContext {
            base_url: app.address.clone(),
            host: "clinic.test".into(),
            now: app.clock.now(),
        };
        match render(&mut c, row, &ctx).unwrap() {
            Rendered::Send(email, _) => email.text,
            _ => panic!("the follow-up is sent"),
        }
    };
    app.clock.set(due);
    let text = email(&app, &follow_up);
    // 42 days after 3 June is 15 July: later than the day it arrives.
    assert!(
        text.contains(&format!(
            "{}/book/microneedling?date=2030-07-15&practitioner=2",
            app.address
        )),
        "{text}"
    );
    // The second (last) session: its follow-up proposes no date.
    let last = app
        .booked("microneedling", "2030-07-15T10:00:00+01:00", 2, &ANN)
        .await;
    assert_eq!(last.json["course"]["session"], 2, "{}", last.json);
    assert!(last.json["course"]["next_from"].is_null(), "{}", last.json);
    app.clock.set(t("2030-07-15T12:00:00Z"));
    // Six weeks on, the desk signs in again.
    let desk = app
        .login_as("front_desk@clinic.example", STAFF_PASSWORD)
        .await;
    let r = desk
        .post(
            &format!("/staff/appointments/{}/complete", last.id),
            &[("ended_at", "11:15")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let rows = app.outbox_of(last.id);
    let follow_up = of_kind(&rows, "follow_up")[0].clone();
    app.clock.set(follow_up.due_at.and_utc());
    let text = email(&app, &follow_up);
    assert!(text.contains("/book/microneedling"), "{text}");
    assert!(!text.contains("microneedling?date="), "{text}");
}
