//! Bookings that arrive together share one SQLite write transaction (group commit, each in its
//! own savepoint): the ones that conflict are refused alone, leaving nothing behind, and every
//! accepted one is stored whole. On PostgreSQL the same requests take their own transactions;
//! the answers must be the same.

use chrono::{DateTime, Duration, FixedOffset};
use futures::future::join_all;

use crate::helpers::*;

const SLOTS: usize = 12;

/// Up to `n` free starts of practitioner 2 at least an hour apart (45 minutes + 15 buffer).
async fn apart(app: &TestApp, n: usize) -> Vec<String> {
    let mut picked: Vec<String> = Vec::new();
    for date in ["2030-06-05", "2030-06-06", "2030-06-07", "2030-06-11"] {
        let mut last: Option<DateTime<FixedOffset>> = None;
        for start in starts(&app.slots("microdermabrasion", date, Some(2)).await) {
            let at = DateTime::parse_from_rfc3339(&start).expect("rfc3339 start");
            if last.is_some_and(|l| at < l + Duration::minutes(60)) {
                continue;
            }
            last = Some(at);
            picked.push(start);
            if picked.len() == n {
                return picked;
            }
        }
    }
    panic!("only {} free hours found", picked.len());
}

#[tokio::test]
async fn bookings_arriving_together_are_each_stored_whole_or_not_at_all() {
    let app = TestApp::spawn().await;
    let slots = apart(&app, SLOTS + 1).await;

    // One booking alone: what a booking writes.
    let audit_before = app.audit_count();
    let reference = app
        .booked("microdermabrasion", &slots[SLOTS], 2, &ANN)
        .await;
    let outbox_per_booking = app.outbox_of(reference.id).len();
    let audit_per_booking = app.audit_count() - audit_before;
    assert!(outbox_per_booking > 0 && audit_per_booking > 0);

    // Two patients for each slot, all at once: one of each pair wins, the other gets a 409.
    let emails: Vec<String> = (0..2 * SLOTS)
        .map(|i| format!("together{i}@example.org"))
        .collect();
    let audit_before = app.audit_count();
    let attempts = emails.iter().enumerate().map(|(i, email)| {
        let start = slots[i % SLOTS].clone();
        let app = &app;
        async move {
            let who = Patient::new("Together", email);
            app.book_for("microdermabrasion", &start, Some(2), &who)
                .await
        }
    });
    let answers = join_all(attempts).await;

    let mut won = Vec::new();
    for (i, (status, json)) in answers.iter().enumerate() {
        match status {
            201 => won.push((i, json["id"].as_i64().expect("id") as i32)),
            409 => assert_eq!(json["error"], "slot_unavailable", "{json}"),
            other => panic!("booking {i}: {other} {json}"),
        }
    }
    assert_eq!(won.len(), SLOTS, "{answers:?}");
    let mut slots_won: Vec<usize> = won.iter().map(|(i, _)| i % SLOTS).collect();
    slots_won.sort();
    slots_won.dedup();
    assert_eq!(slots_won.len(), SLOTS, "one winner per slot: {answers:?}");

    // Every accepted booking is whole: its appointment, its planned emails, its audit row, and
    // its manage link answers at once.
    for (i, id) in &won {
        let row = app.appointment(*id);
        assert_eq!(row.contact_email, emails[*i]);
        assert_eq!(app.outbox_of(*id).len(), outbox_per_booking);
        let token = token_of(answers[*i].1["manage_url"].as_str().expect("manage_url"));
        let (status, shown) = app.get_json(&format!("/api/v1/bookings/{token}")).await;
        assert_eq!(status, 200, "{shown}");
    }
    // And the refused ones left nothing: no patient record, no emails, no audit.
    assert_eq!(app.appointment_count(), 1 + SLOTS as i64);
    assert_eq!(app.patient_count(), 1 + SLOTS as i64);
    assert_eq!(app.outbox().len(), (1 + SLOTS) * outbox_per_booking);
    assert_eq!(
        app.audit_count() - audit_before,
        SLOTS as i64 * audit_per_booking
    );
}
