//! Shared devices and rooms (issue 11): one laser, whoever performs the treatment, is held by
//! one appointment at a time — in availability, in the booking transaction and, however
//! requests race, in the database.

use carepath::db::models::{NewPractitioner, NewPractitionerHours};
use carepath::db::schema::{practitioner_hours, practitioners};
use diesel::prelude::*;
use futures::future::join_all;
use serde_json::json;

use carepath::domain::staff::Role;

use crate::helpers::*;

const RACERS: usize = 64;
const TUESDAY_10: &str = "2030-06-04T10:00:00+01:00";

/// Adds `n` more physicians (who may do laser) working Tuesdays 09:00–17:00; returns their ids.
fn more_physicians(app: &TestApp, n: usize) -> Vec<i32> {
    let mut c = app.state.pool.get().expect("conn");
    (0..n)
        .map(|i| {
            let name = format!("Dr. Extra {i}");
            diesel::insert_into(practitioners::table)
                .values(NewPractitioner {
                    name: &name,
                    title: "Physician",
                    qualifications: "physician",
                    bio: "",
                    active: true,
                })
                .execute(&mut *c)
                .expect("practitioner");
            let id: i32 = practitioners::table
                .filter(practitioners::name.eq(&name))
                .select(practitioners::id)
                .first(&mut *c)
                .expect("id");
            diesel::insert_into(practitioner_hours::table)
                .values(NewPractitionerHours {
                    practitioner_id: id,
                    weekday: 1,
                    start_minute: 540,
                    end_minute: 1020,
                })
                .execute(&mut *c)
                .expect("hours");
            id
        })
        .collect()
}

#[tokio::test]
async fn one_laser_is_booked_once_however_many_practitioners_race_for_it() {
    let app = TestApp::spawn().await;
    let mut ids = vec![1];
    ids.extend(more_physicians(&app, RACERS - 1));
    // Laser needs a consultation first (issue 10): every racer has had one.
    for i in 0..RACERS {
        app.consulted(&Patient::new("Racer", &format!("laser{i}@example.org")));
    }
    let app = &app;
    let attempts = ids.iter().enumerate().map(|(i, &pid)| async move {
        let email = format!("laser{i}@example.org");
        if i % 2 == 0 {
            let racer = Patient::new("Racer", &email);
            app.book_for("laser-resurfacing", TUESDAY_10, Some(pid), &racer)
                .await
                .0
        } else {
            let p = pid.to_string();
            app.post_form(
                "/book/laser-resurfacing",
                &[
                    ("start", TUESDAY_10),
                    ("practitioner", &p),
                    ("name", "Racer"),
                    ("email", &email),
                    ("consent", "yes"),
                ],
            )
            .await
            .status()
            .as_u16()
        }
    });
    let statuses = join_all(attempts).await;
    let ok = statuses.iter().filter(|s| **s == 201 || **s == 303).count();
    let refused = statuses.iter().filter(|s| **s == 409).count();
    assert_eq!(ok, 1, "{statuses:?}");
    assert_eq!(
        refused,
        RACERS - 1,
        "every loser gets a clean 409: {statuses:?}"
    );
    assert_eq!(app.appointment_count(), 1);
}

#[tokio::test]
async fn availability_leaves_out_times_the_laser_is_held() {
    let app = TestApp::spawn().await;
    let other = more_physicians(&app, 1)[0];
    let before = starts(
        &app.slots("laser-resurfacing", "2030-06-04", Some(other))
            .await,
    );
    assert!(
        before.iter().any(|s| s.starts_with("2030-06-04T09:00")),
        "{before:?}"
    );
    app.booked("laser-resurfacing", TUESDAY_10, 1, &ANN).await;
    // Held 10:00–12:00 (90 minutes and a 30-minute buffer): a 120-minute session may start at
    // 08:00 at the latest before it, and at 12:00 after it.
    let after = starts(
        &app.slots("laser-resurfacing", "2030-06-04", Some(other))
            .await,
    );
    for taken in ["09:00", "09:45", "10:00", "11:45"] {
        assert!(
            !after
                .iter()
                .any(|s| s.starts_with(&format!("2030-06-04T{taken}"))),
            "{taken} offered while the laser is held: {after:?}"
        );
    }
    assert!(
        after.iter().any(|s| s.starts_with("2030-06-04T12:00")),
        "{after:?}"
    );
    // Microdermabrasion needs a room, not the laser: still free for someone else at 10:00.
    app.booked(
        "microdermabrasion",
        TUESDAY_10,
        2,
        &Patient::new("Bo", "bo@example.org"),
    )
    .await;
}

#[tokio::test]
async fn the_booking_refuses_a_held_laser_and_a_cancellation_frees_it() {
    let app = TestApp::spawn().await;
    let other = more_physicians(&app, 1)[0];
    let first = app.booked("laser-resurfacing", TUESDAY_10, 1, &ANN).await;
    let bo = Patient::new("Bo", "bo@example.org");
    app.consulted(&bo);
    let (status, body) = app
        .book_for(
            "laser-resurfacing",
            "2030-06-04T11:00:00+01:00",
            Some(other),
            &bo,
        )
        .await;
    assert_eq!(status, 409, "{body}");
    // Through the page too.
    let p = other.to_string();
    let r = app
        .post_form(
            "/book/laser-resurfacing",
            &[
                ("start", TUESDAY_10),
                ("practitioner", &p),
                ("name", "Bo"),
                ("email", "bo@example.org"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 409);
    let (status, body) = app
        .post_json(
            &format!("/api/v1/bookings/{}/cancel", first.token),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    app.booked("laser-resurfacing", TUESDAY_10, other, &bo)
        .await;
}

#[tokio::test]
async fn a_move_onto_a_held_laser_is_refused_and_a_free_one_takes_it_along() {
    let app = TestApp::spawn().await;
    let other = more_physicians(&app, 1)[0];
    app.booked("laser-resurfacing", TUESDAY_10, 1, &ANN).await;
    let bo = Patient::new("Bo", "bo@example.org");
    let moving = app
        .booked("laser-resurfacing", "2030-06-04T14:00:00+01:00", other, &bo)
        .await;
    let path = format!("/api/v1/bookings/{}/reschedule", moving.token);
    let (status, body) = app
        .post_json(
            &path,
            &json!({"start": "2030-06-04T11:00:00+01:00", "practitioner": other}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = app
        .post_json(
            &path,
            &json!({"start": "2030-06-04T12:00:00+01:00", "practitioner": other}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // The old 14:00 is free again for the first physician.
    app.booked(
        "laser-resurfacing",
        "2030-06-04T14:00:00+01:00",
        1,
        &Patient::new("Cy", "cy@example.org"),
    )
    .await;
}

#[tokio::test]
async fn the_day_view_shows_the_device_and_filters_by_it() {
    let app = TestApp::spawn().await;
    let laser = app.booked("laser-resurfacing", TUESDAY_10, 1, &ANN).await;
    let peel = app
        .booked(
            "microdermabrasion",
            TUESDAY_10,
            2,
            &Patient::new("Bo", "bo@example.org"),
        )
        .await;
    let desk = app.staff(Role::FrontDesk).await;
    let (status, page) = desk.get_text("/staff/day?date=2030-06-04").await;
    assert_eq!(status, 200);
    let held = block_of(&page, laser.id);
    assert!(held.contains("Laser device"), "{held}");
    let room = block_of(&page, peel.id);
    assert!(room.contains("Room 1"), "{room}");
    // Filtered by the laser (resource 1 in the demo clinic): only its appointment.
    let (status, page) = desk.get_text("/staff/day?date=2030-06-04&resource=1").await;
    assert_eq!(status, 200);
    assert!(block(&page, laser.id).is_some());
    assert!(block(&page, peel.id).is_none(), "{page}");
    let (status, _) = desk
        .get_text("/staff/day?date=2030-06-04&resource=laser")
        .await;
    assert_eq!(status, 400);
}

/// An appointment's whole block on the grid, to its closing tag.
fn block_of(page: &str, id: i32) -> String {
    let at = page
        .find(&format!("data-appointment=\"{id}\""))
        .expect("block");
    let end = at + page[at..].find("</a>").expect("end of block");
    page[at..end].to_string()
}

#[tokio::test]
async fn admins_add_devices_and_say_what_treatments_need() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let (status, page) = admin.get_text("/staff/resources").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Laser device") && page.contains("Room 3"),
        "{page}"
    );
    // A bad kind is shown back with a message, and nothing is written.
    let (status, page) = admin
        .post_text(
            "/staff/resources",
            &[("name", "Second laser"), ("kind", "   ")],
        )
        .await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("Give a kind"), "{page}");
    let (status, page) = admin
        .post_text(
            "/staff/resources",
            &[("name", "Room 1"), ("kind", "treatment room")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("already a resource with that name"), "{page}");
    // A second laser: two laser sessions at once with two physicians.
    admin
        .post_redirect(
            "/staff/resources",
            &[("name", "Second laser"), ("kind", "Laser  Device")],
        )
        .await;
    let other = more_physicians(&app, 1)[0];
    app.booked("laser-resurfacing", TUESDAY_10, 1, &ANN).await;
    app.booked(
        "laser-resurfacing",
        TUESDAY_10,
        other,
        &Patient::new("Bo", "bo@example.org"),
    )
    .await;
    // Microneedling made to need the laser too: none free at 10:00 now.
    admin
        .post_redirect(
            "/staff/treatments/4/resources",
            &[("kinds", "treatment room, laser device")],
        )
        .await;
    let slots = starts(&app.slots("microneedling", "2030-06-04", Some(2)).await);
    assert!(
        !slots.iter().any(|s| s.starts_with("2030-06-04T10:00")),
        "{slots:?}"
    );
    // Taking the second laser out of use (bookings holding it keep it).
    let (_, page) = admin.get_text("/staff/resources").await;
    let row = &page[..page.find("<td>Second laser</td>").expect("listed")];
    let id = row.rsplit("data-resource=\"").next().expect("row");
    let id = &id[..id.find('"').expect("id")];
    admin
        .post_redirect(
            &format!("/staff/resources/{id}/status"),
            &[("active", "no")],
        )
        .await;
    let (_, page) = admin.get_text("/staff/resources").await;
    assert!(page.contains("Put back in use"), "{page}");
    // Front desk may not manage resources.
    let desk = app.staff(Role::FrontDesk).await;
    assert_eq!(desk.get("/staff/resources").await.status().as_u16(), 403);
}

/// Adds a physician working only Tuesdays `from`–`to` (minutes); returns their id.
fn physician_working_tuesdays(app: &TestApp, name: &str, from: i32, to: i32) -> i32 {
    let mut c = app.state.pool.get().expect("conn");
    diesel::insert_into(practitioners::table)
        .values(NewPractitioner {
            name,
            title: "Physician",
            qualifications: "physician",
            bio: "",
            active: true,
        })
        .execute(&mut *c)
        .expect("practitioner");
    let id: i32 = practitioners::table
        .filter(practitioners::name.eq(name))
        .select(practitioners::id)
        .first(&mut *c)
        .expect("id");
    diesel::insert_into(practitioner_hours::table)
        .values(NewPractitionerHours {
            practitioner_id: id,
            weekday: 1,
            start_minute: from,
            end_minute: to,
        })
        .execute(&mut *c)
        .expect("hours");
    id
}

fn free_on(month: &serde_json::Value, date: &str) -> u64 {
    month["days"]
        .as_array()
        .expect("days")
        .iter()
        .find(|d| d["date"] == date)
        .and_then(|d| d["free_slots"].as_u64())
        .expect("day listed")
}

#[tokio::test]
async fn the_month_and_the_next_free_day_leave_out_a_day_whose_only_time_needs_the_held_laser() {
    let app = TestApp::spawn().await;
    // Works Tuesdays 10:00–11:30: exactly one 90-minute laser session a week, at 10:00.
    let short = physician_working_tuesdays(&app, "Dr. Short", 600, 690);
    let month = format!(
        "/api/v1/availability/month?treatment=laser-resurfacing&month=2030-06&practitioner={short}"
    );
    let (s, before) = app.get_json(&month).await;
    assert_eq!(s, 200, "{before}");
    assert_eq!(free_on(&before, "2030-06-04"), 1, "{before}");
    // Dr. Okafor takes the one laser at 10:00 on 4 June: Dr. Short is free, the laser isn't.
    app.booked("laser-resurfacing", TUESDAY_10, 1, &ANN).await;
    let (s, after) = app.get_json(&month).await;
    assert_eq!(s, 200, "{after}");
    assert_eq!(free_on(&after, "2030-06-04"), 0, "{after}");
    assert_eq!(free_on(&after, "2030-06-11"), 1, "{after}");
    // The day's own answer agrees.
    assert!(
        app.slots("laser-resurfacing", "2030-06-04", Some(short))
            .await
            .is_empty()
    );
    // "The next free day" from the month before skips 4 June too.
    let (s, may) = app
        .get_json(&format!(
            "/api/v1/availability/month?treatment=laser-resurfacing&month=2030-05&practitioner={short}"
        ))
        .await;
    assert_eq!(s, 200, "{may}");
    assert_eq!(may["next_available"], "2030-06-11", "{may}");
    // The booking page, browsing Monday 3 June (nothing for Dr. Short), points to 11 June.
    let page = app
        .get(&format!(
            "/book/laser-resurfacing?date=2030-06-03&practitioner={short}"
        ))
        .await
        .text()
        .await
        .expect("page");
    let next = &page[page
        .find("The next day with free times is")
        .expect("a next free day")..];
    let next = &next[..next.find("</a>").expect("its link")];
    assert!(next.contains("2030-06-11"), "{next}");
}

/// Starts `n` racers, each with their own practitioner and patient, for `treatment` at `start`;
/// half through the API, half through the booking page. Their statuses.
async fn race(app: &TestApp, treatment: &str, start: &str, ids: &[i32], tag: &str) -> Vec<u16> {
    let attempts = ids.iter().enumerate().map(|(i, &pid)| async move {
        let email = format!("{tag}{i}@example.org");
        if i % 2 == 0 {
            let racer = Patient::new("Racer", &email);
            app.book_for(treatment, start, Some(pid), &racer).await.0
        } else {
            let p = pid.to_string();
            app.post_form(
                &format!("/book/{treatment}"),
                &[
                    ("start", start),
                    ("practitioner", &p),
                    ("name", "Racer"),
                    ("email", &email),
                    ("consent", "yes"),
                ],
            )
            .await
            .status()
            .as_u16()
        }
    });
    join_all(attempts).await
}

#[tokio::test]
async fn racers_for_rooms_each_get_the_next_free_room_and_only_the_one_too_many_is_refused() {
    let app = TestApp::spawn().await;
    // Two more rooms: five in all. Six physicians, all free on Tuesdays.
    let admin = app.staff(Role::Admin).await;
    for name in ["Room 4", "Room 5"] {
        admin
            .post_redirect(
                "/staff/resources",
                &[("name", name), ("kind", "treatment room")],
            )
            .await;
    }
    let ids = more_physicians(&app, 6);
    // Five racers for five rooms: every one is booked (none loses room 1 and gives up).
    let statuses = race(&app, "microdermabrasion", TUESDAY_10, &ids[..5], "five").await;
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 303),
        "{statuses:?}"
    );
    assert_eq!(app.appointment_count(), 5);
    // Six racers for five rooms at another time: exactly one clean 409.
    let statuses = race(
        &app,
        "microdermabrasion",
        "2030-06-04T14:00:00+01:00",
        &ids,
        "six",
    )
    .await;
    let ok = statuses.iter().filter(|s| **s == 201 || **s == 303).count();
    let refused = statuses.iter().filter(|s| **s == 409).count();
    assert_eq!((ok, refused), (5, 1), "{statuses:?}");
    assert_eq!(app.appointment_count(), 10);
}

/// Devices and their kinds are read from the in-memory catalog: taking the only laser out of use,
/// or making a treatment need a kind nobody has, shows on the very next availability answer.
#[tokio::test]
async fn availability_sees_resource_edits_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let other = more_physicians(&app, 1)[0];
    let laser = || async {
        starts(
            &app.slots("laser-resurfacing", "2030-06-04", Some(other))
                .await,
        )
    };
    assert!(!laser().await.is_empty());
    let (_, page) = admin.get_text("/staff/resources").await;
    let row = &page[..page.find("<td>Laser device</td>").expect("listed")];
    let id = row.rsplit("data-resource=\"").next().expect("row");
    let id = &id[..id.find('"').expect("id")];
    let status = format!("/staff/resources/{id}/status");
    admin.post_redirect(&status, &[("active", "no")]).await;
    assert_eq!(laser().await, Vec::<String>::new());
    admin.post_redirect(&status, &[("active", "yes")]).await;
    assert!(!laser().await.is_empty());
    let rooms = || async { starts(&app.slots("microneedling", "2030-06-04", Some(2)).await) };
    assert!(!rooms().await.is_empty());
    admin
        .post_redirect(
            "/staff/treatments/4/resources",
            &[("kinds", "treatment room, cryo chamber")],
        )
        .await;
    assert_eq!(rooms().await, Vec::<String>::new());
}

/// On PostgreSQL a holding is taken under an advisory lock of its resource and the UTC days it
/// touches, so racers for one device queue there instead of deadlocking on the exclusion
/// constraint (seen in the server log as `deadlock detected … while checking exclusion
/// constraint on "appointment_resources"`, which after five retries answered 500). Checked
/// from a second connection with `pg_try_advisory_xact_lock`, so nothing depends on timing.
#[tokio::test]
async fn a_holding_locks_its_resource_on_its_days_only() {
    use carepath::db::DbConnection;
    use carepath::db::resources::lock_for_hold;
    use diesel::QueryResult;
    use diesel::connection::Connection;

    let app = TestApp::spawn().await;
    let mut holder = app.state.pool.get().expect("a connection");
    if !matches!(&*holder, DbConnection::Pg(_)) {
        return;
    }
    let mut other = app.state.pool.get().expect("a second connection");
    let at = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("a time");
    let day = utc_day_number;
    // Whether the other connection could take this lock now (given back at once).
    let mut free = |key: (i32, i32)| advisory_lock_free(&mut other, key);
    holder
        .transaction(|c| -> QueryResult<()> {
            lock_for_hold(c, 4, at("2030-06-04 23:30"), at("2030-06-05 00:30"))?;
            assert!(!free((-4, day("2030-06-04"))), "its first day is held");
            assert!(!free((-4, day("2030-06-05"))), "and the day it runs into");
            assert!(free((-4, day("2030-06-06"))), "another day is free");
            assert!(free((-5, day("2030-06-04"))), "another resource is free");
            assert!(
                free((4, day("2030-06-04"))),
                "practitioner 4's booking lock is another key"
            );
            Ok(())
        })
        .expect("the holding's locks");
    assert!(free((-4, day("2030-06-04"))), "given back at commit");
}
