//! Failures: retried with exponential backoff, dead after the limit or at once on a permanent
//! refusal; skipped messages cancelled; leases respected and taken over once expired.

use std::sync::Arc;

use carepath::db::models::to_db;
use carepath::db::schema::outbox;
use carepath::dispatch::dispatch_due;
use chrono::Duration as Span;
use diesel::prelude::*;

use crate::helpers::mail::*;
use crate::helpers::smtp_server::{RcptRule, SmtpServer};

#[tokio::test]
async fn temporary_failures_back_off_and_die_at_the_limit_permanent_ones_at_once() {
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
    add_rows(&app, appt, "ok", "reminder", 2, t0 - Span::minutes(1));
    add_rows(&app, appt, "later", "reminder", 1, t0 - Span::minutes(1));
    add_rows(&app, appt, "gone", "reminder", 1, t0 - Span::minutes(1));
    add_rows(&app, appt, "future", "reminder", 1, t0 + Span::hours(1));
    let mut mail = mail_settings(&app, Some(server.url()), "unused");
    mail.max_attempts = 3;
    let d = dispatcher(&app, &mail);

    let r = dispatch_due(&d, t0).await.expect("pass 1");
    assert_eq!((r.claimed, r.sent, r.failed, r.dead), (4, 2, 1, 1), "{r}");
    let later = row_for(&app, "later-0@example.org");
    assert_eq!((later.status.as_str(), later.attempts), ("failed", 1));
    assert!(
        later
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("451")),
        "{later:?}"
    );
    assert_eq!(
        (later.lease_until, later.leased_by.as_deref()),
        (None, None)
    );
    let wait1 = secs_between(to_db(t0), later.due_at);
    assert!(
        (24..=39).contains(&wait1),
        "first retry after 30 s ± 20 %, got {wait1}"
    );
    let gone = row_for(&app, "gone-0@example.org");
    assert_eq!((gone.status.as_str(), gone.attempts), ("dead", 1));
    assert!(
        gone.last_error
            .as_deref()
            .is_some_and(|e| e.contains("550"))
    );
    assert_eq!(row_for(&app, "future-0@example.org").status, "planned");

    // Not due yet: nothing happens.
    let r = dispatch_due(&d, t0 + Span::seconds(10))
        .await
        .expect("pass 2");
    assert_eq!(r.claimed, 0, "{r}");

    let t1 = later.due_at.and_utc() + Span::seconds(1);
    let r = dispatch_due(&d, t1).await.expect("pass 3");
    assert_eq!((r.claimed, r.failed), (1, 1), "{r}");
    let later = row_for(&app, "later-0@example.org");
    assert_eq!((later.status.as_str(), later.attempts), ("failed", 2));
    let wait2 = secs_between(to_db(t1), later.due_at);
    assert!(
        (48..=75).contains(&wait2),
        "second retry after 60 s ± 20 %, got {wait2}"
    );

    let t2 = later.due_at.and_utc() + Span::seconds(1);
    let r = dispatch_due(&d, t2).await.expect("pass 4");
    assert_eq!((r.claimed, r.dead), (1, 1), "{r}");
    let later = row_for(&app, "later-0@example.org");
    assert_eq!((later.status.as_str(), later.attempts), ("dead", 3));

    let r = dispatch_due(&d, t2 + Span::hours(2)).await.expect("pass 5");
    assert_eq!(
        (r.claimed, r.sent),
        (1, 1),
        "only the future message was left: {r}"
    );
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn skipped_messages_are_cancelled_and_render_errors_retried() {
    let server = SmtpServer::start().await;
    let (app, appt) = app_with_appointment().await;
    let now = app.clock.now();
    add_rows(&app, appt, "optout", "opted_out", 1, now);
    add_rows(&app, appt, "broken", "broken", 1, now);
    let d = dispatcher(&app, &mail_settings(&app, Some(server.url()), "unused"));
    let r = dispatch_due(&d, now).await.expect("dispatch");
    assert_eq!(
        (r.claimed, r.skipped, r.failed, r.sent),
        (2, 1, 1, 0),
        "{r}"
    );
    let skipped = row_for(&app, "optout-0@example.org");
    assert_eq!(skipped.status, "cancelled");
    assert_eq!(
        skipped.note.as_deref(),
        Some("patient opted out of follow-ups")
    );
    let broken = row_for(&app, "broken-0@example.org");
    assert_eq!((broken.status.as_str(), broken.attempts), ("failed", 1));
    assert_eq!(
        broken.last_error.as_deref(),
        Some("rendering failed: template missing")
    );
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn live_leases_are_left_alone_and_expired_ones_taken_over() {
    let server = SmtpServer::start().await;
    let (app, appt) = app_with_appointment().await;
    let t0 = app.clock.now();
    add_rows(&app, appt, "held", "reminder", 1, t0 - Span::minutes(5));
    add_rows(&app, appt, "crashed", "reminder", 1, t0 - Span::minutes(5));
    add_rows(&app, appt, "free", "reminder", 1, t0 - Span::minutes(5));
    {
        let mut c = app.state.pool.get().expect("conn");
        let lease = |to: &str, until| {
            diesel::update(outbox::table.filter(outbox::recipient.eq(to.to_string()))).set((
                outbox::lease_until.eq(Some(to_db(until))),
                outbox::leased_by.eq(Some("other-instance/1")),
            ))
        };
        lease("held-0@example.org", t0 + Span::seconds(60))
            .execute(&mut *c)
            .expect("lease");
        lease("crashed-0@example.org", t0 - Span::seconds(1))
            .execute(&mut *c)
            .expect("lease");
    }
    let d = dispatcher(&app, &mail_settings(&app, Some(server.url()), "unused"));
    let r = dispatch_due(&d, t0).await.expect("dispatch");
    assert_eq!((r.claimed, r.sent), (2, 2), "{r}");
    let held = row_for(&app, "held-0@example.org");
    assert_eq!(held.status, "planned");
    assert_eq!(held.leased_by.as_deref(), Some("other-instance/1"));
    assert_eq!(row_for(&app, "crashed-0@example.org").status, "sent");

    let r = dispatch_due(&d, t0 + Span::seconds(61))
        .await
        .expect("after expiry");
    assert_eq!((r.claimed, r.sent), (1, 1), "{r}");
    assert_eq!(count_status(&app, "sent"), 3);
    assert_eq!(server.count(), 3);
}
