//! No double booking, however many requests race — through the API and the pages at once.

use futures::future::join_all;
use serde_json::json;

use crate::helpers::*;

const RACERS: usize = 64;

/// Fires `RACERS` booking attempts at once; half through the API, half through the form.
async fn race(app: &TestApp, starts: &[&str]) -> (usize, usize, Vec<u16>) {
    let attempts = (0..RACERS).map(|i| {
        let start = starts[i % starts.len()].to_string();
        let email = format!("racer{i}@example.org");
        async move {
            if i % 2 == 0 {
                let name = format!("Racer {i}");
                let racer = Patient::new(&name, &email);
                app.book_for("microdermabrasion", &start, Some(2), &racer)
                    .await
                    .0
            } else {
                let r = app
                    .post_form(
                        "/book/microdermabrasion",
                        &[
                            ("start", &start),
                            ("practitioner", "2"),
                            ("name", "Racer"),
                            ("email", &email),
                            ("consent", "yes"),
                        ],
                    )
                    .await;
                r.status().as_u16()
            }
        }
    });
    let statuses = join_all(attempts).await;
    let ok = statuses.iter().filter(|s| **s == 201 || **s == 303).count();
    let refused = statuses.iter().filter(|s| **s == 409).count();
    (ok, refused, statuses)
}

#[tokio::test]
async fn many_requests_for_one_slot_book_it_once() {
    let app = TestApp::spawn().await;
    let (ok, refused, statuses) = race(&app, &["2030-06-04T10:00:00+01:00"]).await;
    assert_eq!(ok, 1, "{statuses:?}");
    assert_eq!(
        refused,
        RACERS - 1,
        "every loser gets a clean 409: {statuses:?}"
    );
    assert_eq!(app.appointment_count(), 1);
}

#[tokio::test]
async fn overlapping_starts_book_only_one() {
    let app = TestApp::spawn().await;
    // Each holds 60 minutes (45 + 15 buffer): any two of these overlap.
    let starts = [
        "2030-06-04T10:00:00+01:00",
        "2030-06-04T10:15:00+01:00",
        "2030-06-04T10:30:00+01:00",
        "2030-06-04T10:45:00+01:00",
    ];
    let (ok, refused, statuses) = race(&app, &starts).await;
    assert_eq!(ok, 1, "{statuses:?}");
    assert_eq!(refused, RACERS - 1, "{statuses:?}");
    assert_eq!(app.appointment_count(), 1);
}

#[tokio::test]
async fn racing_reschedules_cannot_collide() {
    let app = TestApp::spawn().await;
    // Eight appointments on Wednesday all try to move to the same Tuesday time.
    let mut tokens = Vec::new();
    for i in 0..8 {
        let start = format!("2030-06-05T{:02}:00:00+01:00", 9 + i);
        let email = format!("m{i}@example.org");
        let b = app
            .booked(
                "microdermabrasion",
                &start,
                2,
                &Patient {
                    email: &email,
                    ..ANN
                },
            )
            .await;
        tokens.push(b.token);
    }
    let app = &app;
    let moves = tokens.iter().map(|tok| {
        let path = format!("/api/v1/bookings/{tok}/reschedule");
        async move {
            app.post_json(
                &path,
                &json!({"start": "2030-06-04T12:00:00+01:00", "practitioner": 2}),
            )
            .await
            .0
        }
    });
    let statuses = join_all(moves).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        7,
        "{statuses:?}"
    );
}

/// On PostgreSQL a booking holds, until it commits, the lock of each UTC day its span touches
/// and the practitioner's schedule lock shared: a booking that could overlap it (same
/// practitioner, a day in common) or a change of that practitioner's schedule waits for it,
/// while bookings on other days or with others go ahead. Asked without waiting
/// (`pg_try_advisory_xact_lock` from a second connection), so nothing here depends on timing.
/// SQLite queues every writer anyway.
#[tokio::test]
async fn a_booking_holds_only_its_days_and_shares_the_schedule() {
    use carepath::db::DbConnection;
    use carepath::db::practitioners::{lock_for_booking, lock_practitioner};
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
    // A span over midnight UTC holds both days.
    holder
        .transaction(|c| -> QueryResult<()> {
            lock_for_booking(c, 2, at("2030-06-04 23:30"), at("2030-06-05 00:30"))?;
            assert!(!free((2, day("2030-06-04"))), "its first day is held");
            assert!(!free((2, day("2030-06-05"))), "and the day it runs into");
            assert!(free((2, day("2030-06-06"))), "another day is free");
            assert!(
                free((3, day("2030-06-04"))),
                "another practitioner's day is free"
            );
            assert!(!free((2, i32::MIN)), "a schedule change waits");
            assert!(
                free((3, i32::MIN)),
                "another practitioner's schedule doesn't"
            );
            Ok(())
        })
        .expect("the booking's locks");
    // Ending exactly at midnight holds only the day it ends in, and a schedule change (or a
    // move) holds the practitioner whole.
    holder
        .transaction(|c| -> QueryResult<()> {
            lock_for_booking(c, 2, at("2030-06-04 23:00"), at("2030-06-05 00:00"))?;
            assert!(
                free((2, day("2030-06-05"))),
                "the end belongs to the next booking"
            );
            Ok(())
        })
        .expect("the booking's locks");
    holder
        .transaction(|c| -> QueryResult<()> {
            assert_eq!(lock_practitioner(c, 2)?, 1);
            assert!(!free((2, i32::MIN)), "the schedule lock is held");
            Ok(())
        })
        .expect("the schedule lock");
    assert!(free((2, i32::MIN)), "given back at commit");
}
