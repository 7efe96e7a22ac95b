//! Clinical safety in the staff console: the appointment page shows the answers (with the
//! version answered) and the consent agreed, flagged appointments stay on the dashboard until a
//! practitioner marks them reviewed (audited), "screening pending" on the day view, consultations
//! recorded at the desk clearing laser, and admin edits that version questions and consent.

use carepath::dispatch::render::{RenderContext, Rendered, render};
use carepath::domain::staff::Role;
use serde_json::json;

use crate::helpers::*;

const START: &str = "2030-06-04T10:00:00+01:00";

/// Ann's peel with Jonah at 10:00, one "review" question answered yes: (id, that question).
async fn flagged_booking(app: &TestApp) -> (i32, Question) {
    let qs = app.questions("chemical-peel").await;
    let review = with_effect(&qs, "review").clone();
    let mut body = booking_body("chemical-peel", START, Some(2), &ANN);
    body["screening"] = answers(&qs, &[review.id]);
    let (status, b) = app.post_json("/api/v1/bookings", &body).await;
    assert_eq!(status, 201, "{b}");
    (b["id"].as_i64().unwrap() as i32, review)
}

#[tokio::test]
async fn flagged_answers_are_listed_until_a_practitioner_reviews_them() {
    let app = TestApp::spawn().await;
    let (id, review) = flagged_booking(&app).await;
    let desk = app.staff(Role::FrontDesk).await;
    let (_, dash) = desk.get_text("/staff").await;
    assert!(dash.contains("Screening answers to review (1)"), "{dash}");
    assert!(dash.contains(&format!("href=\"/staff/appointments/{id}\"")));
    // The appointment page: the answers with their version, the consent agreed.
    let (_, page) = desk.get_text(&format!("/staff/appointments/{id}")).await;
    assert!(page.contains(&review.text));
    assert!(page.contains("(v1)"));
    assert!(page.contains("Answers to review before the session"));
    assert!(page.contains("Consent text, version 1"));
    assert!(page.contains("127.0.0.1"));
    // The front desk can't mark it reviewed; a practitioner can, once.
    assert!(!page.contains("Mark reviewed"));
    let r = desk
        .post(&format!("/staff/appointments/{id}/screening/reviewed"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 403);
    let jonah = app.staff(Role::Practitioner).await;
    let (_, own) = jonah.get_text(&format!("/staff/appointments/{id}")).await;
    assert!(own.contains("Mark reviewed"));
    let r = jonah
        .post(&format!("/staff/appointments/{id}/screening/reviewed"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let trail = app.audit_trail("appointment", id);
    let entry = trail
        .iter()
        .find(|e| e.action == "appointment.screening_reviewed")
        .expect("audited");
    assert_eq!(entry.actor_kind, "staff");
    let (_, dash) = desk.get_text("/staff").await;
    assert!(!dash.contains("Screening answers to review"));
    let (_, page) = desk.get_text(&format!("/staff/appointments/{id}")).await;
    assert!(page.contains("Reviewed by practitioner@clinic.example"));
    let r = jonah
        .post(&format!("/staff/appointments/{id}/screening/reviewed"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 409);
}

#[tokio::test]
async fn screening_pending_shows_on_the_day_view_and_the_reminder_asks_again() {
    let app = TestApp::spawn().await;
    let pending = app.booked("chemical-peel", START, 2, &ANN).await;
    let (answered, _) = {
        let qs = app.questions("microdermabrasion").await;
        let mut body = booking_body(
            "microdermabrasion",
            "2030-06-04T12:00:00+01:00",
            Some(2),
            &ANN,
        );
        body["screening"] = answers(&qs, &[]);
        let (status, b) = app.post_json("/api/v1/bookings", &body).await;
        assert_eq!(status, 201, "{b}");
        (b["id"].as_i64().unwrap() as i32, ())
    };
    let desk = app.staff(Role::FrontDesk).await;
    let (_, day) = desk.get_text("/staff/day?date=2030-06-04").await;
    let block = |id: i32| {
        let at = day
            .find(&format!("data-appointment=\"{id}\""))
            .expect("block");
        let end = day[at..].find("</a>").unwrap();
        day[at..at + end].to_string()
    };
    assert!(block(pending.id).contains("Screening pending"));
    assert!(!block(answered).contains("Screening pending"));
    let (_, page) = desk
        .get_text(&format!("/staff/appointments/{}", pending.id))
        .await;
    assert!(page.contains("Screening pending"));
    // The reminder (the real renderer) asks for the answers; not once answered.
    let reminder = |id: i32| {
        let row = app
            .outbox_of(id)
            .into_iter()
            .find(|r| r.kind == "reminder")
            .expect("a reminder");
        let mut c = app.state.pool.get().unwrap();
        let ctx = RenderContext {
            base_url: app.address.clone(),
            host: "clinic.test".into(),
            now: app.clock.now(),
        };
        match render(&mut c, &row, &ctx).expect("render") {
            Rendered::Send(e, links) => {
                // As the dispatcher does before sending: the links the email carries are stored.
                carepath::service::links::store(&mut c, app.clock.now(), &links).unwrap();
                e.text
            }
            Rendered::Skip(why) => panic!("skipped: {why}"),
        }
    };
    let text = reminder(pending.id);
    assert!(
        text.contains("please answer our health questions"),
        "{text}"
    );
    // The email's own manage link, to the questionnaire, works.
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/appointments/") && w.ends_with("/screening"))
        .expect("the questionnaire link");
    let (status, page) = app.get_text(&link[app.address.len()..]).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Health questions for your appointment"),
        "{page}"
    );
    assert!(!reminder(answered).contains("health questions"));
}

#[tokio::test]
async fn a_consultation_recorded_at_the_desk_clears_laser() {
    let app = TestApp::spawn().await;
    let laser = "2030-06-04T09:00:00+01:00";
    let (status, _) = app
        .book("laser-resurfacing", laser, Some(1), "ann@example.org")
        .await;
    assert_eq!(status, 409);
    // Ann comes in for something else; the desk records the consultation done in person.
    let micro = app
        .booked("microdermabrasion", "2030-06-04T11:00:00+01:00", 2, &ANN)
        .await;
    let desk = app.staff(Role::FrontDesk).await;
    let (_, page) = desk
        .get_text(&format!("/staff/appointments/{}", micro.id))
        .await;
    assert!(page.contains("None recorded for this patient."));
    let r = desk
        .post(
            &format!("/staff/appointments/{}/consultations", micro.id),
            &[("kind", "patch_test")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    // A patch test alone isn't a consultation.
    let (status, _) = app
        .book("laser-resurfacing", laser, Some(1), "ann@example.org")
        .await;
    assert_eq!(status, 409);
    let r = desk
        .post(
            &format!("/staff/appointments/{}/consultations", micro.id),
            &[("kind", "consultation")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let r = desk
        .post(
            &format!("/staff/appointments/{}/consultations", micro.id),
            &[("kind", "x-ray")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let (_, page) = desk
        .get_text(&format!("/staff/appointments/{}", micro.id))
        .await;
    assert!(page.contains("Patch test, "));
    assert!(page.contains("Consultation, "));
    assert!(
        app.audit_trail("appointment", micro.id)
            .iter()
            .any(|e| e.action == "patient.consultation_recorded")
    );
    let (status, b) = app
        .book("laser-resurfacing", laser, Some(1), "ann@example.org")
        .await;
    assert_eq!(status, 201, "{b}");
}

#[tokio::test]
async fn a_completed_consultation_appointment_clears_laser() {
    let app = TestApp::spawn().await;
    let bea = Patient::new("Bea Cole", "bea@example.org");
    let c = app
        .booked("consultation", "2030-06-03T09:00:00+01:00", 2, &bea)
        .await;
    app.set_status(c.id, "completed");
    let (status, b) = app
        .book_for(
            "laser-resurfacing",
            "2030-06-04T09:00:00+01:00",
            Some(1),
            &bea,
        )
        .await;
    assert_eq!(status, 201, "{b}");
}

#[tokio::test]
async fn admin_edits_make_new_versions_and_old_answers_keep_theirs() {
    let app = TestApp::spawn().await;
    let (id, review) = flagged_booking(&app).await;
    let admin = app.staff(Role::Admin).await;
    let (status, page) = admin.get_text("/staff/treatments/1/clinical").await;
    assert_eq!(status, 200);
    assert!(page.contains(&review.text));
    let path = format!("/staff/treatments/1/screening/{}", review.id);
    // A bad edit changes nothing and says why.
    let r = admin
        .post(&path, &[("text", " "), ("effect", "review")])
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let r = admin
        .post(
            &path,
            &[
                ("text", "Do you scar easily, or have raised scars?"),
                ("effect", "block"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    // Booking clients see the new version under a new id, and an answer to the old one is refused.
    let qs = app.questions("chemical-peel").await;
    assert!(!qs.iter().any(|q| q.id == review.id));
    let new = qs
        .iter()
        .find(|q| q.text == "Do you scar easily, or have raised scars?")
        .expect("the new version");
    assert_eq!(new.effect, "block");
    let mut old_answers = booking_body("chemical-peel", "2030-06-04T11:00:00+01:00", Some(2), &ANN);
    let mut stale = answers(&qs, &[]);
    stale
        .as_object_mut()
        .unwrap()
        .insert(review.id.to_string(), json!(false));
    old_answers["screening"] = stale;
    let (status, _) = app.post_json("/api/v1/bookings", &old_answers).await;
    assert_eq!(status, 422);
    // The appointment answered before still shows the words it answered, as version 1.
    let (_, appt) = admin.get_text(&format!("/staff/appointments/{id}")).await;
    assert!(appt.contains(&review.text));
    assert!(!appt.contains("Do you scar easily"));
    assert!(
        app.stored_answers(id)
            .iter()
            .any(|(q, _)| *q as i64 == review.id)
    );
    // Consent: a new version; the old agreement keeps version 1, and both texts stay readable.
    let r = admin
        .post(
            "/staff/treatments/1/consent",
            &[(
                "consent",
                "New wording of the consent.\n\nCall us if in doubt.",
            )],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        app.treatment_json("chemical-peel").await["consent_version"],
        2
    );
    let (_, v2) = app.get_text("/treatments/chemical-peel/consent").await;
    assert!(v2.contains("New wording of the consent.") && v2.contains("Version 2"));
    let (_, v1) = app
        .get_text("/treatments/chemical-peel/consent?version=1")
        .await;
    assert!(v1.contains("Version 1") && !v1.contains("New wording"));
    let (_, appt) = admin.get_text(&format!("/staff/appointments/{id}")).await;
    assert!(appt.contains("Consent text, version 1"));
    // The consultation requirement is a setting; nonsense is named.
    let r = admin
        .post("/staff/treatments/1/consultation", &[("months", "99")])
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let r = admin
        .post("/staff/treatments/1/consultation", &[("months", "3")])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        app.treatment_json("chemical-peel").await["consultation_required_months"],
        3
    );
    // Removing a question stops asking it; and only admins edit.
    let r = admin
        .post(
            &format!("/staff/treatments/1/screening/{}/remove", new.id),
            &[],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(app.questions("chemical-peel").await.len(), qs.len() - 1);
    let r = admin
        .post(
            "/staff/treatments/1/screening",
            &[
                ("new_text", "Any allergies to skincare products?"),
                ("new_effect", "info"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(app.questions("chemical-peel").await.len(), qs.len());
    let desk = app.staff(Role::FrontDesk).await;
    let r = desk
        .post(&path, &[("text", "x?"), ("effect", "info")])
        .await;
    assert_eq!(r.status().as_u16(), 403);
    assert!(
        app.audit_trail("treatment", 1)
            .iter()
            .any(|e| e.action == "treatment.screening_question_edit")
    );
}

#[tokio::test]
async fn the_export_holds_answers_and_consent_and_erasing_removes_them() {
    let app = TestApp::spawn().await;
    let (id, review) = flagged_booking(&app).await;
    let patient_id = app.appointment(id).patient_id;
    let admin = app.staff(Role::Admin).await;
    let (status, body) = admin
        .get_text(&format!("/staff/patients/{patient_id}/export.json"))
        .await;
    assert_eq!(status, 200);
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    let answers = doc["screening_answers"].as_array().unwrap();
    assert!(
        answers
            .iter()
            .any(|a| a["question"] == review.text.as_str() && a["answer"] == true)
    );
    assert!(answers.iter().all(|a| a["question_version"] == 1));
    let consent = &doc["consent_records"][0];
    assert_eq!(consent["consent_version"], 1);
    assert_eq!(consent["ip"], "127.0.0.1");
    let to = admin
        .post_redirect(
            &format!("/staff/patients/{patient_id}/erase"),
            &[("confirm", "yes")],
        )
        .await;
    assert!(to.contains("erased=1"));
    assert!(app.stored_answers(id).is_empty());
    let record = app
        .consent_record(id)
        .expect("the agreement stays, anonymous");
    assert_eq!(record.ip, None);
    assert_eq!(record.user_agent, None);
}

/// The email a consultation's follow-up renders to (or why it is skipped).
fn follow_up_of(app: &TestApp, id: i32) -> Result<String, String> {
    let row = app
        .outbox_of(id)
        .into_iter()
        .find(|r| r.kind == "follow_up")
        .expect("a follow-up planned at completion");
    let mut c = app.state.pool.get().unwrap();
    let ctx = RenderContext {
        base_url: app.address.clone(),
        host: "clinic.test".into(),
        now: app.clock.now(),
    };
    match render(&mut c, &row, &ctx).expect("render") {
        Rendered::Send(e, _) => Ok(e.text),
        Rendered::Skip(why) => Err(why),
    }
}

/// A consultation today at 09:00, checked in, the consultation recorded (`cleared` or not),
/// then completed at 09:50 BST.
async fn consultation_done(
    app: &TestApp,
    desk: &StaffClient,
    who: &Patient<'_>,
    cleared: &str,
) -> i32 {
    let c = app
        .booked("consultation", "2030-06-03T09:00:00+01:00", 2, who)
        .await;
    let r = desk
        .post(&format!("/staff/appointments/{}/check-in", c.id), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let r = desk
        .post(
            &format!("/staff/appointments/{}/consultations", c.id),
            &[("kind", "consultation"), ("cleared", cleared)],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    app.clock.set(t("2030-06-03T08:50:00Z"));
    let r = desk
        .post(
            &format!("/staff/appointments/{}/complete", c.id),
            &[("ended_at", "09:30")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    c.id
}

#[tokio::test]
async fn a_consultation_that_cleared_laser_emails_a_link_to_book_it() {
    let app = TestApp::spawn().await;
    let bea = Patient::new("Bea Cole", "bea@example.org");
    let desk = app.staff(Role::FrontDesk).await;
    let id = consultation_done(&app, &desk, &bea, "2").await;
    let text = follow_up_of(&app, id).expect("sent");
    assert!(text.contains("/book/laser-resurfacing"), "{text}");
    let (_, page) = desk.get_text(&format!("/staff/appointments/{id}")).await;
    assert!(page.contains("(cleared for Laser resurfacing)"));
    let (status, b) = app
        .book_for(
            "laser-resurfacing",
            "2030-06-04T09:00:00+01:00",
            Some(1),
            &bea,
        )
        .await;
    assert_eq!(status, 201, "{b}");
    // A patch test can't clear a treatment.
    let r = desk
        .post(
            &format!("/staff/appointments/{id}/consultations"),
            &[("kind", "patch_test"), ("cleared", "2")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
}

#[tokio::test]
async fn a_consultation_that_cleared_nothing_sends_no_booking_link() {
    let app = TestApp::spawn().await;
    let desk = app.staff(Role::FrontDesk).await;
    let id = consultation_done(&app, &desk, &ANN, "").await;
    let why = follow_up_of(&app, id).expect_err("skipped");
    assert!(why.contains("cleared no treatment"), "{why}");
}
