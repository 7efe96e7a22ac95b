//! Issue 12 item 9: a wrong tap can be taken back. The last check-in, completion or no-show is
//! undone on the clinic day it was made (audited, the emails it planned cancelled), and a
//! check-in is offered (and accepted) only on the appointment's own day.

use carepath::db::models::from_db;
use carepath::domain::staff::Role;

use crate::helpers::*;

/// Ann's microdermabrasion with Jonah on Monday 3 June at 14:00 BST ("now" is 08:00 BST).
async fn monday_at_two(app: &TestApp) -> (i32, String) {
    let id = app
        .booked("microdermabrasion", "2030-06-03T14:00:00+01:00", 2, &ANN)
        .await
        .id;
    (id, format!("/staff/appointments/{id}"))
}

#[tokio::test]
async fn a_no_show_is_undone_the_same_day_and_we_missed_you_is_not_sent() {
    let app = TestApp::spawn().await;
    let (id, page) = monday_at_two(&app).await;
    let desk = app.staff(Role::FrontDesk).await;
    // 15:30 BST: it has started; the desk marks a no-show by mistake.
    app.clock.set(t("2030-06-03T14:30:00Z"));
    let r = desk.post(&format!("{page}/no-show"), &[]).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        of_kind(&app.outbox_of(id), "missed")[0].status,
        "planned",
        "we missed you is queued"
    );
    let (_, html) = desk.get_text(&page).await;
    assert!(html.contains(&format!("action=\"{page}/undo\"")), "{html}");
    assert!(html.contains("Undo no-show"));

    app.clock.set(t("2030-06-03T14:35:00Z"));
    let r = desk.post(&format!("{page}/undo"), &[]).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(location(&r), format!("{page}?done=undone"));
    assert_eq!(app.appointment(id).status, "booked");
    let missed = &of_kind(&app.outbox_of(id), "missed")[0].clone();
    assert_eq!(missed.status, "cancelled", "not sent");
    assert!(
        missed.note.as_deref().unwrap_or("").starts_with("undone"),
        "{:?}",
        missed.note
    );

    // Audited: who, before → after, and what was undone.
    let last = app.audit_trail("appointment", id).pop().unwrap();
    assert_eq!(last.action, "appointment.undo");
    assert_eq!(last.actor_label, desk.email);
    assert_eq!(json_of(&last.before_json)["status"], "no_show");
    assert_eq!(json_of(&last.after_json)["status"], "booked");
    assert_eq!(last.note.as_deref(), Some("Undo no-show"));
    let (_, html) = desk.get_text(&format!("{page}?done=undone")).await;
    assert!(html.contains("Undid the last status change"), "{html}");
    assert!(html.contains("Status: No-show → Booked"));
    assert!(html.contains("Undone: the appointment is back as it was"));
    // An undo is not itself undone; the booking can be marked again.
    assert!(!html.contains(&format!("action=\"{page}/undo\"")));
    assert!(html.contains(&format!("action=\"{page}/no-show\"")));
    let r = desk.post(&format!("{page}/undo"), &[]).await;
    assert_eq!(r.status().as_u16(), 409);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("no check-in, completion or no-show to undo")
    );

    // Marking the no-show again plans "we missed you" again.
    let r = desk.post(&format!("{page}/no-show"), &[]).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(of_kind(&app.outbox_of(id), "missed")[0].status, "planned");
}

#[tokio::test]
async fn a_completion_undone_goes_back_to_checked_in_and_drops_its_aftercare() {
    let app = TestApp::spawn().await;
    let (id, page) = monday_at_two(&app).await;
    let desk = app.staff(Role::Practitioner).await; // Jonah: his own appointment
    app.clock.set(t("2030-06-03T12:55:00Z"));
    assert_eq!(
        desk.post(&format!("{page}/check-in"), &[])
            .await
            .status()
            .as_u16(),
        303
    );
    app.clock.set(t("2030-06-03T14:00:00Z"));
    let r = desk
        .post(&format!("{page}/complete"), &[("ended_at", "14:45")])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        of_kind(&app.outbox_of(id), "aftercare")[0].status,
        "planned"
    );

    let r = desk.post(&format!("{page}/undo"), &[]).await;
    assert_eq!(r.status().as_u16(), 303);
    let row = app.appointment(id);
    assert_eq!(row.status, "checked_in");
    assert_eq!(row.completed_at, None);
    assert_eq!(
        row.checked_in_at.unwrap().to_string(),
        "2030-06-03 12:55:00",
        "the check-in stays"
    );
    for r in app.outbox_of(id) {
        if ["aftercare", "check_in", "follow_up"].contains(&r.kind.as_str()) {
            assert_eq!(r.status, "cancelled", "{}", r.kind);
        }
    }
    // Completed again with the right time: aftercare is planned again from it.
    let r = desk
        .post(&format!("{page}/complete"), &[("ended_at", "14:50")])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let rows = app.outbox_of(id);
    let aftercare = of_kind(&rows, "aftercare")[0];
    assert_eq!(aftercare.status, "planned");
    assert_eq!(from_db(aftercare.due_at), t("2030-06-03T14:00:00Z"));
}

#[tokio::test]
async fn a_check_in_undone_forgets_the_arrival() {
    let app = TestApp::spawn().await;
    let (id, page) = monday_at_two(&app).await;
    let desk = app.staff(Role::FrontDesk).await;
    assert_eq!(
        desk.post(&format!("{page}/check-in"), &[])
            .await
            .status()
            .as_u16(),
        303
    );
    let (_, html) = desk.get_text(&page).await;
    assert!(html.contains("Undo check-in"));
    assert_eq!(
        desk.post(&format!("{page}/undo"), &[])
            .await
            .status()
            .as_u16(),
        303
    );
    let row = app.appointment(id);
    assert_eq!(row.status, "booked");
    assert_eq!(row.checked_in_at, None);
    let (_, html) = desk.get_text(&page).await;
    assert!(html.contains(&format!("action=\"{page}/check-in\"")));
}

#[tokio::test]
async fn an_undo_is_refused_the_next_day_and_outside_ones_reach() {
    let app = TestApp::spawn().await;
    let (id, page) = monday_at_two(&app).await;
    let laser = app
        .booked("laser-resurfacing", "2030-06-03T11:00:00+01:00", 1, &ANN)
        .await
        .id;
    app.clock.set(t("2030-06-03T14:30:00Z"));
    let desk = app.staff(Role::FrontDesk).await;
    assert_eq!(
        desk.post(&format!("{page}/no-show"), &[])
            .await
            .status()
            .as_u16(),
        303
    );
    // Jonah's practitioner account doesn't reach Dr. Okafor's appointment.
    let jonah = app.staff(Role::Practitioner).await;
    let r = jonah
        .post(&format!("/staff/appointments/{laser}/undo"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 403);

    // 00:05 BST on Tuesday: the clinic day of the no-show is over.
    app.clock.set(t("2030-06-03T23:05:00Z"));
    let before = app.audit_trail("appointment", id).len();
    let (_, html) = desk.get_text(&page).await;
    assert!(!html.contains(&format!("action=\"{page}/undo\"")));
    let r = desk.post(&format!("{page}/undo"), &[]).await;
    assert_eq!(r.status().as_u16(), 409);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("only on the day it was made (Monday 3 June 2030)"),
        "{html}"
    );
    assert!(html.contains("Nothing was changed."));
    assert_eq!(app.appointment(id).status, "no_show");
    assert_eq!(app.audit_trail("appointment", id).len(), before);
}

#[tokio::test]
async fn check_in_is_offered_and_accepted_only_on_the_appointments_day() {
    let app = TestApp::spawn().await;
    // Tuesday 09:00 BST; "now" is Monday 08:00 BST.
    let id = app
        .booked("microdermabrasion", "2030-06-04T09:00:00+01:00", 2, &ANN)
        .await
        .id;
    let page = format!("/staff/appointments/{id}");
    let desk = app.staff(Role::FrontDesk).await;
    let (_, html) = desk.get_text(&page).await;
    assert!(!html.contains(&format!("action=\"{page}/check-in\"")));
    let r = desk.post(&format!("{page}/check-in"), &[]).await;
    assert_eq!(r.status().as_u16(), 409);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("checked in only on the day of the appointment (Tuesday 4 June 2030)"),
        "{html}"
    );
    assert_eq!(app.appointment(id).status, "booked");
    // Tuesday 07:30 BST: offered and accepted.
    app.clock.set(t("2030-06-04T06:30:00Z"));
    let desk = app.staff(Role::Admin).await; // a fresh session on the Tuesday
    let (_, html) = desk.get_text(&page).await;
    assert!(html.contains(&format!("action=\"{page}/check-in\"")));
    assert_eq!(
        desk.post(&format!("{page}/check-in"), &[])
            .await
            .status()
            .as_u16(),
        303
    );
}
