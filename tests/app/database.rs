//! What the database itself guarantees, below the app's own checks.

use carepath::db::models::{NewAppointment, to_db};
use carepath::db::{appointments, is_overlap};

use crate::helpers::*;

fn raw(
    token: &str,
    practitioner_id: i32,
    start: &str,
    end: &str,
    until: &str,
    status: &str,
) -> (String, NewAppointment<'static>) {
    let token: &'static str = Box::leak(token.to_string().into_boxed_str());
    let status: &'static str = Box::leak(status.to_string().into_boxed_str());
    let now = to_db(t(NOW));
    (
        token.to_string(),
        NewAppointment {
            token_hash: token,
            patient_id: 1,
            treatment_id: 3,
            practitioner_id,
            starts_at: to_db(t(start)),
            ends_at: to_db(t(end)),
            blocks_until: to_db(t(until)),
            status,
            patient_note: None,
            created_at: now,
            updated_at: now,
            booked_by: "patient",
            contact_name: "Test Patient",
            contact_phone: None,
            contact_email: "ann@example.org",
        },
    )
}

#[tokio::test]
async fn the_schema_refuses_overlapping_appointments() {
    let app = TestApp::spawn().await;
    // A patient row for the raw inserts.
    let (s, _) = app
        .book(
            "chemical-peel",
            "2030-06-20T10:00:00+01:00",
            Some(3),
            "seed@example.org",
        )
        .await;
    assert_eq!(s, 201);
    let mut c = app.state.pool.get().unwrap();
    let (_, first) = raw(
        "raw-1",
        2,
        "2030-06-04T09:00:00Z",
        "2030-06-04T09:45:00Z",
        "2030-06-04T10:00:00Z",
        "booked",
    );
    appointments::insert(&mut c, &first).expect("first insert");
    // Overlapping the buffer of the first: refused by the database, not by the app.
    let (_, clash) = raw(
        "raw-2",
        2,
        "2030-06-04T09:45:00Z",
        "2030-06-04T10:30:00Z",
        "2030-06-04T10:45:00Z",
        "booked",
    );
    let err = appointments::insert(&mut c, &clash).expect_err("overlap must be refused");
    assert!(is_overlap(&err), "{err:?}");
    // Touching is fine; another practitioner is fine; a cancelled row doesn't hold time.
    let (_, touching) = raw(
        "raw-3",
        2,
        "2030-06-04T10:00:00Z",
        "2030-06-04T10:45:00Z",
        "2030-06-04T11:00:00Z",
        "booked",
    );
    appointments::insert(&mut c, &touching).expect("touching");
    let (_, other) = raw(
        "raw-4",
        3,
        "2030-06-04T09:45:00Z",
        "2030-06-04T10:30:00Z",
        "2030-06-04T10:45:00Z",
        "booked",
    );
    appointments::insert(&mut c, &other).expect("other practitioner");
    let (_, cancelled) = raw(
        "raw-5",
        2,
        "2030-06-04T09:15:00Z",
        "2030-06-04T10:00:00Z",
        "2030-06-04T10:15:00Z",
        "cancelled",
    );
    appointments::insert(&mut c, &cancelled).expect("cancelled rows don't hold time");
    // Moving a row onto another by UPDATE is refused too.
    let row = appointments::by_token_hash(&mut c, "raw-3")
        .unwrap()
        .unwrap();
    let to = appointments::NewTime {
        practitioner_id: 2,
        starts_at: to_db(t("2030-06-04T09:30:00Z")),
        ends_at: to_db(t("2030-06-04T10:15:00Z")),
        blocks_until: to_db(t("2030-06-04T10:30:00Z")),
    };
    let err = appointments::move_to(&mut c, row.id, &to, to_db(t(NOW)))
        .expect_err("update overlap must be refused");
    assert!(is_overlap(&err), "{err:?}");
}

#[tokio::test]
async fn seed_data_is_inserted_once() {
    let app = TestApp::spawn().await;
    {
        use carepath::db::schema::clinics;
        use diesel::{ExpressionMethods, RunQueryDsl};
        let mut c = app.state.pool.get().unwrap();
        diesel::update(clinics::table)
            .set(clinics::name.eq("Our Own Clinic"))
            .execute(&mut *c)
            .unwrap();
    }
    let (s, _) = app
        .book(
            "chemical-peel",
            "2030-06-04T10:00:00+01:00",
            Some(2),
            "ann@example.org",
        )
        .await;
    assert_eq!(s, 201);
    // A second start on the same database: migrations are already applied, nothing reseeded.
    let (address, _) = app.restart();
    let home = reqwest::get(format!("{address}/"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("Our Own Clinic"));
    let treatments: serde_json::Value = reqwest::get(format!("{address}/api/v1/treatments"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // The four of the article and the Consultation (issue 10).
    assert_eq!(treatments["treatments"].as_array().unwrap().len(), 5);
    assert_eq!(app.appointment_count(), 1);
}

#[test]
fn postgres_tests_say_when_they_are_skipped() {
    if !on_postgres() {
        eprintln!(
            "skipped: set {PG_ENV}=postgres://… to run every black-box test on PostgreSQL as well"
        );
    }
}
