//! The catalog kept in memory (clinic, hours, treatments, practitioners) and the month view:
//! changes made by *another* writer — a second instance on the same database, or anything
//! writing to the tables directly — show on the very next request of every instance, and a
//! month's free days agree with its days one by one.

use diesel::prelude::*;
use serde_json::Value;

use crate::helpers::*;

async fn json_at(address: &str, path: &str) -> (u16, Value) {
    let r = reqwest::get(format!("{address}{path}")).await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

fn catalog_version(app: &TestApp) -> i64 {
    let mut c = app.state.pool.get().unwrap();
    carepath::db::catalog_version::read(&mut c).unwrap().1
}

#[tokio::test]
async fn another_writers_catalog_changes_show_at_once_on_every_instance() {
    let app = TestApp::spawn().await;
    let (other, _) = app.restart();
    // Both instances have read (and keep) the catalog.
    for address in [&app.address, &other] {
        let (s, body) = json_at(address, "/api/v1/treatments").await;
        assert_eq!(s, 200);
        // The four treatments of the article and the Consultation (issue 10).
        assert_eq!(body["treatments"].as_array().unwrap().len(), 5);
        let (s, _) = json_at(
            address,
            "/api/v1/availability?treatment=microneedling&date=2030-06-04",
        )
        .await;
        assert_eq!(s, 200);
    }
    let before = catalog_version(&app);

    // A booking is not a catalog change: it does not make anyone reread the catalog.
    let slot = &app.slots("microdermabrasion", "2030-06-04", Some(2)).await[0];
    app.booked(
        "microdermabrasion",
        slot["start"].as_str().unwrap(),
        2,
        &ANN,
    )
    .await;
    assert_eq!(
        catalog_version(&app),
        before,
        "a booking left the catalog alone"
    );

    // Someone else withdraws a treatment, straight in the database.
    {
        use carepath::db::schema::treatments;
        let mut c = app.state.pool.get().unwrap();
        diesel::update(treatments::table.filter(treatments::slug.eq("microneedling")))
            .set(treatments::active.eq(false))
            .execute(&mut *c)
            .unwrap();
    }
    assert!(catalog_version(&app) > before);
    for address in [&app.address, &other] {
        let (_, body) = json_at(address, "/api/v1/treatments").await;
        assert_eq!(body["treatments"].as_array().unwrap().len(), 4, "{address}"); // five less the withdrawn one
        let (s, body) = json_at(
            address,
            "/api/v1/availability?treatment=microneedling&date=2030-06-04",
        )
        .await;
        assert_eq!(s, 422, "{address}: {body}");
        assert!(body["fields"]["treatment"].is_string());
    }

    // Someone else takes practitioner 2's Tuesday away: no instance offers it any more.
    {
        use carepath::db::schema::practitioner_hours as h;
        let mut c = app.state.pool.get().unwrap();
        diesel::delete(
            h::table
                .filter(h::practitioner_id.eq(2))
                .filter(h::weekday.eq(1)),
        )
        .execute(&mut *c)
        .unwrap();
    }
    for address in [&app.address, &other] {
        let (s, body) = json_at(
            address,
            "/api/v1/availability?treatment=microdermabrasion&date=2030-06-04&practitioner=2",
        )
        .await;
        assert_eq!(s, 200);
        assert_eq!(body["slots"], serde_json::json!([]), "{address}");
        let page = reqwest::get(format!(
            "{address}/book/microdermabrasion?date=2030-06-04&practitioner=2"
        ))
        .await
        .unwrap();
        assert_eq!(page.status().as_u16(), 200);
    }

    // And the clinic's own settings (its name here) as well.
    {
        use carepath::db::schema::clinics;
        let mut c = app.state.pool.get().unwrap();
        diesel::update(clinics::table)
            .set(clinics::name.eq("Renamed Skin Clinic"))
            .execute(&mut *c)
            .unwrap();
    }
    for address in [&app.address, &other] {
        let home = reqwest::get(format!("{address}/"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(home.contains("Renamed Skin Clinic"), "{address}");
    }
}

#[tokio::test]
async fn a_month_agrees_with_its_days_one_by_one() {
    let app = TestApp::spawn().await;
    // Fill one day for practitioner 2 so the month has a day with fewer slots.
    for s in app
        .slots("microdermabrasion", "2030-06-05", Some(2))
        .await
        .iter()
        .step_by(4)
    {
        let (status, _) = app
            .book(
                "microdermabrasion",
                s["start"].as_str().unwrap(),
                Some(2),
                "ann@example.org",
            )
            .await;
        assert!(status == 201 || status == 409, "{status}");
    }
    for practitioner in ["", "&practitioner=2"] {
        let (s, month) = app
            .get_json(&format!(
                "/api/v1/availability/month?treatment=microdermabrasion&month=2030-06{practitioner}"
            ))
            .await;
        assert_eq!(s, 200, "{month}");
        assert_eq!(month["timezone"], "Europe/London");
        let days = month["days"].as_array().unwrap();
        assert_eq!(days.len(), 30);
        for day in days {
            let date = day["date"].as_str().unwrap();
            let (_, one) = app
                .get_json(&format!(
                    "/api/v1/availability?treatment=microdermabrasion&date={date}{practitioner}"
                ))
                .await;
            assert_eq!(
                day["free_slots"].as_u64().unwrap() as usize,
                one["slots"].as_array().unwrap().len(),
                "{date}{practitioner}"
            );
        }
        // Before today (3 June) nothing is free; Sundays are closed.
        assert_eq!(days[0]["free_slots"], 0);
        assert_eq!(days[1]["free_slots"], 0);
        assert_eq!(days[8]["date"], "2030-06-09");
        assert_eq!(days[8]["free_slots"], 0, "a Sunday");
        assert!(days[3]["free_slots"].as_u64().unwrap() > 0);
        assert_eq!(month["next_available"], "2030-07-01");
    }
    // Mistakes are named.
    let (s, body) = app
        .get_json("/api/v1/availability/month?treatment=microdermabrasion&month=June")
        .await;
    assert_eq!(s, 422);
    assert!(body["fields"]["month"].is_string(), "{body}");
    let (s, body) = app
        .get_json("/api/v1/availability/month?treatment=nope&month=2030-06")
        .await;
    assert_eq!(s, 422);
    assert!(body["fields"]["treatment"].is_string(), "{body}");
}
