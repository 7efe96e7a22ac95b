//! The waitlist (issue 11), through pages, the API and real SMTP with a fixed clock: joining,
//! offers of a freed time to the first three matching entries when an appointment is cancelled
//! or moved, claim links (a GET books nothing, the first POST books, the others see it taken and
//! keep waiting, a race of claimers ends in one booking, an expired link books nothing), leave
//! links, and the staff list.

use carepath::dispatch::dispatch_due;
use carepath::domain::staff::Role;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::mail::*;
use crate::helpers::smtp_server::{Received, SmtpServer};
use crate::helpers::*;

/// Ann's peel with Jonah Reyes (practitioner 2), Tuesday 11 June at 10:00 BST: the time the
/// tests free.
const FREED: &str = "2030-06-11T10:00:00+01:00";
const DAY: &str = "2030-06-11";

pub(crate) async fn send_due(
    app: &TestApp,
    server: &SmtpServer,
    at: DateTime<Utc>,
) -> Vec<Received> {
    let before = server.count();
    let mut d = dispatcher(app, &mail_settings(app, Some(server.url()), "unused"));
    d.render_fn = carepath::dispatch::RenderFn::Batch(carepath::dispatch::render::render_batch);
    let report = dispatch_due(&d, at).await.expect("dispatch");
    assert_eq!(report.failed + report.dead, 0, "{report}");
    server.received().split_off(before)
}

fn recipients(got: &[Received]) -> Vec<String> {
    let mut r: Vec<String> = got
        .iter()
        .map(|m| {
            m.parsed()
                .to()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    r.sort();
    r
}

pub(crate) fn offer_mail(got: &[Received], to: &str) -> (String, String) {
    let m = got
        .iter()
        .find(|m| {
            m.parsed()
                .to()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                == Some(to)
        })
        .unwrap_or_else(|| panic!("no offer email to {to}"));
    let p = m.parsed();
    (
        p.subject().unwrap_or_default().to_string(),
        p.body_text(0).unwrap_or_default().to_string(),
    )
}

/// The token of the first `/waitlist/{kind}/` link in a text.
pub(crate) fn link_token(text: &str, kind: &str) -> String {
    let marker = format!("/waitlist/{kind}/");
    let at = text
        .find(&marker)
        .unwrap_or_else(|| panic!("no {kind} link in {text}"));
    text[at + marker.len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

async fn join_api(app: &TestApp, email: &str, from: &str, to: &str, practitioner: Value) -> Value {
    let (status, body) = app
        .post_json(
            "/api/v1/waitlist",
            &json!({
                "treatment": "chemical-peel",
                "from": from,
                "to": to,
                "practitioner": practitioner,
                "name": "Wendy Waiting",
                "email": email,
            }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body
}

fn entry_status(app: &TestApp, email: &str) -> Vec<String> {
    let mut c = app.state.pool.get().expect("conn");
    carepath::db::waitlist::of_email(&mut c, email)
        .expect("entries")
        .into_iter()
        .map(|e| e.status)
        .collect()
}

fn peels_at_freed(app: &TestApp) -> i64 {
    let mut c = app.state.pool.get().expect("conn");
    let start = carepath::domain::time::parse_instant(FREED).expect("start");
    carepath::db::appointments::listing::starts_between(
        &mut c,
        carepath::db::models::to_db(start),
        carepath::db::models::to_db(start + Duration::minutes(1)),
        Some(2),
    )
    .expect("appointments")
    .into_iter()
    .filter(|(_, status)| status == "booked")
    .count() as i64
}

/// Ann's booking, five waiting patients who match (w1..w5, joined in that order: w2 named
/// Jonah, w3 a range around the day) and three who don't (another day, another practitioner, a
/// treatment Jonah doesn't perform).
async fn full_list(app: &TestApp) -> Booked {
    let ann = app.booked("chemical-peel", FREED, 2, &ANN).await;
    join_api(app, "w1@example.org", DAY, DAY, Value::Null).await;
    app.clock.set(app.clock.now() + Duration::minutes(1));
    join_api(app, "w2@example.org", DAY, DAY, json!(2)).await;
    app.clock.set(app.clock.now() + Duration::minutes(1));
    join_api(
        app,
        "w3@example.org",
        "2030-06-10",
        "2030-06-14",
        json!("any"),
    )
    .await;
    app.clock.set(app.clock.now() + Duration::minutes(1));
    join_api(app, "w4@example.org", DAY, DAY, Value::Null).await;
    app.clock.set(app.clock.now() + Duration::minutes(1));
    join_api(app, "w5@example.org", DAY, DAY, Value::Null).await;
    join_api(
        app,
        "other-day@example.org",
        "2030-06-12",
        "2030-06-12",
        Value::Null,
    )
    .await;
    join_api(app, "other-person@example.org", DAY, DAY, json!(3)).await;
    let (status, body) = app
        .post_json(
            "/api/v1/waitlist",
            &json!({"treatment": "laser-resurfacing", "from": DAY, "name": "Lara Laser",
                    "email": "laser@example.org"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    app.clock.set(app.clock.now() + Duration::minutes(1));
    ann
}

async fn cancel(app: &TestApp, token: &str) {
    let (status, body) = app
        .post_json(&format!("/api/v1/bookings/{token}/cancel"), &json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn joining_by_page_and_api_with_bad_input_named() {
    let app = TestApp::spawn().await;
    let (status, page) = app
        .get_text("/waitlist/chemical-peel?date=2030-06-11&practitioner=2")
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("value=\"2030-06-11\""), "{page}");
    let r = app
        .post_form(
            "/waitlist/chemical-peel",
            &[
                ("from", "2030-06-11"),
                ("to", "2030-06-12"),
                ("practitioner", "any"),
                ("name", "Pat Page"),
                ("email", "pat@example.org"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 201);
    assert!(r.text().await.unwrap().contains("You're on the waitlist"));
    // The same email and an overlapping range: the entry grows, no duplicate.
    let r = app
        .post_form(
            "/waitlist/chemical-peel",
            &[
                ("from", "2030-06-12"),
                ("to", "2030-06-15"),
                ("name", "Pat Page"),
                ("email", "pat@example.org"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 201);
    assert!(r.text().await.unwrap().contains("already waiting"));
    assert_eq!(entry_status(&app, "pat@example.org"), ["waiting"]);
    // Bad input: the form again, naming each field.
    let r = app
        .post_form(
            "/waitlist/chemical-peel",
            &[
                ("from", "2030-06-01"),
                ("to", "2030-09-30"),
                ("name", ""),
                ("email", "not-an-email"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let page = r.text().await.unwrap();
    for id in ["from-error", "name-error", "email-error"] {
        assert!(page.contains(id), "{id} in {page}");
    }
    let (status, _) = app.get_text("/waitlist/no-such-treatment").await;
    assert_eq!(status, 404);

    let body = join_api(&app, "api@example.org", DAY, "", json!(2)).await;
    assert_eq!(body["status"], "waiting");
    assert_eq!(body["to"], DAY);
    assert_eq!(body["practitioner"], 2);
    let (status, body) = app
        .post_json(
            "/api/v1/waitlist",
            &json!({"treatment": "chemical-peel", "from": "yesterday", "email": 5,
                    "practitioner": 3.5}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    for f in ["from", "email", "name", "practitioner"] {
        assert!(body["fields"][f].is_string(), "{f}: {body}");
    }
    let (status, body) = app
        .post_json(
            "/api/v1/waitlist",
            &json!({"treatment": "laser-resurfacing", "from": DAY, "practitioner": 2,
                    "name": "A B", "email": "ab@example.org"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["fields"]["practitioner"].is_string(), "{body}");
}

#[tokio::test]
async fn a_day_without_free_times_offers_the_waitlist_form() {
    let app = TestApp::spawn().await;
    // Sunday: the clinic is closed.
    let (status, page) = app
        .get_text("/book/chemical-peel?date=2030-06-09&practitioner=2")
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Join the waitlist"), "{page}");
    assert!(
        page.contains("action=\"/waitlist/chemical-peel\""),
        "{page}"
    );
    assert!(page.contains("name=\"practitioner\" value=\"2\""), "{page}");
    // A day with free times doesn't.
    let (_, page) = app
        .get_text("/book/chemical-peel?date=2030-06-11&practitioner=2")
        .await;
    assert!(!page.contains("Join the waitlist"));
}

#[tokio::test]
async fn a_cancellation_offers_the_time_to_the_first_three_matching_and_the_first_claim_books_it() {
    let server = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    let ann = full_list(&app).await;
    let at = app.clock.now();
    send_due(&app, &server, at).await;
    cancel(&app, &ann.token).await;
    let got: Vec<Received> = send_due(&app, &server, at)
        .await
        .into_iter()
        .filter(|m| {
            m.parsed()
                .subject()
                .is_some_and(|s| s.starts_with("A chemical peel time has come free"))
        })
        .collect();
    assert_eq!(
        recipients(&got),
        ["w1@example.org", "w2@example.org", "w3@example.org"]
    );
    // Sent once: a second pass sends nothing more.
    assert!(send_due(&app, &server, at).await.is_empty());
    let (subject, text) = offer_mail(&got, "w1@example.org");
    assert_eq!(
        subject,
        "A chemical peel time has come free on Tuesday 11 June at 10:00"
    );
    assert!(text.contains("with Jonah Reyes"), "{text}");
    let claim1 = link_token(&text, "claim");
    let leave1 = link_token(&text, "leave");
    assert_eq!(claim1.len(), 32);
    // Only digests are stored.
    let db_dump = {
        let mut c = app.state.pool.get().unwrap();
        carepath::db::waitlist::of_email(&mut c, "w1@example.org").unwrap()
    };
    assert!(!format!("{db_dump:?}").contains(&claim1));

    // GET shows the time and books nothing.
    let before = app.appointment_count();
    let (status, page) = app.get_text(&format!("/waitlist/claim/{claim1}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Tuesday 11 June 2030 at 10:00"), "{page}");
    assert!(page.contains("Jonah Reyes") && page.contains("Book this time"));
    assert_eq!(app.appointment_count(), before);
    // Without consent: asked again, nothing booked.
    let r = app
        .post_form(&format!("/waitlist/claim/{claim1}"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 422);
    assert_eq!(app.appointment_count(), before);
    // The first POST books it, through the normal confirmation page.
    let r = app
        .post_form(&format!("/waitlist/claim/{claim1}"), &[("consent", "yes")])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert!(location(&r).ends_with("/confirmation"), "{}", location(&r));
    assert_eq!(app.appointment_count(), before + 1);
    assert_eq!(peels_at_freed(&app), 1);
    assert_eq!(entry_status(&app, "w1@example.org"), ["booked"]);
    let (status, page) = app.get_text(&location(&r)).await;
    assert_eq!(status, 200, "{page}");

    // The second sees it taken, stays on the list; the API says slot_taken.
    let (_, text2) = offer_mail(&got, "w2@example.org");
    let claim2 = link_token(&text2, "claim");
    let r = app
        .post_form(&format!("/waitlist/claim/{claim2}"), &[("consent", "yes")])
        .await;
    assert_eq!(r.status().as_u16(), 409);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Someone else took this time")
    );
    assert_eq!(entry_status(&app, "w2@example.org"), ["waiting"]);
    let (_, text3) = offer_mail(&got, "w3@example.org");
    let (status, body) = app
        .post_json(
            &format!("/api/v1/waitlist/claims/{}", link_token(&text3, "claim")),
            &json!({"consent": true}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "slot_taken");
    assert_eq!(entry_status(&app, "w3@example.org"), ["waiting"]);
    assert_eq!(app.appointment_count(), before + 1);
    // The winner's leave link still opens (it shows they are off the list).
    let (status, _) = app.get_text(&format!("/waitlist/leave/{leave1}")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn waitlisted_patients_racing_for_one_time_end_in_one_booking() {
    let server = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    let ann = full_list(&app).await;
    let at = app.clock.now();
    send_due(&app, &server, at).await;
    cancel(&app, &ann.token).await;
    let got = send_due(&app, &server, at).await;
    let tokens: Vec<String> = ["w1@example.org", "w2@example.org", "w3@example.org"]
        .iter()
        .map(|w| link_token(&offer_mail(&got, w).1, "claim"))
        .collect();
    let before = app.appointment_count();
    let tries = tokens.iter().enumerate().map(|(i, tok)| {
        let app = &app;
        async move {
            if i % 2 == 0 {
                let r = app
                    .post_form(&format!("/waitlist/claim/{tok}"), &[("consent", "yes")])
                    .await;
                r.status().as_u16()
            } else {
                app.post_json(
                    &format!("/api/v1/waitlist/claims/{tok}"),
                    &json!({"consent": true}),
                )
                .await
                .0
            }
        }
    });
    let mut statuses = futures::future::join_all(tries).await;
    statuses.sort();
    let won = statuses.iter().filter(|s| **s == 303 || **s == 201).count();
    assert_eq!(won, 1, "{statuses:?}");
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(app.appointment_count(), before + 1);
    assert_eq!(peels_at_freed(&app), 1);
    let booked = ["w1@example.org", "w2@example.org", "w3@example.org"]
        .iter()
        .filter(|w| entry_status(&app, w) == ["booked"])
        .count();
    assert_eq!(booked, 1);
}

#[tokio::test]
async fn an_expired_claim_link_books_nothing() {
    let server = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    let ann = full_list(&app).await;
    let at = app.clock.now();
    send_due(&app, &server, at).await;
    cancel(&app, &ann.token).await;
    // Sent an hour later (a retry, a slow pass): the 12 hours count from the send.
    let sent = at + Duration::hours(1);
    let got = send_due(&app, &server, sent).await;
    let claim = link_token(&offer_mail(&got, "w1@example.org").1, "claim");
    let claim2 = link_token(&offer_mail(&got, "w2@example.org").1, "claim");
    app.clock
        .set(at + Duration::hours(12) + Duration::minutes(30));
    let (status, page) = app.get_text(&format!("/waitlist/claim/{claim}")).await;
    assert_eq!(
        status, 200,
        "still open 12 h after the offer was made: {page}"
    );
    app.clock
        .set(sent + Duration::hours(12) + Duration::minutes(1));
    let before = app.appointment_count();
    let (status, page) = app.get_text(&format!("/waitlist/claim/{claim}")).await;
    assert_eq!(status, 410);
    assert!(page.contains("This offer has expired"), "{page}");
    let r = app
        .post_form(&format!("/waitlist/claim/{claim}"), &[("consent", "yes")])
        .await;
    assert_eq!(r.status().as_u16(), 410);
    let (status, body) = app
        .post_json(
            &format!("/api/v1/waitlist/claims/{claim2}"),
            &json!({"consent": true}),
        )
        .await;
    assert_eq!(status, 410, "{body}");
    assert_eq!(body["error"], "offer_expired");
    assert_eq!(app.appointment_count(), before);
    assert_eq!(entry_status(&app, "w1@example.org"), ["waiting"]);
    // Unknown tokens: a clear 404.
    let (status, _) = app.get_text("/waitlist/claim/not-a-token").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_move_frees_its_old_time_for_the_waitlist() {
    let server = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    let ann = full_list(&app).await;
    let at = app.clock.now();
    send_due(&app, &server, at).await;
    let (status, body) = app
        .post_json(
            &format!("/api/v1/bookings/{}/reschedule", ann.token),
            &json!({"start": "2030-06-13T10:00:00+01:00", "practitioner": 2}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let offers: Vec<Received> = send_due(&app, &server, at)
        .await
        .into_iter()
        .filter(|m| {
            m.parsed()
                .subject()
                .is_some_and(|s| s.starts_with("A chemical peel time"))
        })
        .collect();
    assert_eq!(
        recipients(&offers),
        ["w1@example.org", "w2@example.org", "w3@example.org"]
    );
}

#[tokio::test]
async fn the_leave_link_confirms_by_post_and_ends_the_offers() {
    let server = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    let ann = full_list(&app).await;
    let at = app.clock.now();
    send_due(&app, &server, at).await;
    cancel(&app, &ann.token).await;
    let got = send_due(&app, &server, at).await;
    let text = offer_mail(&got, "w1@example.org").1;
    let (claim, leave) = (link_token(&text, "claim"), link_token(&text, "leave"));
    let (status, page) = app.get_text(&format!("/waitlist/leave/{leave}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Leave the waitlist"));
    assert_eq!(
        entry_status(&app, "w1@example.org"),
        ["waiting"],
        "GET changes nothing"
    );
    let r = app
        .post_form(&format!("/waitlist/leave/{leave}"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("no longer on the waitlist")
    );
    assert_eq!(entry_status(&app, "w1@example.org"), ["left"]);
    // Its offer is closed; nothing can be booked with it.
    let r = app
        .post_form(&format!("/waitlist/claim/{claim}"), &[("consent", "yes")])
        .await;
    assert_eq!(r.status().as_u16(), 410);
    // The API leaves too.
    let text2 = offer_mail(&got, "w2@example.org").1;
    let r = app
        .client
        .delete(app.url(&format!(
            "/api/v1/waitlist/leave/{}",
            link_token(&text2, "leave")
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(entry_status(&app, "w2@example.org"), ["left"]);
}

#[tokio::test]
async fn offers_wait_for_the_morning_and_their_window_starts_at_the_send() {
    let server = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    let ann = full_list(&app).await;
    send_due(&app, &server, app.clock.now()).await;
    // Monday 22:30 BST: quiet hours until 08:00.
    let night = t("2030-06-03T21:30:00Z");
    app.clock.set(night);
    cancel(&app, &ann.token).await;
    let offers = |got: Vec<Received>| -> Vec<Received> {
        got.into_iter()
            .filter(|m| {
                m.parsed()
                    .subject()
                    .is_some_and(|s| s.starts_with("A chemical peel time"))
            })
            .collect()
    };
    assert!(offers(send_due(&app, &server, night).await).is_empty());
    let morning = t("2030-06-04T07:00:00Z");
    let got = offers(send_due(&app, &server, morning).await);
    assert_eq!(got.len(), 3);
    let claim = link_token(&offer_mail(&got, "w1@example.org").1, "claim");
    // 12 hours after the cancellation, but only 2.5 after the email: still open.
    app.clock.set(t("2030-06-04T09:30:00Z"));
    let (status, _) = app.get_text(&format!("/waitlist/claim/{claim}")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn staff_see_the_list_per_treatment_and_day_with_the_offers() {
    let server = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    let ann = full_list(&app).await;
    let at = app.clock.now();
    send_due(&app, &server, at).await;
    cancel(&app, &ann.token).await;
    send_due(&app, &server, at).await;
    let desk = app.staff(Role::FrontDesk).await;
    let (status, page) = desk
        .get_text("/staff/waitlist?treatment=1&date=2030-06-11")
        .await;
    assert_eq!(status, 200, "{page}");
    for w in ["w1@", "w2@", "w3@", "w4@", "w5@", "other-person@"] {
        assert!(page.contains(w), "{w} in {page}");
    }
    assert!(!page.contains("other-day@"), "another day is filtered out");
    assert!(
        !page.contains("laser@"),
        "another treatment is filtered out"
    );
    assert!(
        page.contains("Tuesday 11 June 2030 at 10:00 (BST): sent"),
        "{page}"
    );
    let (_, all) = desk.get_text("/staff").await;
    assert!(
        all.contains("href=\"/staff/waitlist\""),
        "linked from the navigation"
    );
}

/// The settings form as shown, with `changes` made (the inputs and the selected options).
fn settings_form(page: &str, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for chunk in page.split("<input").skip(1) {
        let tag = &chunk[..chunk.find('>').unwrap_or(chunk.len())];
        let get = |key: &str| {
            let key = format!(" {key}=\"");
            tag.find(&key).map(|i| {
                let rest = &tag[i + key.len()..];
                rest[..rest.find('"').unwrap_or(rest.len())].to_string()
            })
        };
        let Some(name) = get("name") else { continue };
        if tag.contains("type=\"checkbox\"") && !tag.contains(" checked") {
            continue;
        }
        let value = match changes.iter().find(|(k, _)| *k == name) {
            Some((_, v)) => v.to_string(),
            None => get("value").unwrap_or_default(),
        };
        out.push((name, value));
    }
    for chunk in page.split("<select").skip(1) {
        let body = &chunk[..chunk.find("</select>").unwrap_or(chunk.len())];
        let Some(at) = body.find(" name=\"") else {
            continue;
        };
        let name = &body[at + 7..];
        let name = &name[..name.find('"').unwrap_or(0)];
        if let Some(sel) = body.find(" selected>") {
            let before = &body[..sel];
            let v = &before[before.rfind("value=\"").map_or(0, |i| i + 7)..];
            out.push((
                name.to_string(),
                v[..v.find('"').unwrap_or(v.len())].to_string(),
            ));
        }
    }
    out
}

#[tokio::test]
async fn admins_set_how_many_are_offered_a_time_and_for_how_long() {
    let server = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let (_, page) = admin.get_text("/staff/settings").await;
    assert!(
        page.contains("name=\"waitlist_offers\" type=\"number\" min=\"1\" max=\"20\" value=\"3\"")
    );
    let (status, bad) = admin
        .post_text(
            "/staff/settings",
            &settings_form(
                &page,
                &[("waitlist_offers", "0"), ("waitlist_claim_hours", "x")],
            ),
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        bad.contains("id=\"waitlist_offers-error\"")
            && bad.contains("id=\"waitlist_claim_hours-error\"")
    );
    let (status, saved) = admin
        .post_text(
            "/staff/settings",
            &settings_form(
                &page,
                &[("waitlist_offers", "1"), ("waitlist_claim_hours", "2")],
            ),
        )
        .await;
    assert_eq!(status, 303, "{saved}");
    let ann = full_list(&app).await;
    let at = app.clock.now();
    send_due(&app, &server, at).await;
    cancel(&app, &ann.token).await;
    let got: Vec<Received> = send_due(&app, &server, at)
        .await
        .into_iter()
        .filter(|m| {
            m.parsed()
                .subject()
                .is_some_and(|s| s.starts_with("A chemical peel time"))
        })
        .collect();
    assert_eq!(recipients(&got), ["w1@example.org"]);
    let (_, text) = offer_mail(&got, "w1@example.org");
    assert!(text.contains("works for 2 hours"), "{text}");
    let claim = link_token(&text, "claim");
    app.clock.set(at + Duration::hours(2));
    let (status, _) = app.get_text(&format!("/waitlist/claim/{claim}")).await;
    assert_eq!(status, 410);
}

#[tokio::test]
async fn erasing_a_patient_removes_their_waitlist_entries_and_exports_them_first() {
    let app = TestApp::spawn().await;
    let ann = app.booked("chemical-peel", FREED, 2, &ANN).await;
    join_api(&app, ANN.email, "2030-06-12", "2030-06-14", Value::Null).await;
    join_api(&app, "someone@example.org", DAY, DAY, Value::Null).await;
    let patient = app.appointment(ann.id).patient_id;
    let admin = app.staff(Role::Admin).await;
    let (status, export) = admin
        .get_text(&format!("/staff/patients/{patient}/export.json"))
        .await;
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&export).expect("json");
    assert_eq!(doc["waitlist"][0]["from"], "2030-06-12", "{doc}");
    assert_eq!(doc["waitlist"].as_array().map(Vec::len), Some(1));
    let to = admin
        .post_redirect(
            &format!("/staff/patients/{patient}/erase"),
            &[("confirm", "yes")],
        )
        .await;
    assert!(to.contains("erased=1"), "{to}");
    assert!(entry_status(&app, ANN.email).is_empty());
    assert_eq!(entry_status(&app, "someone@example.org"), ["waiting"]);
}

fn entry_id(app: &TestApp, email: &str) -> i32 {
    let mut c = app.state.pool.get().expect("conn");
    let rows = carepath::db::waitlist::of_email(&mut c, email).expect("entries");
    assert_eq!(rows.len(), 1, "{email}");
    rows[0].id
}

fn offer_statuses(app: &TestApp, entry: i32) -> Vec<String> {
    let mut c = app.state.pool.get().expect("conn");
    carepath::db::waitlist::offers_of(&mut c, &[entry])
        .expect("offers")
        .into_iter()
        .map(|o| o.status)
        .collect()
}

#[tokio::test]
async fn staff_remove_an_entry_after_confirming_and_its_offer_is_withdrawn() {
    let server = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    let ann = full_list(&app).await;
    let at = app.clock.now();
    send_due(&app, &server, at).await;
    cancel(&app, &ann.token).await;
    let got = send_due(&app, &server, at).await;
    let claim = link_token(&offer_mail(&got, "w1@example.org").1, "claim");
    let id = entry_id(&app, "w1@example.org");
    let remove = format!("/staff/waitlist/{id}/remove");
    assert_eq!(offer_statuses(&app, id), ["open"]);

    // Practitioners see the list but may not remove.
    let practitioner = app.staff(Role::Practitioner).await;
    let (status, page) = practitioner.get_text("/staff/waitlist").await;
    assert_eq!(status, 200);
    assert!(!page.contains(&remove), "no remove link: {page}");
    assert_eq!(practitioner.get(&remove).await.status().as_u16(), 403);
    let r = practitioner.post(&remove, &[("confirm", "yes")]).await;
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(entry_status(&app, "w1@example.org"), ["waiting"]);

    let desk = app.staff(Role::FrontDesk).await;
    let (_, page) = desk.get_text("/staff/waitlist").await;
    assert!(page.contains(&format!("href=\"{remove}\"")), "{page}");
    // The confirmation page says what will happen and changes nothing.
    let (status, page) = desk.get_text(&remove).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("w1@example.org"), "{page}");
    assert!(page.contains("1 open offer is withdrawn"), "{page}");
    assert_eq!(entry_status(&app, "w1@example.org"), ["waiting"]);
    // Without the box ticked: the page again, nothing removed.
    let (status, page) = desk.post_text(&remove, &[("x", "")]).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("tick the box to confirm"), "{page}");
    assert_eq!(entry_status(&app, "w1@example.org"), ["waiting"]);
    assert!(app.audit_trail("waitlist_entry", id).is_empty());

    let to = desk.post_redirect(&remove, &[("confirm", "yes")]).await;
    assert_eq!(to, "/staff/waitlist?removed=1");
    let (_, page) = desk.get_text(&to).await;
    assert!(
        page.contains("The entry was removed from the waitlist"),
        "{page}"
    );
    assert!(!page.contains(&remove), "no remove link once left");
    assert_eq!(entry_status(&app, "w1@example.org"), ["left"]);
    assert_eq!(offer_statuses(&app, id), ["withdrawn"]);
    let audit = app.audit_changes("waitlist_entry", id);
    assert_eq!(audit.len(), 1, "{audit:?}");
    let (action, before, after, note) = &audit[0];
    assert_eq!(action, "waitlist_entry_removed");
    assert_eq!(before["status"], "waiting");
    assert_eq!(after["status"], "left");
    assert_eq!(after["offers_withdrawn"], 1);
    assert_eq!(note.as_deref(), Some("removed by staff"));
    let actor = &app.audit_trail("waitlist_entry", id)[0];
    assert_eq!(actor.actor_kind, "staff");

    // Its claim link books nothing now; the others' offers are untouched.
    let r = app
        .post_form(&format!("/waitlist/claim/{claim}"), &[("consent", "yes")])
        .await;
    assert_eq!(r.status().as_u16(), 410);
    assert_eq!(peels_at_freed(&app), 0);
    assert_eq!(
        offer_statuses(&app, entry_id(&app, "w2@example.org")),
        ["open"]
    );
    // Twice: refused with the reason, nothing else recorded.
    let (status, page) = desk.post_text(&remove, &[("confirm", "yes")]).await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("no longer waiting"), "{page}");
    assert_eq!(app.audit_trail("waitlist_entry", id).len(), 1);
    // An entry that doesn't exist.
    let (status, _) = desk.get_text("/staff/waitlist/999999/remove").await;
    assert_eq!(status, 404);
    let r = desk
        .post("/staff/waitlist/nope/remove", &[("confirm", "yes")])
        .await;
    assert_eq!(r.status().as_u16(), 404);
}

#[tokio::test]
async fn the_join_range_stops_at_the_booking_horizon() {
    let app = TestApp::spawn().await;
    // Today is 3 June 2030; the horizon is 90 days: 1 September is the last bookable day.
    let (_, page) = app.get_text("/waitlist/chemical-peel").await;
    assert!(page.contains("max=\"2030-09-01\""), "{page}");
    join_api(
        &app,
        "edge@example.org",
        "2030-08-20",
        "2030-09-01",
        Value::Null,
    )
    .await;
    let (status, body) = app
        .post_json(
            "/api/v1/waitlist",
            &json!({"treatment": "chemical-peel", "from": "2030-08-20", "to": "2030-09-02",
                    "name": "Lee Late", "email": "late@example.org"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["fields"]["to"],
        "Bookings open at most 90 days ahead: choose a date up to 2030-09-01."
    );
    assert!(body["fields"]["from"].is_null(), "{body}");
    let r = app
        .post_form(
            "/waitlist/chemical-peel",
            &[
                ("from", "2030-09-05"),
                ("to", ""),
                ("name", "Lee Late"),
                ("email", "late@example.org"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains(
            "id=\"from-error\">Bookings open at most 90 days ahead: choose a date up to 2030-09-01."
        ),
        "{page}"
    );
    assert!(entry_status(&app, "late@example.org").is_empty());

    // The clinic's own setting moves the cap.
    let admin = app.staff(Role::Admin).await;
    let (_, settings) = admin.get_text("/staff/settings").await;
    let (status, saved) = admin
        .post_text(
            "/staff/settings",
            &settings_form(&settings, &[("horizon_days", "30")]),
        )
        .await;
    assert_eq!(status, 303, "{saved}");
    let (status, body) = app
        .post_json(
            "/api/v1/waitlist",
            &json!({"treatment": "chemical-peel", "from": "2030-07-01", "to": "2030-07-04",
                    "name": "Lee Late", "email": "late@example.org"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["fields"]["to"],
        "Bookings open at most 30 days ahead: choose a date up to 2030-07-03."
    );
    join_api(
        &app,
        "late@example.org",
        "2030-07-01",
        "2030-07-03",
        Value::Null,
    )
    .await;
}
