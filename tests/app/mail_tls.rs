//! STARTTLS and implicit TLS (smtps://) with AUTH, against the test server's certificate.

use carepath::dispatch::dispatch_due;

use crate::helpers::mail::*;
use crate::helpers::smtp_server::{SmtpServer, Tls, test_acceptor, test_cert_path};

async fn delivers_over(tls: Tls, url: impl Fn(u16) -> String) {
    let server = SmtpServer::start_tls(tls, "clinic", "s3cret:/@").await;
    let (app, appt) = app_with_appointment().await;
    let now = app.clock.now();
    add_rows(&app, appt, "tls", "confirmation", 3, now);
    let mail = mail_settings(&app, Some(url(server.port)), "unused");
    let d = dispatcher(&app, &mail);
    let r = dispatch_due(&d, now).await.expect("dispatch");
    assert_eq!(r.sent, 3, "{r}");
    for m in server.received() {
        assert!(m.tls, "encrypted");
        assert_eq!(m.auth.as_deref(), Some("clinic"));
        assert_eq!(m.parsed().attachments().count(), 1);
    }
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn starttls_with_auth() {
    let ca = test_cert_path();
    delivers_over(Tls::StartTls(test_acceptor()), |port| {
        format!("smtp://clinic:s3cret%3A%2F%40@localhost:{port}?tls=starttls&ca={ca}")
    })
    .await;
}

#[tokio::test]
async fn implicit_tls_with_auth() {
    let ca = test_cert_path();
    delivers_over(Tls::Implicit(test_acceptor()), |port| {
        format!("smtps://clinic:s3cret%3A%2F%40@localhost:{port}?ca={ca}")
    })
    .await;
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused() {
    let server = SmtpServer::start_tls(Tls::Implicit(test_acceptor()), "clinic", "pw").await;
    let (app, appt) = app_with_appointment().await;
    let now = app.clock.now();
    add_rows(&app, appt, "untrusted", "reminder", 1, now);
    let url = format!("smtps://clinic:pw@localhost:{}", server.port);
    let d = dispatcher(&app, &mail_settings(&app, Some(url), "unused"));
    let r = dispatch_due(&d, now).await.expect("dispatch");
    assert_eq!((r.sent, r.failed), (0, 1), "{r}");
    let row = row_for(&app, "untrusted-0@example.org");
    assert!(row.last_error.is_some_and(|e| e.contains("TLS")));
    assert_eq!(server.count(), 0);
}
