//! What one booking costs the database, counted: every statement the booking service sends for
//! an API booking (the checks, the writes in its transaction and what the 201 answer needs),
//! listed when the test runs with `--nocapture`. A regression guard for issue 13: a booking
//! that quietly grows back to thirty statements shows here, whatever the machine's speed.

use std::sync::{Arc, Mutex};

use carepath::domain::booking::{PatientDetails, PractitionerChoice};
use carepath::domain::patient::{EmailAddress, PatientName};
use carepath::service::audit::Actor;
use carepath::service::booking::{self as svc, BookCommand};
use carepath::service::clinical_checks::{ClinicalInput, ConsentGiven};
use diesel::connection::{Connection, InstrumentationEvent};

use crate::helpers::*;

/// Statements at most (SQLite, PostgreSQL) for the benchmark's booking: microdermabrasion, which
/// has screening questions (left pending), a consent text, a device to hold and two emails to
/// plan, answer included. Before issue 13's work the same booking sent 45 (a new patient) and 43
/// (a returning one) on SQLite. PostgreSQL counts one statement more than it did when this bound
/// was first set: the advisory lock taken before holding the room (`db::resources::lock_for_hold`),
/// without which racers for one device deadlocked on the exclusion constraint.
const NEW_PATIENT: (usize, usize) = (19, 19);
/// The same for a returning patient (no patient row written).
const RETURNING_PATIENT: (usize, usize) = (18, 18);

fn bound((sqlite, postgres): (usize, usize)) -> usize {
    if on_postgres() { postgres } else { sqlite }
}

fn command(start: &str, email: &str) -> BookCommand {
    BookCommand {
        actor: Actor::Patient {
            label: "patient via the API".into(),
        },
        treatment_slug: "microdermabrasion".into(),
        start: t(start),
        practitioner: PractitionerChoice::Specific(2),
        patient: PatientDetails {
            name: PatientName::parse("Ann Lee").expect("name"),
            email: EmailAddress::parse(email).expect("email"),
            phone: None,
        },
        note: None,
        clinical: ClinicalInput {
            answers: None,
            consent: Some(ConsentGiven::default()),
        },
        waitlist_offer: None,
    }
}

/// Books as the API does, and returns the SQL of each statement sent, in order.
fn counted(app: &TestApp, start: &str, email: &str) -> Vec<String> {
    let mut conn = app.state.pool.get().expect("connection");
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = log.clone();
    conn.set_instrumentation(move |e: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { query, .. } = e {
            let text = query.to_string();
            let sql = text.split(" -- binds: ").next().unwrap_or("").trim();
            sink.lock().expect("log").push(sql.to_string());
        }
    });
    let answer = svc::book_answered(&mut conn, app.clock.now(), &command(start, email));
    conn.set_instrumentation(|_: InstrumentationEvent<'_>| {});
    let answer = answer.expect("booked");
    assert_eq!(answer.details.contact.email, email);
    let sent = log.lock().expect("log").clone();
    eprintln!("{} statements:", sent.len());
    for (i, s) in sent.iter().enumerate() {
        eprintln!("{:2}. {}", i + 1, s.chars().take(160).collect::<String>());
    }
    sent
}

#[tokio::test]
async fn a_booking_sends_few_statements() {
    let app = TestApp::spawn().await;
    let starts = starts(&app.slots("microdermabrasion", "2030-06-05", Some(2)).await);
    assert!(starts.len() >= 8, "{starts:?}");
    // The first booking of the process may load the catalog; the counted ones follow it.
    app.booked("microdermabrasion", &starts[0], 2, &ANN).await;

    let first = counted(&app, &starts[4], "new@example.org");
    assert!(
        first.len() <= bound(NEW_PATIENT),
        "{} statements",
        first.len()
    );
    let again = counted(&app, &starts[8], "new@example.org");
    assert!(
        again.len() <= bound(RETURNING_PATIENT),
        "{} statements",
        again.len()
    );

    // Both are whole: the appointment, its planned emails, its audit row and consent record.
    let ids: Vec<i32> = app
        .outbox()
        .iter()
        .filter(|r| r.recipient == "new@example.org")
        .map(|r| r.appointment_id)
        .collect();
    assert!(!ids.is_empty());
}
