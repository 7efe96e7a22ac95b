//! The SMTP server goes away for a while: messages back off, nothing is lost, and everything is
//! delivered once it is back.

use carepath::db::models::to_db;
use carepath::dispatch::dispatch_due;
use chrono::Duration as Span;

use crate::helpers::mail::*;
use crate::helpers::smtp_server::SmtpServer;

#[tokio::test]
async fn after_an_outage_everything_is_delivered_once_with_backoff_between() {
    let server = SmtpServer::start().await;
    let (app, appt) = app_with_appointment().await;
    let t0 = app.clock.now();
    add_rows(&app, appt, "before", "reminder", 5, t0);
    let d = dispatcher(&app, &mail_settings(&app, Some(server.url()), "unused"));
    let r = dispatch_due(&d, t0).await.expect("pass 1");
    assert_eq!(r.sent, 5, "{r}");

    // Down: the pooled connections are cut and new ones refused.
    server.stop();
    add_rows(&app, appt, "during", "reminder", 20, t0);
    let ta = t0 + Span::seconds(1);
    let r = dispatch_due(&d, ta).await.expect("pass 2");
    assert_eq!((r.claimed, r.failed), (20, 20), "{r}");
    let mut latest = to_db(ta);
    for row in app.outbox().iter().filter(|r| r.status == "failed") {
        assert_eq!(row.attempts, 1);
        let wait = secs_between(to_db(ta), row.due_at);
        assert!(
            (24..=39).contains(&wait),
            "retry after 30 s ± 20 %, got {wait}"
        );
        latest = latest.max(row.due_at);
    }
    let refused = app
        .outbox()
        .iter()
        .filter(|r| {
            r.last_error
                .as_deref()
                .is_some_and(|e| e.contains("refused"))
        })
        .count();
    assert!(refused > 0, "new connections were refused");

    let r = dispatch_due(&d, t0 + Span::seconds(10))
        .await
        .expect("too early");
    assert_eq!(r.claimed, 0, "{r}");

    // Still down at the second attempt: the wait doubles.
    let tb = latest.and_utc() + Span::seconds(1);
    let r = dispatch_due(&d, tb).await.expect("pass 3");
    assert_eq!((r.claimed, r.failed), (20, 20), "{r}");
    let mut earliest = None;
    for row in app.outbox().iter().filter(|r| r.status == "failed") {
        assert_eq!(row.attempts, 2);
        let wait = secs_between(to_db(tb), row.due_at);
        assert!(
            (48..=75).contains(&wait),
            "retry after 60 s ± 20 %, got {wait}"
        );
        earliest = Some(earliest.map_or(row.due_at, |e: chrono::NaiveDateTime| e.min(row.due_at)));
    }
    let earliest = earliest.expect("failed rows");
    let r = dispatch_due(&d, earliest.and_utc() - Span::seconds(1))
        .await
        .expect("too early");
    assert_eq!(r.claimed, 0, "{r}");

    server.restart().await;
    let r = dispatch_due(&d, tb + Span::seconds(80))
        .await
        .expect("pass 4");
    assert_eq!((r.claimed, r.sent), (20, 20), "{r}");
    assert_eq!(count_status(&app, "sent"), 25);
    let counts = server.message_id_counts();
    assert_eq!(counts.len(), 25);
    assert!(counts.values().all(|&n| n == 1), "{counts:?}");
    for row in app
        .outbox()
        .iter()
        .filter(|r| r.recipient.starts_with("during-"))
    {
        assert_eq!(row.attempts, 3);
    }
}
