//! Patient emails as they arrive over real SMTP, rendered by the real renderer at the moment
//! they are sent (a fixed clock): date words true on the day they arrive, the short preparation
//! for late bookings, the reminder before and after the online change cut-off, "we missed you"
//! after hours, moves and cancellations with their calendar updates.

use carepath::dispatch::dispatch_due;
use carepath::domain::staff::Role;
use chrono::{DateTime, Utc};
use mail_parser::MimeHeaders;
use serde_json::json;

use crate::helpers::mail::*;
use crate::helpers::smtp_server::{Received, SmtpServer};
use crate::helpers::*;

/// Sends everything due at `at` with the real renderer; the messages this pass delivered.
async fn send_due(app: &TestApp, server: &SmtpServer, at: DateTime<Utc>) -> Vec<Received> {
    let before = server.count();
    let mut d = dispatcher(app, &mail_settings(app, Some(server.url()), "unused"));
    d.render_fn = carepath::dispatch::RenderFn::Batch(carepath::dispatch::render::render_batch);
    let report = dispatch_due(&d, at).await.expect("dispatch");
    assert_eq!(report.failed + report.dead, 0, "{report}");
    server.received().split_off(before)
}

struct Mail {
    subject: String,
    text: String,
    html: String,
    ics: Option<String>,
    ics_type: Option<String>,
    unsubscribe: bool,
    reply_to: Option<String>,
}

fn read(r: &Received) -> Mail {
    let m = r.parsed();
    let ics_part = m.attachments().find(|a| {
        a.content_type()
            .is_some_and(|c| c.ctype() == "text" && c.subtype() == Some("calendar"))
    });
    Mail {
        subject: m.subject().unwrap_or_default().to_string(),
        text: m.body_text(0).unwrap_or_default().to_string(),
        html: m.body_html(0).unwrap_or_default().to_string(),
        ics: ics_part.map(|a| String::from_utf8_lossy(a.contents()).to_string()),
        ics_type: ics_part.and_then(|a| {
            a.content_type()
                .and_then(|c| c.attribute("method"))
                .map(str::to_string)
        }),
        unsubscribe: m.header("List-Unsubscribe").is_some(),
        reply_to: m
            .reply_to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(str::to_string),
    }
}

fn only(got: &[Received], subject_starts: &str) -> Mail {
    let found: Vec<Mail> = got
        .iter()
        .map(read)
        .filter(|m| m.subject.starts_with(subject_starts))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one '{subject_starts}…' among {:?}",
        got.iter().map(|r| read(r).subject).collect::<Vec<_>>()
    );
    found.into_iter().next().expect("one")
}

fn ics_line<'a>(ics: &'a str, name: &str) -> &'a str {
    ics.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .unwrap_or_else(|| panic!("no {name} in {ics}"))
        .trim()
}

#[tokio::test]
async fn a_late_booking_gets_the_short_preparation_with_the_sessions_date() {
    let server = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    // Monday 3 June 08:00 BST; laser on Thursday 6 June: inside its two weeks of preparation.
    app.booked("laser-resurfacing", "2030-06-06T10:00:00+01:00", 1, &ANN)
        .await;
    let got = send_due(&app, &server, t(NOW)).await;
    let prep = only(&got, "Preparing for your laser resurfacing");
    assert_eq!(
        prep.subject,
        "Preparing for your laser resurfacing on Thursday 6 June 2030 at 10:00 (BST)"
    );
    assert!(
        prep.text
            .contains("Your laser resurfacing is on Thursday 6 June, Thursday 6 June 2030 at 10:00 (BST): sooner than the two weeks"),
        "{}",
        prep.text
    );
    assert!(prep.text.contains(
        "call us on +44 20 7946 0000 before your visit if you can't follow this preparation"
    ));
    assert!(
        !prep
            .text
            .contains("for the last week before your treatment"),
        "no advice that can no longer be followed"
    );
}

#[tokio::test]
async fn a_preparation_on_time_names_the_day_and_keeps_the_full_advice() {
    let server = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    app.booked("chemical-peel", "2030-06-11T10:00:00+01:00", 2, &ANN)
        .await;
    send_due(&app, &server, t(NOW)).await;
    // Due 5 days before, Thursday 6 June 10:00 BST.
    let got = send_due(&app, &server, t("2030-06-06T09:00:00Z")).await;
    let prep = only(&got, "Preparing for your chemical peel");
    assert!(
        prep.text
            .contains("Your chemical peel is on Tuesday 11 June, Tuesday 11 June 2030 at 10:00 (BST). To prepare your skin over the five days before it:"),
        "{}",
        prep.text
    );
    assert!(prep.text.contains("from today"));
}

#[tokio::test]
async fn a_reminder_held_by_quiet_hours_into_the_same_day_says_today_and_to_call() {
    let server = SmtpServer::start().await;
    // Booked at 22:30 BST on Sunday for Monday 14:00: the reminder waits for 08:00 Monday.
    let app = TestApp::spawn_with(Options {
        now: "2030-06-02T21:30:00Z",
        ..Options::default()
    })
    .await;
    // The health questions answered at booking: the reminder has nothing to ask again (a
    // pending questionnaire adds its own link to the reminder, issue 10).
    let questions = app.questions("chemical-peel").await;
    let mut body = booking_body("chemical-peel", "2030-06-03T14:00:00+01:00", Some(2), &ANN);
    body["screening"] = answers(&questions, &[]);
    let (status, json) = app.post_json("/api/v1/bookings", &body).await;
    assert_eq!(status, 201, "{json}");
    let night = send_due(&app, &server, t("2030-06-02T21:30:00Z")).await;
    assert_eq!(night.len(), 1, "only the confirmation at night");
    let got = send_due(&app, &server, t("2030-06-03T07:00:00Z")).await;
    let r = only(&got, "Reminder");
    assert_eq!(r.subject, "Reminder: your chemical peel today at 14:00");
    assert!(
        r.text
            .contains("with Jonah Reyes today, Monday 3 June 2030 at 14:00 (BST)")
    );
    // Past the 24-hour cut-off: the phone, not a link that would refuse the change.
    assert!(
        r.text
            .contains("please call us on +44 20 7946 0000: it is now too close to your appointment to change it online"),
        "{}",
        r.text
    );
    assert!(!r.text.contains("/appointments/") && !r.html.contains("View or change"));
}

#[tokio::test]
async fn a_reminder_before_the_cutoff_links_to_the_change_and_says_until_when() {
    let server = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    app.booked("chemical-peel", "2030-06-11T10:00:00+01:00", 2, &ANN)
        .await;
    send_due(&app, &server, t(NOW)).await;
    // 48 hours before: Sunday 9 June 10:00 BST.
    let got = send_due(&app, &server, t("2030-06-09T09:00:00Z")).await;
    let r = only(&got, "Reminder");
    assert_eq!(
        r.subject,
        "Reminder: your chemical peel on Tuesday 11 June at 10:00"
    );
    assert!(
        r.text
            .contains("online until Monday 10 June 2030 at 10:00 (BST)")
    );
    assert!(r.html.contains("View or change your appointment"));
}

#[tokio::test]
async fn we_missed_you_after_hours_goes_next_morning_with_true_words_and_the_opt_out() {
    let server = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    let b = app
        .booked("microdermabrasion", "2030-06-03T16:00:00+01:00", 2, &ANN)
        .await;
    // Marked at 19:30 BST: two hours later is 21:30, outside the sending window.
    app.clock.set(t("2030-06-03T18:30:00Z"));
    let desk = app.staff(Role::FrontDesk).await;
    let r = desk
        .post(&format!("/staff/appointments/{}/no-show", b.id), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let evening = send_due(&app, &server, t("2030-06-03T20:30:00Z")).await;
    assert!(
        evening
            .iter()
            .all(|m| !read(m).subject.starts_with("We missed you"))
    );
    let got = send_due(&app, &server, t("2030-06-04T07:00:00Z")).await;
    let m = only(&got, "We missed you");
    assert_eq!(m.subject, "We missed you yesterday");
    assert!(
        m.text
            .contains("microdermabrasion yesterday, Monday 3 June 2030 at 16:00 (BST)")
    );
    assert!(m.unsubscribe, "one-click opt-out");
}

#[tokio::test]
async fn a_move_sends_the_new_time_with_an_updated_calendar_entry_and_plans_again() {
    let server = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    let b = app
        .booked("chemical-peel", "2030-06-11T10:00:00+01:00", 2, &ANN)
        .await;
    let first = send_due(&app, &server, t(NOW)).await;
    let conf = only(&first, "Your chemical peel is booked");
    assert!(conf.text.contains("The session takes about 45 minutes."));
    assert!(
        conf.text
            .contains("move or cancel it online until Monday 10 June 2030 at 10:00 (BST)")
    );
    let ics = conf.ics.expect("the confirmation's calendar entry");
    assert_eq!(ics_line(&ics, "METHOD"), "PUBLISH");
    assert_eq!(conf.ics_type.as_deref(), Some("PUBLISH"));
    assert_eq!(ics_line(&ics, "SEQUENCE"), "0");
    assert!(ics_line(&ics, "PRODID").contains("Carepath"));
    let uid = ics_line(&ics, "UID").to_string();
    // The download (any host) and the staff feed name the same event.
    let (_, download) = app
        .get_text(&format!("/appointments/{}/calendar.ics", b.token))
        .await;
    assert_eq!(ics_line(&download, "UID"), uid);
    // The preparation goes out on Thursday 6 June for the 11th.
    app.clock.set(t("2030-06-06T09:00:00Z"));
    let sent = send_due(&app, &server, t("2030-06-06T09:00:00Z")).await;
    only(&sent, "Preparing for your chemical peel");
    // Moved to Tuesday 18 June 15:00: told at once, and preparation is due again for it.
    let (s, _) = app
        .post_json(
            &format!("/api/v1/bookings/{}/reschedule", b.token),
            &json!({"start": "2030-06-18T15:00:00+01:00"}),
        )
        .await;
    assert_eq!(s, 200);
    let got = send_due(&app, &server, t("2030-06-06T09:00:00Z")).await;
    let moved = only(&got, "Your chemical peel has moved");
    assert_eq!(
        moved.subject,
        "Your chemical peel has moved to Tuesday 18 June 2030 at 15:00 (BST)"
    );
    assert!(moved.text.contains("Your appointment has moved."));
    let ics = moved.ics.expect("the updated calendar entry");
    assert_eq!(ics_line(&ics, "UID"), uid, "the same event");
    assert_eq!(ics_line(&ics, "SEQUENCE"), "1");
    assert_eq!(ics_line(&ics, "DTSTART"), "20300618T140000Z");
    let rows = app.outbox_of(b.id);
    let preps = of_kind(&rows, "preparation");
    assert_eq!(
        preps.len(),
        2,
        "the sent one stays, a new one for the new time"
    );
    assert_eq!(preps[1].status, "planned");
    assert_eq!(
        carepath::db::models::from_db(preps[1].due_at),
        t("2030-06-13T14:00:00Z")
    );
}

#[tokio::test]
async fn a_cancellation_removes_the_calendar_entry_and_says_who_cancelled() {
    let server = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    let mine = app
        .booked("chemical-peel", "2030-06-11T10:00:00+01:00", 2, &ANN)
        .await;
    let bob = Patient::new("Bob Ray", "bob@example.org");
    let theirs = app
        .booked("chemical-peel", "2030-06-12T10:00:00+01:00", 2, &bob)
        .await;
    send_due(&app, &server, t(NOW)).await;
    let (s, _) = app
        .post_json(
            &format!("/api/v1/bookings/{}/cancel", mine.token),
            &json!({}),
        )
        .await;
    assert_eq!(s, 200);
    let desk = app.staff(Role::FrontDesk).await;
    let r = desk
        .post(
            &format!("/staff/appointments/{}/cancel", theirs.id),
            &[("reason", "Jonah is unwell")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let got = send_due(&app, &server, t(NOW)).await;
    let cancels: Vec<Mail> = got
        .iter()
        .map(read)
        .filter(|m| m.subject.contains("is cancelled"))
        .collect();
    assert_eq!(cancels.len(), 2);
    let (patient, clinic) = if cancels[0].text.contains("Ann Lee") {
        (&cancels[0], &cancels[1])
    } else {
        (&cancels[1], &cancels[0])
    };
    assert!(patient.text.contains("cancellation you made") && !patient.text.contains("sorry"));
    assert!(
        clinic.text.contains("We are very sorry")
            && clinic.text.contains("The reason: Jonah is unwell.")
    );
    assert!(clinic.text.contains("/book/chemical-peel"), "how to rebook");
    for m in [patient, clinic] {
        let ics = m.ics.as_deref().expect("a calendar cancellation");
        assert_eq!(ics_line(ics, "METHOD"), "CANCEL");
        assert_eq!(m.ics_type.as_deref(), Some("CANCEL"));
        assert_eq!(ics_line(ics, "STATUS"), "CANCELLED");
        assert_eq!(ics_line(ics, "SEQUENCE"), "1");
    }
}

#[tokio::test]
async fn emails_carry_the_clinics_reply_to_out_of_hours_line_and_prices() {
    let server = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    app.booked("chemical-peel", "2030-06-11T10:00:00+01:00", 2, &ANN)
        .await;
    let got = send_due(&app, &server, t(NOW)).await;
    let conf = only(&got, "Your chemical peel is booked");
    assert_eq!(conf.reply_to.as_deref(), Some("hello@carepath.example"));
    assert!(conf.text.contains("The price is £80–£400 per session"));
    assert!(conf.text.contains("call NHS 111") && conf.html.contains("call NHS 111"));
    assert!(conf.html.contains("href=\"tel:+442079460000\""));
}

#[tokio::test]
async fn a_clinic_in_new_york_is_one_place_and_keeps_the_articles_dollar_prices() {
    let server = SmtpServer::start().await;
    let app = TestApp::spawn_with(Options {
        timezone: "America/New_York",
        now: "2030-06-03T12:00:00Z",
        ..Options::default()
    })
    .await;
    app.booked("chemical-peel", "2030-06-11T10:00:00-04:00", 2, &ANN)
        .await;
    let got = send_due(&app, &server, t("2030-06-03T12:00:00Z")).await;
    let conf = only(&got, "Your chemical peel is booked");
    assert!(conf.text.contains("The price is $100–$500 per session"));
    assert!(conf.text.contains("New York, NY") && conf.text.contains("+1 212"));
    assert!(conf.text.contains("call 911"));
    assert!(conf.subject.ends_with("at 10:00 (EDT)"));
}

/// Completes an appointment through the console at `ended` (clinic-local "HH:MM"), `at` being
/// the clock then.
async fn complete(app: &TestApp, id: i32, at: &str, ended: &str) {
    app.clock.set(t(at));
    complete_as(app, &app.staff(Role::FrontDesk).await, id, at, ended).await;
}

async fn complete_as(app: &TestApp, desk: &StaffClient, id: i32, at: &str, ended: &str) {
    app.clock.set(t(at));
    let r = desk
        .post(
            &format!("/staff/appointments/{id}/complete"),
            &[("ended_at", ended)],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
}

#[tokio::test]
async fn a_check_in_due_on_sunday_waits_for_monday() {
    let app = TestApp::spawn().await;
    // Microneedling on Thursday 6 June: three days on is Sunday, when the clinic is closed.
    let b = app
        .booked("microneedling", "2030-06-06T10:00:00+01:00", 2, &ANN)
        .await;
    complete(&app, b.id, "2030-06-06T10:30:00Z", "11:15").await;
    let rows = app.outbox_of(b.id);
    assert_eq!(
        carepath::db::models::from_db(of_kind(&rows, "check_in")[0].due_at),
        t("2030-06-10T10:15:00Z"),
        "Monday 10 June, 11:15 BST"
    );
}

#[tokio::test]
async fn aftercare_says_what_to_avoid_and_when_to_call() {
    let server = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    let needle = app
        .booked("microneedling", "2030-06-03T09:00:00+01:00", 2, &ANN)
        .await;
    let derm = app
        .booked("microdermabrasion", "2030-06-03T11:00:00+01:00", 2, &ANN)
        .await;
    let laser = app
        .booked("laser-resurfacing", "2030-06-03T13:00:00+01:00", 1, &ANN)
        .await;
    let desk = app.staff(Role::FrontDesk).await;
    complete_as(&app, &desk, needle.id, "2030-06-03T14:00:00Z", "10:15").await;
    complete_as(&app, &desk, derm.id, "2030-06-03T14:00:00Z", "11:45").await;
    complete_as(&app, &desk, laser.id, "2030-06-03T14:00:00Z", "14:30").await;
    let got = send_due(&app, &server, t("2030-06-03T14:00:00Z")).await;
    let m = only(&got, "Caring for your skin after microneedling");
    assert!(
        m.text
            .contains("Don't pick, scratch or rub the treated skin")
    );
    assert!(
        m.text
            .contains("Call us on +44 20 7946 0000 if you notice increasing pain")
    );
    let d = only(&got, "After your microdermabrasion");
    assert!(
        d.text
            .contains("Call us on +44 20 7946 0000 if the redness gets worse")
    );
    let l = only(&got, "Caring for your skin after laser resurfacing");
    assert!(l.text.contains("Healing usually takes one to two weeks"));
    assert!(l.text.contains("Our advice: cool"));
    // The day-2 check-in is honest about swelling; no fixed rebooking nudge for laser.
    let rows = app.outbox_of(laser.id);
    assert!(
        of_kind(&rows, "follow_up").is_empty(),
        "no laser rebooking nudge"
    );
    let got = send_due(&app, &server, t("2030-06-05T13:30:00Z")).await;
    let c = only(
        &got,
        "How are you healing, two days after your laser treatment?",
    );
    assert!(
        c.text
            .contains("swelling is often at its worst around two to three days")
    );
    assert!(!c.text.contains("should be easing"));
    let (_, page) = app.get_text("/treatments/laser-resurfacing").await;
    assert!(!page.contains("painless") && page.contains("numbs the skin first"));
}

#[tokio::test]
async fn sessions_nobody_closed_are_on_the_dashboard_and_in_a_daily_summary() {
    use carepath::dispatch::summary::send_unclosed_summary;
    let server = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    let peel = app
        .booked("chemical-peel", "2030-06-03T10:00:00+01:00", 2, &ANN)
        .await;
    let bob = Patient::new("Bob Ray", "bob@example.org");
    app.booked("microdermabrasion", "2030-06-03T14:00:00+01:00", 2, &bob)
        .await;
    // 17:30 BST the same day: the clinic is still open, nothing is late yet.
    app.clock.set(t("2030-06-03T16:30:00Z"));
    let admin = app.staff(Role::Admin).await;
    let (_, page) = admin.get_text("/staff").await;
    assert!(!page.contains("Sessions not closed"));
    // Tuesday 08:00 BST: Monday is over and neither session was closed.
    let morning = t("2030-06-04T07:00:00Z");
    app.clock.set(morning);
    // (A new login: the evening's session has timed out overnight.)
    let admin = app.staff(Role::FrontDesk).await;
    let (_, page) = admin.get_text("/staff").await;
    assert!(page.contains("Sessions not closed (2)"), "{page}");
    assert!(page.contains(&format!("/staff/appointments/{}", peel.id)));
    let mut d = dispatcher(&app, &mail_settings(&app, Some(server.url()), "unused"));
    d.render_fn = carepath::dispatch::RenderFn::Batch(carepath::dispatch::render::render_batch);
    assert!(send_unclosed_summary(&d, morning).await.expect("summary"));
    assert!(
        !send_unclosed_summary(&d, morning).await.expect("summary"),
        "once a day"
    );
    let got = server.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].rcpt, ["hello@carepath.example"]);
    let m = read(&got[0]);
    assert_eq!(
        m.subject,
        "2 sessions not closed: their patients get no aftercare yet"
    );
    assert!(
        m.text
            .contains("Monday 3 June 2030 at 10:00 (BST): Chemical peel for Ann Lee")
    );
    assert!(m.text.contains(&format!("/staff/appointments/{}", peel.id)));
    // No aftercare went to anyone; closing the session plans it.
    assert!(of_kind(&app.outbox_of(peel.id), "aftercare").is_empty());
    let r = admin
        .post(
            &format!("/staff/appointments/{}/complete", peel.id),
            &[("ended_at", "10:45")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(of_kind(&app.outbox_of(peel.id), "aftercare").len(), 1);
    let (_, page) = admin.get_text("/staff").await;
    assert!(page.contains("Sessions not closed (1)"));
}

#[tokio::test]
async fn a_move_by_staff_tells_the_patient_too() {
    let server = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    let b = app
        .booked("chemical-peel", "2030-06-11T10:00:00+01:00", 2, &ANN)
        .await;
    send_due(&app, &server, t(NOW)).await;
    let desk = app.staff(Role::FrontDesk).await;
    let r = desk
        .post(
            &format!("/staff/appointments/{}/reschedule", b.id),
            &[
                ("start", "2030-06-12T11:00:00+01:00"),
                ("practitioner", "2"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let got = send_due(&app, &server, t(NOW)).await;
    let moved = only(&got, "Your chemical peel has moved");
    assert_eq!(
        moved.subject,
        "Your chemical peel has moved to Wednesday 12 June 2030 at 11:00 (BST)"
    );
    let ics = moved.ics.expect("the updated calendar entry");
    assert_eq!(ics_line(&ics, "SEQUENCE"), "1");
    assert_eq!(ics_line(&ics, "DTSTART"), "20300612T100000Z");
}
