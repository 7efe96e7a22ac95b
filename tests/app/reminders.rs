//! Planning emails into the outbox with the events that cause them, rendering them, opting out,
//! and the console's message log and care plan editor.

use carepath::db::models::from_db;
use carepath::db::schema::outbox;
use carepath::dispatch::render::{RenderContext, Rendered, render};
use carepath::domain::staff::Role;
use diesel::prelude::*;
use serde_json::json;

use crate::helpers::*;

fn ctx(app: &TestApp) -> RenderContext {
    RenderContext {
        base_url: app.address.clone(),
        host: "clinic.test".into(),
    }
}

/// Now is Monday 3 June 2030 08:00 BST: Ann's peel on Tuesday 11 June at 10:00 BST is far enough
/// ahead for every email before the session.
async fn peel_next_week(app: &TestApp) -> Booked {
    app.booked("chemical-peel", "2030-06-11T10:00:00+01:00", 2, &ANN)
        .await
}

#[tokio::test]
async fn a_booking_plans_its_emails_in_the_same_transaction() {
    let app = TestApp::spawn().await;
    let b = peel_next_week(&app).await;
    let rows = app.outbox_of(b.id);
    let kinds: Vec<&str> = rows.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["confirmation", "preparation", "reminder"],
        "only what comes before the session"
    );
    assert!(
        rows.iter()
            .all(|r| r.status == "planned" && r.recipient == "ann@example.org")
    );
    assert_eq!(
        from_db(rows[0].due_at),
        t(NOW),
        "the confirmation goes at once"
    );
    assert_eq!(
        from_db(rows[1].due_at),
        t("2030-06-06T09:00:00Z"),
        "5 days before, 10:00 BST"
    );
    assert_eq!(
        from_db(rows[2].due_at),
        t("2030-06-10T09:00:00Z"),
        "24 hours before"
    );
    // Keys are per (appointment, step) and Message-IDs deterministic.
    assert!(rows.iter().all(|r| r.dedupe_key == r.message_id
        && r.message_id.starts_with(&format!("appt-{}.step-", b.id))));
}

#[tokio::test]
async fn planning_a_booking_again_is_a_no_op() {
    let app = TestApp::spawn().await;
    let b = peel_next_week(&app).await;
    {
        let mut c = app.state.pool.get().unwrap();
        let appt = carepath::db::appointments::by_id(&mut c, b.id).unwrap();
        let clinic = carepath::service::clinic::load(&mut c).unwrap();
        carepath::service::planning::on_booked(&mut c, &clinic, t(NOW), &appt).unwrap();
    }
    assert_eq!(app.outbox_of(b.id).len(), 3);
}

#[tokio::test]
async fn a_refused_booking_plans_nothing() {
    let app = TestApp::spawn().await;
    peel_next_week(&app).await;
    let (s, _) = app
        .book(
            "chemical-peel",
            "2030-06-11T10:00:00+01:00",
            Some(2),
            "bob@example.org",
        )
        .await;
    assert_eq!(s, 409);
    assert_eq!(app.outbox().len(), 3);
}

#[tokio::test]
async fn an_overdue_but_useful_preparation_goes_now_and_the_reminder_on_time() {
    let app = TestApp::spawn().await;
    // Booked Monday 08:00 for Wednesday 14:00: preparation (5 days before) is overdue but still
    // useful — it goes now; the reminder is on time.
    let b = app
        .booked("chemical-peel", "2030-06-05T14:00:00+01:00", 2, &ANN)
        .await;
    let rows = app.outbox_of(b.id);
    assert_eq!(from_db(of_kind(&rows, "preparation")[0].due_at), t(NOW));
    assert_eq!(
        from_db(of_kind(&rows, "reminder")[0].due_at),
        t("2030-06-04T13:00:00Z")
    );
}

#[tokio::test]
async fn a_same_day_booking_skips_the_preparation_and_reminds_at_once() {
    let app = TestApp::spawn().await;
    // Booked at 08:00 for 11:00 the same day: no preparation (too late to act on), and the
    // 24-hour reminder goes now (still more than an hour ahead).
    let cat = Patient {
        email: "cat@example.org",
        ..ANN
    };
    let b = app
        .booked("chemical-peel", "2030-06-03T11:00:00+01:00", 2, &cat)
        .await;
    let rows = app.outbox_of(b.id);
    let prep = of_kind(&rows, "preparation")[0];
    assert_eq!(prep.status, "cancelled");
    assert!(prep.note.as_deref().unwrap().starts_with("skipped"));
    assert_eq!(of_kind(&rows, "reminder")[0].status, "planned");
    assert_eq!(from_db(of_kind(&rows, "reminder")[0].due_at), t(NOW));
}

#[tokio::test]
async fn night_bookings_confirm_at_once_but_other_mail_waits_for_morning() {
    // 23:30 BST on Sunday 2 June; a microneedling on Tuesday 4 June 10:00 BST.
    let app = TestApp::spawn_with(Options {
        now: "2030-06-02T22:30:00Z",
        ..Options::default()
    })
    .await;
    let b = app
        .booked("microneedling", "2030-06-04T10:00:00+01:00", 2, &ANN)
        .await;
    let rows = app.outbox_of(b.id);
    assert_eq!(
        from_db(of_kind(&rows, "confirmation")[0].due_at),
        t("2030-06-02T22:30:00Z"),
        "confirmations ignore quiet hours"
    );
    // Preparation is 3 days before = Saturday 10:00, already past: it goes at the next 08:00.
    assert_eq!(
        from_db(of_kind(&rows, "preparation")[0].due_at),
        t("2030-06-03T07:00:00Z")
    );
}

#[tokio::test]
async fn a_reschedule_moves_the_planned_emails() {
    let app = TestApp::spawn().await;
    let b = peel_next_week(&app).await;
    let (s, _) = app
        .post_json(
            &format!("/api/v1/bookings/{}/reschedule", b.token),
            &json!({"start": "2030-06-18T15:00:00+01:00"}),
        )
        .await;
    assert_eq!(s, 200);
    let rows = app.outbox_of(b.id);
    assert_eq!(rows.len(), 3, "moved, not duplicated");
    assert_eq!(
        from_db(of_kind(&rows, "preparation")[0].due_at),
        t("2030-06-13T14:00:00Z")
    );
    assert_eq!(
        from_db(of_kind(&rows, "reminder")[0].due_at),
        t("2030-06-17T14:00:00Z")
    );
}

#[tokio::test]
async fn a_cancel_cancels_the_planned_emails_and_plans_its_own() {
    let app = TestApp::spawn().await;
    let b = peel_next_week(&app).await;
    let (s, _) = app
        .post_json(&format!("/api/v1/bookings/{}/cancel", b.token), &json!({}))
        .await;
    assert_eq!(s, 200);
    let rows = app.outbox_of(b.id);
    for kind in ["confirmation", "preparation", "reminder"] {
        let r = of_kind(&rows, kind)[0];
        assert_eq!(r.status, "cancelled", "{kind}");
    }
    let cancellation = of_kind(&rows, "cancellation");
    assert_eq!(cancellation.len(), 1);
    assert_eq!(cancellation[0].status, "planned");
    assert_eq!(from_db(cancellation[0].due_at), t(NOW));
}

#[tokio::test]
async fn the_confirmation_renders_both_parts_the_clinic_and_the_ics() {
    let app = TestApp::spawn().await;
    let b = peel_next_week(&app).await;
    let rows = app.outbox_of(b.id);
    let mut c = app.state.pool.get().unwrap();
    let Rendered::Send(email, _) =
        render(&mut c, of_kind(&rows, "confirmation")[0], &ctx(&app)).unwrap()
    else {
        panic!("the confirmation is sent");
    };
    assert_eq!(email.to, "ann@example.org");
    assert_eq!(
        email.subject,
        "Your chemical peel is booked for Tuesday 11 June 2030 at 10:00 (BST)"
    );
    assert!(email.text.contains("Hello Ann Lee,"));
    assert!(email.text.contains("Carepath Skin Clinic") && email.text.contains("+44 20 7946 0000"));
    assert!(
        email.html.contains("<a href=\"http"),
        "links in the HTML part"
    );
    assert!(email.html.contains("style=\""), "inline styles");
    assert!(email.message_id.ends_with("@clinic.test") && email.message_id.starts_with("appt-"));
    let ics = email.ics.expect("confirmation carries the .ics");
    assert!(ics.contains("DTSTART:20300611T090000Z"));
    assert!(
        email.unsubscribe_url.is_none(),
        "no opt-out on a confirmation"
    );
}

#[tokio::test]
async fn the_preparation_renders_its_bullets_as_a_list() {
    let app = TestApp::spawn().await;
    let b = peel_next_week(&app).await;
    let rows = app.outbox_of(b.id);
    let mut c = app.state.pool.get().unwrap();
    let Rendered::Send(prep, _) =
        render(&mut c, of_kind(&rows, "preparation")[0], &ctx(&app)).unwrap()
    else {
        panic!()
    };
    assert!(prep.text.contains("Pause retinoids"));
    assert!(prep.html.contains("<ul"), "bullets become a list");
    assert!(prep.ics.is_none());
}

/// Ann's peel on Tuesday 4 June, completed at 10:50 BST and planned (as staff will) at 10:55:
/// aftercare, check-in and follow-up get planned.
async fn completed_peel(app: &TestApp) -> i32 {
    let id = app
        .booked("chemical-peel", "2030-06-04T10:00:00+01:00", 2, &ANN)
        .await
        .id;
    let mut c = app.state.pool.get().unwrap();
    use carepath::db::schema::appointments;
    diesel::update(appointments::table.find(id))
        .set((
            appointments::status.eq("completed"),
            appointments::completed_at
                .eq(Some(carepath::db::models::to_db(t("2030-06-04T09:50:00Z")))),
        ))
        .execute(&mut *c)
        .unwrap();
    let appt = carepath::db::appointments::by_id(&mut c, id).unwrap();
    let clinic = carepath::service::clinic::load(&mut c).unwrap();
    carepath::service::planning::on_completed(&mut c, &clinic, t("2030-06-04T09:55:00Z"), &appt)
        .unwrap();
    id
}

#[tokio::test]
async fn completion_plans_aftercare_and_follow_ups_from_the_actual_end() {
    let app = TestApp::spawn().await;
    let id = completed_peel(&app).await;
    let rows = app.outbox_of(id);
    assert_eq!(
        from_db(of_kind(&rows, "aftercare")[0].due_at),
        t("2030-06-04T09:55:00Z"),
        "promptly after completion"
    );
    assert_eq!(
        from_db(of_kind(&rows, "check_in")[0].due_at),
        t("2030-06-07T09:50:00Z"),
        "day 3 from the actual end"
    );
    assert_eq!(
        from_db(of_kind(&rows, "follow_up")[0].due_at),
        t("2030-07-02T09:50:00Z"),
        "about 4 weeks"
    );
    assert_eq!(
        of_kind(&rows, "reminder")[0].status,
        "cancelled",
        "nothing before the session after it"
    );
}

#[tokio::test]
async fn patients_opt_out_of_follow_ups_by_post_only() {
    let app = TestApp::spawn().await;
    let id = completed_peel(&app).await;
    let rows = app.outbox_of(id);
    let mut c = app.state.pool.get().unwrap();
    let Rendered::Send(follow, links) =
        render(&mut c, of_kind(&rows, "follow_up")[0], &ctx(&app)).unwrap()
    else {
        panic!()
    };
    // As the dispatcher does before sending: the links the email carries are stored.
    carepath::service::links::store(&mut c, app.clock.now(), &links).unwrap();
    let url = follow
        .unsubscribe_url
        .clone()
        .expect("follow-ups carry an opt-out link");
    assert!(follow.text.contains(&url));
    let path = url.trim_start_matches(&app.address).to_string();
    drop(c);
    // GET shows a page and changes nothing.
    let (s, page) = app.get_text(&path).await;
    assert_eq!(s, 200);
    assert!(page.contains("Stop check-ins and follow-ups"));
    let (s, _) = app.get_text(&path).await;
    assert_eq!(s, 200);
    assert_eq!(
        of_kind(&app.outbox_of(id), "follow_up")[0].status,
        "planned"
    );
    // The one-click POST (RFC 8058) opts out.
    let r = app
        .client
        .post(app.url(&path))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let rows = app.outbox_of(id);
    assert_eq!(of_kind(&rows, "follow_up")[0].status, "cancelled");
    assert_eq!(of_kind(&rows, "check_in")[0].status, "cancelled");
    assert_eq!(
        of_kind(&rows, "aftercare")[0].status,
        "planned",
        "aftercare for a session still goes"
    );
    // Even a follow-up re-planned later is skipped at send time.
    let mut c = app.state.pool.get().unwrap();
    let mut row = of_kind(&rows, "follow_up")[0].clone();
    row.status = "planned".into();
    assert!(matches!(
        render(&mut c, &row, &ctx(&app)).unwrap(),
        Rendered::Skip(_)
    ));
    assert_eq!(
        app.get_text("/unsubscribe/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn staff_see_the_message_log() {
    let app = TestApp::spawn().await;
    peel_next_week(&app).await;
    let admin = app.staff(Role::Admin).await;
    let (s, page) = admin.get_text("/staff/messages").await;
    assert_eq!(s, 200);
    assert!(page.contains("ann@example.org") && page.contains("Preparation"));
}

#[tokio::test]
async fn admins_cancel_a_planned_message_once() {
    let app = TestApp::spawn().await;
    let b = peel_next_week(&app).await;
    let admin = app.staff(Role::Admin).await;
    // A second cancel is refused with a message.
    let prep = of_kind(&app.outbox_of(b.id), "preparation")[0].id;
    let r = admin
        .post(&format!("/staff/messages/{prep}/cancel"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let r = admin
        .post(&format!("/staff/messages/{prep}/cancel"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 409);
    assert_eq!(
        of_kind(&app.outbox_of(b.id), "preparation")[0].status,
        "cancelled"
    );
}

/// Marks the booking's confirmation dead after its last try: its id.
fn dead_confirmation(app: &TestApp, b: &Booked) -> i32 {
    let conf = of_kind(&app.outbox_of(b.id), "confirmation")[0].id;
    let mut c = app.state.pool.get().unwrap();
    diesel::update(outbox::table.find(conf))
        .set((outbox::status.eq("dead"), outbox::attempts.eq(8)))
        .execute(&mut *c)
        .unwrap();
    conf
}

#[tokio::test]
async fn admins_retry_a_dead_message() {
    let app = TestApp::spawn().await;
    let b = peel_next_week(&app).await;
    let admin = app.staff(Role::Admin).await;
    let conf = dead_confirmation(&app, &b);
    let r = admin
        .post(&format!("/staff/messages/{conf}/retry"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let after = of_kind(&app.outbox_of(b.id), "confirmation")[0].clone();
    assert_eq!((after.status.as_str(), after.attempts), ("planned", 0));
}

#[tokio::test]
async fn the_front_desk_reads_the_message_log_but_cannot_act() {
    let app = TestApp::spawn().await;
    let b = peel_next_week(&app).await;
    let conf = dead_confirmation(&app, &b);
    let desk = app.staff(Role::FrontDesk).await;
    assert_eq!(desk.get_text("/staff/messages?status=planned").await.0, 200);
    assert_eq!(
        desk.post(&format!("/staff/messages/{conf}/cancel"), &[])
            .await
            .status()
            .as_u16(),
        403
    );
    for action in ["cancel", "retry"] {
        let r = desk
            .post(&format!("/staff/messages/{conf}/{action}"), &[])
            .await;
        assert_eq!(r.status().as_u16(), 403, "{action}");
    }
    assert_eq!(
        of_kind(&app.outbox_of(b.id), "confirmation")[0].status,
        "dead"
    );
}

#[tokio::test]
async fn the_care_plans_page_lists_every_treatments_steps() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let (s, page) = admin.get_text("/staff/care-plans").await;
    assert_eq!(s, 200);
    for t in [
        "Chemical peel",
        "Laser resurfacing",
        "Microdermabrasion",
        "Microneedling",
        "5 days before the appointment",
        "14 days before",
        "3 days after the session",
    ] {
        assert!(page.contains(t), "care plans page lacks {t}");
    }
}

#[tokio::test]
async fn admins_edit_care_plan_steps_with_a_preview() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let (s, step) = admin.get_text("/staff/care-plans/steps/2").await;
    assert_eq!(s, 200);
    assert!(
        step.contains("Ann Example"),
        "the preview is rendered with sample data"
    );
    let r = admin
        .post(
            "/staff/care-plans/steps/2",
            &[
                ("offset", "abc"),
                ("offset_unit", "days"),
                ("subject", ""),
                ("body", "x"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let r = admin
        .post(
            "/staff/care-plans/steps/2",
            &[
                ("offset", "-4"),
                ("offset_unit", "days"),
                ("subject", "Getting ready, {patient_name}"),
                ("body", "Hello {patient_name}."),
                ("active", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, step) = admin.get_text("/staff/care-plans/steps/2?saved=1").await;
    assert!(step.contains("Getting ready, Ann Example"));
    // New bookings follow the new offset.
    let b = peel_next_week(&app).await;
    let rows = app.outbox_of(b.id);
    assert_eq!(
        from_db(of_kind(&rows, "preparation")[0].due_at),
        t("2030-06-07T09:00:00Z")
    );
}

#[tokio::test]
async fn completion_through_the_console_plans_aftercare() {
    let app = TestApp::spawn().await;
    let done = app
        .booked("microneedling", "2030-06-03T10:00:00+01:00", 2, &ANN)
        .await;
    // 15:30 BST: it has started.
    app.clock.set(t("2030-06-03T14:30:00Z"));
    let desk = app.staff(Role::FrontDesk).await;
    let id = done.id;
    let r = desk
        .post(
            &format!("/staff/appointments/{id}/complete"),
            &[("ended_at", "11:20")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303, "{}", r.text().await.unwrap());
    let rows = app.outbox_of(id);
    assert_eq!(
        from_db(of_kind(&rows, "aftercare")[0].due_at),
        t("2030-06-03T14:30:00Z"),
        "aftercare goes now"
    );
    assert_eq!(
        from_db(of_kind(&rows, "check_in")[0].due_at),
        t("2030-06-06T10:20:00Z"),
        "day 3 from 11:20 BST"
    );
    assert!(of_kind(&rows, "missed").is_empty());
    let (_, page) = desk.get_text(&format!("/staff/appointments/{id}")).await;
    assert!(
        page.contains("Aftercare") && page.contains("Check-in"),
        "the appointment page lists its emails"
    );
}

#[tokio::test]
async fn a_no_show_through_the_console_plans_we_missed_you() {
    let app = TestApp::spawn().await;
    let bob = Patient::new("Ann Lee", "bob@example.org");
    let missed = app
        .booked("microdermabrasion", "2030-06-03T14:00:00+01:00", 2, &bob)
        .await;
    // 15:30 BST: it has started.
    app.clock.set(t("2030-06-03T14:30:00Z"));
    let desk = app.staff(Role::FrontDesk).await;
    let id = missed.id;
    let r = desk
        .post(&format!("/staff/appointments/{id}/no-show"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let rows = app.outbox_of(id);
    assert_eq!(of_kind(&rows, "missed").len(), 1, "we missed you");
    assert_eq!(
        from_db(of_kind(&rows, "missed")[0].due_at),
        t("2030-06-03T16:30:00Z"),
        "two hours after it was marked"
    );
    assert!(
        of_kind(&rows, "aftercare").is_empty(),
        "no aftercare for a session that did not happen"
    );
    assert_eq!(of_kind(&rows, "reminder")[0].status, "cancelled");
}

#[tokio::test]
async fn the_sending_window_is_configurable() {
    // CAREPATH_QUIET_HOURS=09:30-17:00. Booked at 08:00 BST for Thursday: the overdue-but-useful
    // preparation waits for 09:30, the confirmation doesn't.
    let app = TestApp::spawn_with(Options {
        send_window: Some((9 * 60 + 30, 17 * 60)),
        ..Options::default()
    })
    .await;
    let b = app
        .booked("chemical-peel", "2030-06-06T14:00:00+01:00", 2, &ANN)
        .await;
    let rows = app.outbox_of(b.id);
    assert_eq!(from_db(of_kind(&rows, "confirmation")[0].due_at), t(NOW));
    assert_eq!(
        from_db(of_kind(&rows, "preparation")[0].due_at),
        t("2030-06-03T08:30:00Z")
    );
    // The reminder (24 h before, 14:00 BST) is inside the window and stays.
    assert_eq!(
        from_db(of_kind(&rows, "reminder")[0].due_at),
        t("2030-06-05T13:00:00Z")
    );
}

#[tokio::test]
async fn a_new_sending_window_at_start_is_saved_once_and_audited() {
    use carepath::config::{Clock, Settings};
    let app = TestApp::spawn().await;
    let prepare = |window: Option<(u16, u16)>| {
        let mut settings = Settings::for_database(&app.database_url).expect("settings");
        settings.mail.send_window = window;
        carepath::startup::prepare_database(&settings, &Clock::fixed(t(NOW))).expect("prepared")
    };
    let state = |pool: &carepath::db::Pool| {
        let mut c = pool.get().unwrap();
        let row = carepath::db::clinic::clinic(&mut c).unwrap().unwrap();
        let audit = carepath::db::audit::for_subject(&mut c, "clinic", row.id).unwrap();
        let entries: Vec<_> = audit
            .into_iter()
            .filter(|a| a.action == "clinic.mail_window")
            .map(|a| (a.actor_kind, a.before_json, a.after_json))
            .collect();
        ((row.mail_window_start, row.mail_window_end), entries)
    };
    // The same window as stored (the default): nothing written, nothing recorded.
    let pool = prepare(Some((8 * 60, 20 * 60)));
    assert_eq!(state(&pool), ((480, 1200), vec![]));
    // A new one: saved, with who and what in the trail.
    let pool = prepare(Some((9 * 60, 17 * 60)));
    let (window, entries) = state(&pool);
    assert_eq!(window, (540, 1020));
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].0, "system");
    let before: serde_json::Value = serde_json::from_str(entries[0].1.as_deref().unwrap()).unwrap();
    let after: serde_json::Value = serde_json::from_str(entries[0].2.as_deref().unwrap()).unwrap();
    assert_eq!(
        before,
        json!({"mail_window_start": 480, "mail_window_end": 1200})
    );
    assert_eq!(
        after,
        json!({"mail_window_start": 540, "mail_window_end": 1020})
    );
    // Started again with the same configuration, or without one: no second entry.
    let pool = prepare(Some((9 * 60, 17 * 60)));
    assert_eq!(state(&pool).1.len(), 1);
    let pool = prepare(None);
    let (window, entries) = state(&pool);
    assert_eq!((window, entries.len()), ((540, 1020), 1));
}
