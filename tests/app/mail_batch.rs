//! The dispatcher works a chunk at a time: the rows messages are rendered from are read for the
//! whole chunk, their links stored in one INSERT, and sent messages recorded in one statement.
//! Each message must still come out as if it were handled alone.

use std::collections::HashSet;
use std::sync::Arc;

use carepath::db::models::to_db;
use carepath::db::outbox;
use carepath::dispatch::render::render_batch;
use carepath::dispatch::{RenderFn, dispatch_due};
use chrono::Duration as Span;

use crate::helpers::mail::*;
use crate::helpers::smtp_server::{RcptRule, SmtpServer};
use crate::helpers::*;

/// The manage link in a received email's text.
fn manage_link(text: &str, base: &str) -> String {
    let start = text
        .find(&format!("{base}/appointments/"))
        .unwrap_or_else(|| panic!("no manage link in:\n{text}"));
    text[start..]
        .split(|c: char| c.is_whitespace() || c == ')' || c == '>')
        .next()
        .expect("link")
        .to_string()
}

#[tokio::test]
async fn a_batch_with_some_refusals_retries_only_those_and_records_the_rest_once() {
    let rule: RcptRule = Arc::new(|to: &str| {
        if to.starts_with("later-") {
            Some("451 4.3.0 Mailbox busy, try again later".into())
        } else if to.starts_with("gone-") {
            Some("550 5.1.1 No such user".into())
        } else {
            None
        }
    });
    let server = SmtpServer::start_with(Default::default(), Some(rule)).await;
    let (app, appt) = app_with_appointment().await;
    let t0 = app.clock.now();
    // Interleaved, so refusals sit between successes in every chunk and every group recorded.
    for i in 0..5 {
        add_rows(
            &app,
            appt,
            &format!("ok{i}"),
            "reminder",
            30,
            t0 - Span::minutes(1),
        );
        add_rows(
            &app,
            appt,
            &format!("later{i}"),
            "reminder",
            1,
            t0 - Span::minutes(1),
        );
        add_rows(
            &app,
            appt,
            &format!("gone{i}"),
            "reminder",
            1,
            t0 - Span::minutes(1),
        );
    }
    // The prefixes above are `ok0-…`: make the rule's prefixes match.
    {
        use carepath::db::schema::outbox as t;
        use diesel::prelude::*;
        let mut c = app.state.pool.get().expect("conn");
        for (from, to) in [("later", "later-"), ("gone", "gone-")] {
            for i in 0..5 {
                diesel::update(t::table.filter(t::recipient.like(format!("{from}{i}-%"))))
                    .set(t::recipient.eq(format!("{to}{i}@example.org")))
                    .execute(&mut *c)
                    .expect("rename");
            }
        }
    }
    let mut mail = mail_settings(&app, Some(server.url()), "unused");
    mail.max_attempts = 3;
    let mut d = dispatcher(&app, &mail);
    d.render_fn = RenderFn::Batch(render_batch);

    let r = dispatch_due(&d, t0).await.expect("pass 1");
    assert_eq!(
        (r.claimed, r.sent, r.failed, r.dead, r.lease_lost),
        (160, 150, 5, 5, 0),
        "{r}"
    );
    let rows = app.outbox();
    let sent: Vec<_> = rows
        .iter()
        .filter(|r| r.recipient.starts_with("ok"))
        .collect();
    assert_eq!(sent.len(), 150);
    for row in &sent {
        assert_eq!((row.status.as_str(), row.attempts), ("sent", 1), "{row:?}");
        assert!(
            row.smtp_reply
                .as_deref()
                .is_some_and(|r| r.starts_with("250")),
            "{row:?}"
        );
        assert_eq!((row.lease_until, row.last_error.as_deref()), (None, None));
    }
    for row in rows.iter().filter(|r| r.recipient.starts_with("later-")) {
        assert_eq!(
            (row.status.as_str(), row.attempts),
            ("failed", 1),
            "{row:?}"
        );
        assert!(row.due_at > to_db(t0), "{row:?}");
        assert!(row.last_error.as_deref().is_some_and(|e| e.contains("451")));
    }
    for row in rows.iter().filter(|r| r.recipient.starts_with("gone-")) {
        assert_eq!((row.status.as_str(), row.attempts), ("dead", 1), "{row:?}");
    }
    // Every accepted message arrived once, and each one's own link opens: its digest was
    // stored (in the chunk's one INSERT) before it was sent.
    let counts = server.message_id_counts();
    assert_eq!(counts.len(), 150);
    assert!(counts.values().all(|n| *n == 1), "{counts:?}");
    let mut links = HashSet::new();
    for m in server.received() {
        let text = m.parsed().body_text(0).unwrap_or_default().to_string();
        let link = manage_link(&text, &app.address);
        assert!(links.insert(link.clone()), "a link was reused: {link}");
    }
    for link in links.iter().take(10) {
        let path = link.trim_start_matches(&app.address);
        let (status, _) = app.get_text(path).await;
        assert_eq!(status, 200, "{link}");
    }

    // The retries come back on their own; the sent ones never again.
    let later = row_for(&app, "later-0@example.org");
    let r = dispatch_due(&d, later.due_at.and_utc() + Span::minutes(5))
        .await
        .expect("pass 2");
    assert_eq!((r.claimed, r.sent, r.failed), (5, 0, 5), "{r}");
    assert_eq!(server.count(), 150);
    assert!(
        app.outbox()
            .iter()
            .filter(|r| r.recipient.starts_with("ok"))
            .all(|r| r.status == "sent" && r.attempts == 1)
    );
}

#[tokio::test]
async fn one_chunk_renders_each_message_from_its_own_appointment() {
    let server = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    let people = [
        Patient::new("Ann Lee", "ann@example.org"),
        Patient::new("Bo Chen", "bo@example.org"),
        Patient::new("Cy Diaz", "cy@example.org"),
    ];
    let mut booked = Vec::new();
    for (i, p) in people.iter().enumerate() {
        let b = app
            .booked(
                if i == 1 {
                    "chemical-peel"
                } else {
                    "microdermabrasion"
                },
                &format!("2030-06-0{}T09:00:00+01:00", 4 + i),
                2,
                p,
            )
            .await;
        booked.push(b.id);
    }
    {
        use carepath::db::schema::outbox as t;
        use diesel::prelude::*;
        let mut c = app.state.pool.get().expect("conn");
        diesel::delete(t::table).execute(&mut *c).expect("empty");
    }
    let t0 = app.clock.now();
    for (i, id) in booked.iter().enumerate() {
        add_rows(
            &app,
            *id,
            &format!("p{i}"),
            "reminder",
            2,
            t0 - Span::minutes(1),
        );
    }
    let mut d = dispatcher(&app, &mail_settings(&app, Some(server.url()), "unused"));
    d.render_fn = RenderFn::Batch(render_batch);
    let r = dispatch_due(&d, t0).await.expect("pass");
    assert_eq!((r.claimed, r.sent), (6, 6), "{r}");
    for m in server.received() {
        let to = m.rcpt[0].clone();
        let i: usize = to[1..2].parse().expect("index");
        let text = m.parsed().body_text(0).unwrap_or_default().to_string();
        assert!(
            text.contains(people[i].name),
            "{to} should greet {}:\n{text}",
            people[i].name
        );
        for (j, other) in people.iter().enumerate() {
            if j != i {
                assert!(!text.contains(other.name), "{to} names {}", other.name);
            }
        }
    }
}

#[tokio::test]
async fn sent_outcomes_recorded_together_skip_rows_that_are_no_longer_ours() {
    let (app, appt) = app_with_appointment().await;
    let t0 = app.clock.now();
    add_rows(&app, appt, "r", "reminder", 4, t0 - Span::minutes(1));
    let mut c = app.state.pool.get().expect("conn");
    let at = to_db(t0);
    let rows = outbox::claim(&mut c, at, at + Span::seconds(60), "mine", 10).expect("claim");
    assert_eq!(rows.len(), 4);
    // Another dispatcher took one over (its lease expired) and a clerk cancelled another.
    {
        use carepath::db::schema::outbox as t;
        use diesel::prelude::*;
        diesel::update(t::table.find(rows[1].id))
            .set(t::leased_by.eq("theirs"))
            .execute(&mut *c)
            .expect("take over");
        diesel::update(t::table.find(rows[2].id))
            .set(t::status.eq("cancelled"))
            .execute(&mut *c)
            .expect("cancel");
    }
    let sent: Vec<(i32, String)> = rows
        .iter()
        .map(|r| (r.id, format!("250 queued as {}", r.id)))
        .collect();
    let mut done = outbox::mark_sent_many(&mut c, &sent, "mine", at).expect("record");
    done.sort_unstable();
    assert_eq!(done, vec![rows[0].id, rows[3].id]);
    drop(c);
    let after = app.outbox();
    let by_id = |id: i32| after.iter().find(|r| r.id == id).expect("row").clone();
    for i in [0, 3] {
        let r = by_id(rows[i].id);
        assert_eq!((r.status.as_str(), r.attempts), ("sent", 1));
        assert_eq!(
            r.smtp_reply.as_deref(),
            Some(format!("250 queued as {}", r.id).as_str())
        );
        assert_eq!(r.lease_until, None);
    }
    let theirs = by_id(rows[1].id);
    assert_eq!(
        (
            theirs.status.as_str(),
            theirs.attempts,
            theirs.leased_by.as_deref()
        ),
        ("planned", 0, Some("theirs"))
    );
    assert_eq!(by_id(rows[2].id).status, "cancelled");
}
