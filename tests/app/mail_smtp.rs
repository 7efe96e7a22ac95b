//! Real SMTP to a server the test runs: what the patient's mail server receives.

use std::time::{Duration, Instant};

use carepath::config::Settings;
use carepath::dispatch::dispatch_due;
use carepath::mail::Mailer;
use carepath::startup::Application;
use chrono::Duration as Span;
use mail_parser::MimeHeaders;

use crate::helpers::mail::*;
use crate::helpers::smtp_server::SmtpServer;

#[tokio::test]
async fn smtp_delivers_parts_headers_and_the_calendar_file() {
    let server = SmtpServer::start().await;
    let (app, appt) = app_with_appointment().await;
    let now = app.clock.now();
    let conf = add_rows(
        &app,
        appt,
        "conf",
        "confirmation",
        1,
        now - Span::minutes(1),
    );
    let fu = add_rows(&app, appt, "fu", "follow_up", 1, now - Span::minutes(1));
    let d = dispatcher(&app, &mail_settings(&app, Some(server.url()), "unused"));

    let report = dispatch_due(&d, now).await.expect("dispatch");
    assert_eq!((report.claimed, report.sent), (2, 2), "{report}");

    let got = server.received();
    assert_eq!(got.len(), 2);
    let find = |mid: &str| {
        got.iter()
            .find(|r| r.message_id() == format!("{mid}@carepath.example"))
            .unwrap_or_else(|| panic!("{mid} not received"))
            .clone()
    };

    // The confirmation: text and HTML alternatives plus the appointment as .ics.
    let c = find(&conf[0]);
    assert_eq!(c.rcpt, ["conf-0@example.org"]);
    assert_eq!(c.from, "no-reply@carepath.example");
    let m = c.parsed();
    let row = row_for(&app, "conf-0@example.org");
    assert_eq!(m.subject(), Some("Your confirmation – Carepath"));
    let to = m.to().and_then(|a| a.first()).and_then(|a| a.address());
    assert_eq!(to, Some("conf-0@example.org"));
    assert_eq!(
        m.body_text(0).as_deref(),
        Some(format!("Plain text for message {}", row.id).as_str())
    );
    assert!(
        m.body_html(0)
            .is_some_and(|h| h.contains(&format!("<b>{}</b>", row.id)))
    );
    let ct = m.content_type().expect("content type");
    assert_eq!((ct.ctype(), ct.subtype()), ("multipart", Some("mixed")));
    let ics: Vec<_> = m.attachments().collect();
    assert_eq!(ics.len(), 1);
    assert_eq!(ics[0].attachment_name(), Some("appointment.ics"));
    let ict = ics[0].content_type().expect("attachment type");
    assert_eq!((ict.ctype(), ict.subtype()), ("text", Some("calendar")));
    assert_eq!(ict.attribute("charset"), Some("utf-8"));
    assert_eq!(ict.attribute("method"), Some("PUBLISH"));
    let cal = String::from_utf8_lossy(ics[0].contents()).to_string();
    assert!(
        cal.starts_with("BEGIN:VCALENDAR") && cal.contains("METHOD:PUBLISH"),
        "{cal}"
    );
    assert_eq!(m.header_raw("List-Unsubscribe"), None);
    assert!(m.header_raw("Date").is_some());

    // The follow-up: one-click unsubscribe (RFC 8058), no attachment.
    let f = find(&fu[0]);
    let m = f.parsed();
    let row = row_for(&app, "fu-0@example.org");
    assert_eq!(
        m.header_raw("List-Unsubscribe").map(str::trim),
        Some(format!("<{}/unsubscribe/tok{}>", app.state.base_url, row.id).as_str())
    );
    assert_eq!(
        m.header_raw("List-Unsubscribe-Post").map(str::trim),
        Some("List-Unsubscribe=One-Click")
    );
    let ct = m.content_type().expect("content type");
    assert_eq!(
        (ct.ctype(), ct.subtype()),
        ("multipart", Some("alternative"))
    );
    assert_eq!(m.attachments().count(), 0);

    for r in app.outbox() {
        assert_eq!(r.status, "sent");
        assert_eq!(r.attempts, 1);
        assert!(
            r.smtp_reply
                .as_deref()
                .is_some_and(|s| s.starts_with("250")),
            "{r:?}"
        );
        let sent_at = r.sent_at.expect("sent_at");
        assert!((0..5).contains(&secs_between(carepath::db::models::to_db(now), sent_at)));
        assert_eq!(r.lease_until, None);
        assert!(r.leased_by.is_some_and(|b| b.starts_with(&d.instance)));
    }
}

/// With lettre's own transports (no TCP_NODELAY) each message waits ~40 ms for a delayed ACK,
/// so 200 messages over one connection would take 8 s or more; ours reuses one connection.
#[tokio::test]
async fn one_connection_is_reused_without_waiting_for_delayed_acks() {
    let server = SmtpServer::start().await;
    let (app, appt) = app_with_appointment().await;
    let now = app.clock.now();
    add_rows(&app, appt, "fast", "reminder", 200, now);
    let mut mail = mail_settings(&app, Some(server.url()), "unused");
    mail.connections = 1;
    let d = dispatcher(&app, &mail);
    let started = Instant::now();
    let report = dispatch_due(&d, now).await.expect("dispatch");
    let took = started.elapsed();
    assert_eq!(report.sent, 200, "{report}");
    assert_eq!(server.count(), 200);
    assert_eq!(server.connections(), 1, "one connection, reused");
    assert!(took < Duration::from_secs(4), "200 messages took {took:?}");
}

#[tokio::test]
async fn a_tick_never_overlaps_a_running_one() {
    let server = SmtpServer::start_with(Duration::from_millis(150), None).await;
    let (app, appt) = app_with_appointment().await;
    let now = app.clock.now();
    add_rows(&app, appt, "slow", "reminder", 4, now);
    let mut mail = mail_settings(&app, Some(server.url()), "unused");
    mail.connections = 1;
    let d = dispatcher(&app, &mail);
    let (first, second) = tokio::join!(d.tick(now), async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        d.tick(now).await
    });
    assert_eq!(first.expect("ran").expect("ok").sent, 4);
    assert!(second.is_none(), "the second tick skipped");
    assert_eq!(server.count(), 4);
}

#[tokio::test]
async fn a_bad_smtp_url_or_sender_stops_the_start() {
    let dir = temp_dir("badurl");
    let db = dir.join("x.db");
    let mut s = Settings::for_database(&db.display().to_string()).expect("settings");
    s.bind = "127.0.0.1:0".into();
    s.mail.smtp_url = Some("http://mail.example.org".into());
    let e = Application::build(s.clone(), carepath::config::Clock::system())
        .err()
        .expect("refused");
    assert!(
        e.starts_with("SMTP_URL: unsupported scheme 'http://'"),
        "{e}"
    );
    s.mail.smtp_url = Some("smtp://mail.example.org?tls=yes".into());
    assert!(
        Mailer::from_settings(&s.mail)
            .err()
            .is_some_and(|e| e.contains("tls=yes"))
    );
    s.mail.smtp_url = None;
    s.mail.from = "nobody".into();
    let e = Mailer::from_settings(&s.mail).err().expect("refused");
    assert!(e.starts_with("CAREPATH_MAIL_FROM"), "{e}");
    let _ = std::fs::remove_dir_all(dir);
}
