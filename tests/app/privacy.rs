//! Patients' data rights through the staff pages: the export holds one patient's data and no
//! one else's, erasure keeps the appointments as anonymous facts and kills the patient's links,
//! the retention job (run at a fixed "now") erases only those past the period, and the privacy
//! notice is public and editable by admins. On SQLite, and on PostgreSQL with
//! CAREPATH_TEST_POSTGRES.

use carepath::db::models::{PatientRow, to_db};
use carepath::domain::staff::Role;
use carepath::service::privacy::{RetentionReport, run_retention};
use diesel::prelude::*;
use serde_json::Value;

use crate::helpers::*;

const BEA: Patient<'static> = Patient::new("Bea Cole", "bea@example.org");

struct Two {
    ann: Booked,
    ann_id: i32,
    bea: Booked,
    bea_id: i32,
    ann_unsubscribe: String,
    bea_unsubscribe: String,
}

fn patient(app: &TestApp, id: i32) -> PatientRow {
    let mut c = app.state.pool.get().unwrap();
    carepath::db::patients::by_id(&mut c, id).unwrap()
}

/// Ann (with a phone and a note, her confirmation sent, an unsubscribe link) and Bea.
async fn two_patients(app: &TestApp) -> Two {
    let ann_p = ANN.with_phone("+44 20 7946 0001");
    // Laser resurfacing needs a consultation first (issue 10).
    app.consulted(&ann_p);
    let mut body = booking_body(
        "laser-resurfacing",
        "2030-06-04T09:00:00+01:00",
        Some(1),
        &ann_p,
    );
    body["note"] = "Sensitive skin on the left cheek".into();
    let (status, json) = app.post_json("/api/v1/bookings", &body).await;
    assert_eq!(status, 201, "{json}");
    let ann = Booked {
        id: json["id"].as_i64().unwrap() as i32,
        token: token_of(json["manage_url"].as_str().unwrap()),
        json,
    };
    let bea = app
        .booked("microdermabrasion", "2030-06-04T10:00:00+01:00", 2, &BEA)
        .await;
    let (ann_id, bea_id) = (
        app.appointment(ann.id).patient_id,
        app.appointment(bea.id).patient_id,
    );
    let (ann_unsubscribe, bea_unsubscribe) =
        (app.unsubscribe_token(ann_id), app.unsubscribe_token(bea_id));
    let mut c = app.state.pool.get().unwrap();
    // Ann's confirmation went out.
    {
        use carepath::db::schema::outbox;
        diesel::update(
            outbox::table
                .filter(outbox::appointment_id.eq(ann.id))
                .filter(outbox::kind.eq("confirmation")),
        )
        .set((
            outbox::status.eq("sent"),
            outbox::sent_at.eq(Some(to_db(app.clock.now()))),
        ))
        .execute(&mut *c)
        .unwrap();
    }
    Two {
        ann,
        ann_id,
        bea,
        bea_id,
        ann_unsubscribe,
        bea_unsubscribe,
    }
}

#[tokio::test]
async fn an_export_holds_the_patients_data_and_no_one_elses() {
    let app = TestApp::spawn().await;
    let two = two_patients(&app).await;
    let admin = app.staff(Role::Admin).await;

    let (_, page) = admin
        .get_text(&format!("/staff/patients/{}", two.ann_id))
        .await;
    let link = format!("/staff/patients/{}/export.json", two.ann_id);
    assert!(page.contains(&link), "the patient page links to the export");

    let r = admin.get(&link).await;
    assert_eq!(r.status().as_u16(), 200);
    let disposition = r
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(disposition.contains("attachment"), "{disposition}");
    let text = r.text().await.unwrap();
    let doc: Value = serde_json::from_str(&text).expect("one JSON document");
    assert_eq!(doc["patient"]["name"], "Ann Lee");
    assert_eq!(doc["patient"]["email"], "ann@example.org");
    assert_eq!(doc["patient"]["phone"], "+44 20 7946 0001");
    let appts = doc["appointments"].as_array().unwrap();
    assert_eq!(appts.len(), 1);
    assert_eq!(appts[0]["id"], two.ann.id);
    assert_eq!(appts[0]["treatment"]["slug"], "laser-resurfacing");
    assert_eq!(appts[0]["patient_note"], "Sensitive skin on the left cheek");
    let messages = doc["messages"].as_array().unwrap();
    assert!(!messages.is_empty());
    assert!(messages.iter().all(|m| m["appointment_id"] == two.ann.id));
    let sent = messages
        .iter()
        .find(|m| m["kind"] == "confirmation")
        .expect("the confirmation");
    assert_eq!(sent["status"], "sent");
    assert!(sent["sent_at"].is_string() && sent["due_at"].is_string());
    let audit = doc["audit"].as_array().unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a["subject_kind"] == "appointment" && a["subject_id"] == two.ann.id),
        "{audit:?}"
    );
    assert!(doc["screening_answers"].is_array() && doc["consent_records"].is_array());
    // Nothing of Bea's.
    for secret in [
        "Bea Cole",
        "bea@example.org",
        &two.bea.token,
        &two.bea_unsubscribe,
    ] {
        assert!(!text.contains(secret), "the export leaks {secret}");
    }
    assert!(
        audit
            .iter()
            .all(|a| a["subject_id"] != two.bea.id || a["subject_kind"] != "appointment")
    );

    // Admins only; an unknown patient is a 404.
    let desk = app.staff(Role::FrontDesk).await;
    assert_eq!(desk.get(&link).await.status().as_u16(), 403);
    assert_eq!(
        admin
            .get("/staff/patients/9999/export.json")
            .await
            .status()
            .as_u16(),
        404
    );
    assert_eq!(
        admin
            .get("/staff/patients/x/export.json")
            .await
            .status()
            .as_u16(),
        404
    );
}

#[tokio::test]
async fn erasing_a_patient_keeps_anonymous_appointments_and_kills_their_links() {
    let app = TestApp::spawn().await;
    let two = two_patients(&app).await;
    let admin = app.staff(Role::Admin).await;
    let erase = format!("/staff/patients/{}/erase", two.ann_id);
    let manage = format!("/appointments/{}", two.ann.token);
    let api = format!("/api/v1/bookings/{}", two.ann.token);
    let unsubscribe = format!("/unsubscribe/{}", two.ann_unsubscribe);
    assert_eq!(app.get(&manage).await.status().as_u16(), 200);
    assert_eq!(app.get(&unsubscribe).await.status().as_u16(), 200);
    // A second appointment of Ann's, which she cancelled giving a reason.
    let other = app
        .booked("chemical-peel", "2030-06-06T10:00:00+01:00", 3, &ANN)
        .await;
    let (status, body) = app
        .post_json(
            &format!("/api/v1/bookings/{}/cancel", other.token),
            &serde_json::json!({"reason": "Moving to Leeds"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        app.audit_trail("appointment", other.id).iter().any(|e| e
            .after_json
            .clone()
            .unwrap_or_default()
            .contains("Leeds"))
    );
    let planned_before = app
        .outbox_of(two.ann.id)
        .iter()
        .chain(app.outbox_of(other.id).iter())
        .filter(|r| r.status == "planned")
        .count();
    assert!(planned_before > 0, "booking planned reminders");
    let appointments_before = app.appointment_count();

    // The confirmation step: GET shows what will happen and changes nothing.
    let (status, page) = admin.get_text(&erase).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("ann@example.org") && page.contains("cancelled"),
        "{page}"
    );
    assert!(
        page.contains(&format!("{planned_before} planned email")),
        "{page}"
    );
    assert_eq!(patient(&app, two.ann_id).name, "Ann Lee");
    // Without the box ticked, nothing happens; without the CSRF token, neither.
    let (status, page) = admin.post_text(&erase, &[("confirm", "")]).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("tick the box"));
    let r = admin.post_raw(&erase, &[("confirm", "yes")]).await;
    assert_eq!(r.status().as_u16(), 403);
    let desk = app.staff(Role::FrontDesk).await;
    assert_eq!(
        desk.post(&erase, &[("confirm", "yes")])
            .await
            .status()
            .as_u16(),
        403
    );
    assert_eq!(patient(&app, two.ann_id).name, "Ann Lee");

    let to = admin.post_redirect(&erase, &[("confirm", "yes")]).await;
    assert_eq!(to, format!("/staff/patients/{}?erased=1", two.ann_id));

    // Personal data replaced by a unique placeholder.
    let p = patient(&app, two.ann_id);
    assert_eq!(p.name, "Erased patient");
    assert_eq!(p.email, format!("erased-{}@erased.invalid", two.ann_id));
    assert_eq!(p.phone, None);
    // Every link she was sent is gone (Bea's stay).
    let links = |id: i32| {
        use carepath::db::schema::link_tokens;
        let mut c = app.state.pool.get().unwrap();
        link_tokens::table
            .filter(link_tokens::patient_id.eq(id))
            .count()
            .get_result::<i64>(&mut *c)
            .unwrap()
    };
    assert_eq!(links(two.ann_id), 0);
    assert!(links(two.bea_id) > 0);
    // The appointment is still there, and still counted, without the note.
    assert_eq!(app.appointment_count(), appointments_before);
    let a = app.appointment(two.ann.id);
    assert_eq!(a.status, "booked");
    assert_eq!(a.patient_note, None);
    let (_, page) = admin.get_text("/staff/day?date=2030-06-04").await;
    assert!(
        page.contains("Erased patient") && !page.contains("Ann Lee"),
        "{page}"
    );
    // Planned messages cancelled; the sent one stays sent; none addressed to her any more.
    let rows: Vec<_> = app
        .outbox_of(two.ann.id)
        .into_iter()
        .chain(app.outbox_of(other.id))
        .collect();
    assert!(
        rows.iter()
            .all(|r| r.status != "planned" && r.status != "failed")
    );
    assert!(
        rows.iter().any(|r| r.status == "sent"),
        "what went out stays sent"
    );
    assert_eq!(
        rows.iter()
            .filter(|r| r.note.as_deref() == Some("patient erased"))
            .count(),
        planned_before
    );
    // Her cancel reason is gone from the appointment and from the audit trail.
    assert_eq!(app.appointment(other.id).cancel_reason, None);
    assert_eq!(app.appointment(other.id).status, "cancelled");
    for e in app.audit_trail("appointment", other.id) {
        let text = format!("{:?}{:?}", e.before_json, e.after_json);
        assert!(!text.contains("Leeds"), "{text}");
    }
    assert!(rows.iter().all(|r| r.recipient != "ann@example.org"));
    // Her links are dead.
    assert_eq!(app.get(&manage).await.status().as_u16(), 404);
    assert_eq!(app.get(&api).await.status().as_u16(), 404);
    assert_eq!(app.get(&unsubscribe).await.status().as_u16(), 404);
    assert_eq!(
        app.post_form(&unsubscribe, &[]).await.status().as_u16(),
        404
    );
    // Audited, with no personal data in the entry.
    let trail = app.audit_trail("patient", two.ann_id);
    let entry = trail
        .iter()
        .find(|e| e.action == "patient.erase")
        .expect("an audit entry");
    assert_eq!(entry.actor_label, "admin@clinic.example");
    assert!(
        !entry
            .after_json
            .clone()
            .unwrap_or_default()
            .contains("ann@")
    );
    // The export now holds the placeholder only.
    let (_, text) = admin
        .get_text(&format!("/staff/patients/{}/export.json", two.ann_id))
        .await;
    assert!(
        !text.contains("Ann Lee")
            && !text.contains("ann@example.org")
            && !text.contains("Sensitive skin")
    );
    // Erasing again is refused.
    let (status, _) = admin.post_text(&erase, &[("confirm", "yes")]).await;
    assert_eq!(status, 409);
    // Bea is untouched.
    assert_eq!(patient(&app, two.bea_id).name, "Bea Cole");
    assert_eq!(
        app.get(&format!("/appointments/{}", two.bea.token))
            .await
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        app.get(&format!("/unsubscribe/{}", two.bea_unsubscribe))
            .await
            .status()
            .as_u16(),
        200
    );
    assert!(
        app.outbox_of(two.bea.id)
            .iter()
            .any(|r| r.status == "planned")
    );
    // She may book again with her real address: a new record. (Not laser at once: her
    // consultation belonged to the erased record, and laser needs one first — issue 10.)
    let laser = starts(&app.slots("laser-resurfacing", "2030-06-04", None).await);
    let (status, refused) = app
        .book_for("laser-resurfacing", &laser[0], None, &ANN)
        .await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"], "consultation_required");
    let free = starts(&app.slots("microdermabrasion", "2030-06-04", None).await);
    let (status, body) = app
        .book_for("microdermabrasion", &free[0], None, &ANN)
        .await;
    assert_eq!(status, 201, "{body}");
    assert_ne!(
        app.appointment(body["id"].as_i64().unwrap() as i32)
            .patient_id,
        two.ann_id
    );
}

/// Sets the retention periods through the admin page.
async fn set_retention(admin: &StaffClient, patients: &str, audit: &str, sessions: &str) {
    admin
        .post_redirect(
            "/staff/privacy",
            &[
                ("notice", ""),
                ("patient_retention_days", patients),
                ("audit_retention_days", audit),
                ("session_retention_days", sessions),
            ],
        )
        .await;
}

fn retention_at(app: &TestApp, now: &str) -> RetentionReport {
    let mut c = app.state.pool.get().unwrap();
    run_retention(&mut c, t(now)).expect("retention job")
}

#[tokio::test]
async fn the_retention_job_erases_only_patients_past_the_period() {
    let app = TestApp::spawn().await;
    let two = two_patients(&app).await;
    let cara = Patient::new("Cara Dunn", "cara@example.org");
    let late = app
        .booked("chemical-peel", "2030-08-30T10:00:00+01:00", 3, &cara)
        .await;
    let cara_id = app.appointment(late.id).patient_id;
    // A staff session, which ends long before the job runs.
    let _first_session = app.staff(Role::Admin).await;

    // Off by default: a year on, nobody is erased, and the default audit period keeps the trail.
    let audit_before = app.audit_count();
    let report = retention_at(&app, "2031-06-10T03:30:00Z");
    assert_eq!(report.patients_erased, 0);
    assert_eq!(report.audit_entries_deleted, 0);
    assert!(
        report.sessions_deleted >= 1,
        "the admin's ended session: {report:?}"
    );
    assert_eq!(app.audit_count(), audit_before);
    assert_eq!(patient(&app, two.ann_id).name, "Ann Lee");

    // The job ended the admin's session (it expired long before 2031): log in again.
    let admin = app.login_as("admin@clinic.example", STAFF_PASSWORD).await;
    // Bad values are named, and nothing is saved.
    let (status, page) = admin
        .post_text(
            "/staff/privacy",
            &[
                ("notice", ""),
                ("patient_retention_days", "soon"),
                ("audit_retention_days", "0"),
                ("session_retention_days", "7"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("patient_retention_days-error")
            && page.contains("audit_retention_days-error")
    );

    // A year's retention, thirty days of audit trail.
    set_retention(&admin, "365", "30", "7").await;
    // On 10 June 2031 the cut-off is 10 June 2030: Ann (4 June) and Bea (4 June) are past it;
    // Cara's appointment (30 August) is within it.
    let report = retention_at(&app, "2031-06-10T03:30:00Z");
    assert_eq!(report.patients_erased, 2, "{report:?}");
    assert!(report.audit_entries_deleted > 0, "{report:?}");
    assert_eq!(patient(&app, two.ann_id).name, "Erased patient");
    assert_eq!(patient(&app, two.bea_id).name, "Erased patient");
    assert_eq!(patient(&app, cara_id).name, "Cara Dunn");
    assert_eq!(
        app.get(&format!("/appointments/{}", two.ann.token))
            .await
            .status()
            .as_u16(),
        404
    );
    assert_eq!(
        app.get(&format!("/appointments/{}", late.token))
            .await
            .status()
            .as_u16(),
        200
    );
    // Each erasure is audited (after the old entries went), by the system.
    let trail = app.audit_trail("patient", two.bea_id);
    let e = trail
        .iter()
        .find(|e| e.action == "patient.erase")
        .expect("audited");
    assert_eq!(e.actor_kind, "system");
    assert!(e.note.clone().unwrap_or_default().contains("365"));
    // The appointments are still counted.
    assert_eq!(app.appointment_count(), 3);
    // A second run the same night finds nothing more.
    let again = retention_at(&app, "2031-06-10T03:31:00Z");
    assert_eq!(again.patients_erased, 0);
}

#[tokio::test]
async fn the_privacy_notice_is_public_linked_from_booking_and_editable_by_admins() {
    let app = TestApp::spawn().await;
    let (status, page) = app.get_text("/privacy").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Privacy notice") && page.contains("What we keep"),
        "{page}"
    );
    let (_, details) = app
        .details_page(
            "chemical-peel",
            "start=2030-06-04T10%3A00%3A00%2B01%3A00&practitioner=2",
        )
        .await;
    assert!(
        details.contains("href=\"/privacy\""),
        "the booking form links to the notice"
    );

    let admin = app.staff(Role::Admin).await;
    let (status, form) = admin.get_text("/staff/privacy").await;
    assert_eq!(status, 200);
    assert!(
        form.contains("What we keep"),
        "the form starts from the default text"
    );
    admin
        .post_redirect(
            "/staff/privacy",
            &[
                (
                    "notice",
                    "We keep your <details> safe.\r\n\r\nAsk us anything.",
                ),
                ("patient_retention_days", ""),
                ("audit_retention_days", "2190"),
                ("session_retention_days", "7"),
            ],
        )
        .await;
    let (_, page) = app.get_text("/privacy").await;
    assert!(
        page.contains("<p>We keep your &#60;details&#62; safe.</p>"),
        "{page}"
    );
    assert!(page.contains("<p>Ask us anything.</p>"));
    assert!(!page.contains("What we keep"));
    let edits: i64 = {
        use carepath::db::schema::audit_log;
        let mut c = app.state.pool.get().unwrap();
        audit_log::table
            .filter(audit_log::action.eq("privacy.settings"))
            .count()
            .get_result(&mut *c)
            .unwrap()
    };
    assert_eq!(edits, 1, "the edit is audited");
    // Too long a notice is refused with the field named; other roles can't edit.
    let long = "x".repeat(10_001);
    let (status, page) = admin
        .post_text(
            "/staff/privacy",
            &[
                ("notice", long.as_str()),
                ("patient_retention_days", ""),
                ("audit_retention_days", ""),
                ("session_retention_days", "7"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("notice-error"));
    let desk = app.staff(Role::FrontDesk).await;
    assert_eq!(desk.get("/staff/privacy").await.status().as_u16(), 403);
    let r = desk
        .post(
            "/staff/privacy",
            &[("notice", "mine"), ("session_retention_days", "7")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 403);
    let (_, page) = app.get_text("/privacy").await;
    assert!(page.contains("Ask us anything."));
}
