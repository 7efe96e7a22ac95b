//! Clinical safety through the pages: the screening step between the time and the details, the
//! kind page a blocking answer or a missing consultation leads to (nothing stored), consent by
//! version with where it came from, and the questionnaire of a booking made without answers.

use crate::helpers::*;

const START: &str = "2030-06-04T10:00:00+01:00";

/// The distinct question field names (`q_<id>`) on a screening page.
fn question_names(html: &str) -> Vec<String> {
    let mut names = values_after(html, "type=\"radio\" name=\"");
    names.dedup();
    names
}

/// The question field name whose text contains `needle`.
fn name_of(html: &str, needle: &str) -> String {
    let at = html
        .find(needle)
        .unwrap_or_else(|| panic!("no question {needle}"));
    value_after(&html[at..], "type=\"radio\" name=\"").expect("its radio")
}

/// The screening step for Ann's peel with Jonah at 10:00.
async fn step(app: &TestApp) -> String {
    let (status, html) = app
        .get_text(&format!(
            "/book/chemical-peel/details?start={}&practitioner=2",
            START.replace('+', "%2B")
        ))
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("A few health questions"), "{html}");
    assert!(html.contains("If you are not sure about any answer, please call us"));
    html
}

/// Answers the step (every question "no" but `yes`), returning the status and page.
async fn answer_step(app: &TestApp, html: &str, yes: &[String]) -> (u16, String) {
    let names = question_names(html);
    let mut fields: Vec<(&str, &str)> = vec![("start", START), ("practitioner", "2")];
    for n in &names {
        fields.push((n, if yes.contains(n) { "yes" } else { "no" }));
    }
    let r = app.post_form("/book/chemical-peel/details", &fields).await;
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

/// Every hidden field of the details form, plus Ann's details.
fn details_form(html: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for chunk in html.split("<input type=\"hidden\" name=\"").skip(1) {
        let name = chunk.split('"').next().unwrap().to_string();
        let value = value_after(chunk, "value=\"").unwrap_or_default();
        out.push((name, value.replace("&#43;", "+")));
    }
    for (k, v) in [
        ("name", "Ann Lee"),
        ("email", "ann@example.org"),
        ("consent", "yes"),
    ] {
        out.push((k.into(), v.into()));
    }
    out
}

#[tokio::test]
async fn the_booking_flow_asks_the_questions_and_records_answers_and_consent() {
    let app = TestApp::spawn().await;
    let html = step(&app).await;
    let names = question_names(&html);
    assert!(names.len() >= 5, "{names:?}");
    // Unanswered: the questions again, each named.
    let r = app
        .post_form(
            "/book/chemical-peel/details",
            &[("start", START), ("practitioner", "2")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let again = r.text().await.unwrap();
    assert!(again.contains("Please answer this question."));
    // All answered, a "review" one yes: the details form, carrying the answers.
    let keloid = name_of(&html, "keloid");
    let (status, details) = answer_step(&app, &html, &[keloid.clone()]).await;
    assert_eq!(status, 200, "{details}");
    assert!(details.contains("Your details"));
    assert!(details.contains(&format!("name=\"{keloid}\" value=\"yes\"")));
    assert!(details.contains("name=\"consent_version\" value=\"1\""));
    assert!(details.contains("href=\"/treatments/chemical-peel/consent?version=1\""));
    let form = details_form(&details);
    let pairs: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = app
        .client
        .post(app.url("/book/chemical-peel"))
        .header("User-Agent", "PageTest/2.0")
        .form(&pairs)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303, "{}", r.text().await.unwrap());
    let confirmation = location(&r);
    let (_, page) = app.get_text(&confirmation).await;
    assert!(page.contains("You're booked"));
    assert!(!page.contains("Answer the health questions"));
    let id = 1;
    assert_eq!(app.stored_answers(id).len(), names.len());
    let state = app.screening_state(id).unwrap();
    assert_eq!(state.flag.as_deref(), Some("review"));
    let consent = app.consent_record(id).unwrap();
    assert_eq!(consent.user_agent.as_deref(), Some("PageTest/2.0"));
    assert_eq!(consent.ip.as_deref(), Some("127.0.0.1"));
    // The consent text has its own page.
    let (status, text) = app.get_text("/treatments/chemical-peel/consent").await;
    assert_eq!(status, 200);
    assert!(text.contains("Version 1"));
    assert!(text.contains("call the clinic"));
    let (status, _) = app
        .get_text("/treatments/chemical-peel/consent?version=9")
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_blocking_answer_gets_a_kind_page_and_books_nothing() {
    let app = TestApp::spawn().await;
    let html = step(&app).await;
    let pregnant = name_of(&html, "pregnant");
    let (status, page) = answer_step(&app, &html, &[pregnant.clone()]).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Let&#39;s talk before you book") || page.contains("Let's talk"),
        "{page}"
    );
    assert!(page.contains("href=\"/book/consultation\""));
    assert!(page.contains("+44 20 7946 0000"));
    assert!(page.contains("pregnant"));
    assert!(!page.contains("Your details"));
    // A form posted straight to the booking with that answer is refused the same way.
    let details_html = answer_step(&app, &html, &[]).await.1;
    let mut form = details_form(&details_html);
    for (k, v) in form.iter_mut() {
        if *k == pregnant {
            *v = "yes".into();
        }
    }
    let pairs: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = app.post_form("/book/chemical-peel", &pairs).await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.unwrap().contains("Nothing has been booked"));
    assert_eq!(app.appointment_count(), 0);
    assert_eq!(app.patient_count(), 0);
    assert_eq!(app.screening_answer_count(), 0);
}

#[tokio::test]
async fn laser_through_the_form_offers_a_consultation_first() {
    let app = TestApp::spawn().await;
    let r = app
        .post_form(
            "/book/laser-resurfacing",
            &[
                ("start", "2030-06-04T09:00:00+01:00"),
                ("practitioner", "1"),
                ("name", "Ann Lee"),
                ("email", "ann@example.org"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("A consultation comes first"), "{page}");
    assert!(page.contains("href=\"/book/consultation\""));
    assert_eq!(app.appointment_count(), 0);
    // The treatment's page says so before anyone starts.
    let (_, about) = app.get_text("/treatments/laser-resurfacing").await;
    assert!(about.contains("needs a consultation with us within the last 6 months"));
    assert!(about.contains("href=\"/treatments/laser-resurfacing/consent\""));
    // The consultation itself books through the pages without questions.
    let (status, c) = app
        .get_text(
            "/book/consultation/details?start=2030-06-04T09%3A00%3A00%2B01%3A00&practitioner=2",
        )
        .await;
    assert_eq!(status, 200);
    assert!(c.contains("Your details"));
}

#[tokio::test]
async fn answers_given_after_booking_flag_a_call_and_cancel_nothing() {
    let app = TestApp::spawn().await;
    let booked = app.booked("chemical-peel", START, 2, &ANN).await;
    let (_, confirmation) = app
        .get_text(&format!("/appointments/{}/confirmation", booked.token))
        .await;
    let link = format!("/appointments/{}/screening", booked.token);
    assert!(confirmation.contains(&format!("href=\"{link}\"")));
    let (status, html) = app.get_text(&link).await;
    assert_eq!(status, 200);
    let names = question_names(&html);
    let pregnant = name_of(&html, "pregnant");
    // GET changed nothing.
    assert_eq!(app.screening_state(booked.id).unwrap().status, "pending");
    let mut fields: Vec<(&str, &str)> = Vec::new();
    for n in &names {
        fields.push((n, if *n == pregnant { "yes" } else { "no" }));
    }
    let r = app.post_form(&link, &fields).await;
    assert_eq!(r.status().as_u16(), 303);
    let done = location(&r);
    assert!(done.ends_with("?done=call"), "{done}");
    let (_, thanks) = app.get_text(&done).await;
    assert!(thanks.contains("the clinic will call you"));
    let state = app.screening_state(booked.id).unwrap();
    assert_eq!(state.status, "answered");
    assert_eq!(state.flag.as_deref(), Some("call"));
    assert_eq!(app.appointment(booked.id).status, "booked");
    assert_eq!(app.stored_answers(booked.id).len(), names.len());
    // Answering again is refused; nothing changes.
    let r = app.post_form(&link, &fields).await;
    assert_eq!(r.status().as_u16(), 409);
    assert_eq!(app.stored_answers(booked.id).len(), names.len());
    // A half-answered form is shown again (a second peel two weeks on: peels are a course with
    // at least 14 days between sessions, issue 11).
    let other = app
        .booked("chemical-peel", "2030-06-18T11:00:00+01:00", 2, &ANN)
        .await;
    let r = app
        .post_form(
            &format!("/appointments/{}/screening", other.token),
            &[(names[0].as_str(), "no")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Please answer this question.")
    );
    assert_eq!(app.screening_state(other.id).unwrap().status, "pending");
}

#[tokio::test]
async fn antiviral_preparation_is_planned_only_after_a_cold_sore_history() {
    let app = TestApp::spawn().await;
    let qs = app.questions("chemical-peel").await;
    let cold = qs
        .iter()
        .find(|q| q.text.contains("cold sores (herpes"))
        .expect("cold sore history question");
    let antiviral = |app: &TestApp, id: i32| {
        app.outbox_of(id)
            .iter()
            .filter(|r| r.kind == "preparation")
            .count()
    };
    let mut yes = booking_body("chemical-peel", START, Some(2), &ANN);
    yes["screening"] = answers(&qs, &[cold.id]);
    let (status, a) = app.post_json("/api/v1/bookings", &yes).await;
    assert_eq!(status, 201, "{a}");
    // Two weeks on: peels are a course with at least 14 days between sessions (issue 11).
    let mut no = booking_body("chemical-peel", "2030-06-18T11:00:00+01:00", Some(2), &ANN);
    no["screening"] = answers(&qs, &[]);
    let (status, b) = app.post_json("/api/v1/bookings", &no).await;
    assert_eq!(status, 201, "{b}");
    let (with, without) = (
        antiviral(&app, a["id"].as_i64().unwrap() as i32),
        antiviral(&app, b["id"].as_i64().unwrap() as i32),
    );
    assert_eq!(
        with,
        without + 1,
        "one more preparation email for the cold sore history"
    );
    // Answered later through the manage link: the step is planned then (the course's third
    // session, two weeks after the second).
    let later = app
        .booked("chemical-peel", "2030-07-02T12:00:00+01:00", 2, &ANN)
        .await;
    assert_eq!(antiviral(&app, later.id), without);
    let mut fields: Vec<(String, &str)> = Vec::new();
    for q in &qs {
        fields.push((
            format!("q_{}", q.id),
            if q.id == cold.id { "yes" } else { "no" },
        ));
    }
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(a, b)| (a.as_str(), *b)).collect();
    let r = app
        .post_form(&format!("/appointments/{}/screening", later.token), &pairs)
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(antiviral(&app, later.id), without + 1);
}
