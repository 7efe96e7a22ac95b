//! Without SMTP_URL every message is written as an .eml file, so mail is visible without a
//! server.

use carepath::dispatch::dispatch_due;
use chrono::Duration as Span;

use crate::helpers::mail::*;

#[tokio::test]
async fn without_smtp_url_each_message_becomes_an_eml_file() {
    let (app, appt) = app_with_appointment().await;
    let now = app.clock.now();
    let ids = add_rows(
        &app,
        appt,
        "file",
        "confirmation",
        2,
        now - Span::minutes(5),
    );
    let root = temp_dir("eml");
    let dir = root.join("not").join("there").join("outbox");
    let mail = mail_settings(&app, None, &dir.display().to_string());
    let d = dispatcher(&app, &mail);

    let report = dispatch_due(&d, now).await.expect("dispatch");
    assert_eq!(report.sent, 2, "{report}");
    for mid in &ids {
        let path = dir.join(format!("{mid}@carepath.example.eml"));
        let raw = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let m = mail_parser::MessageParser::default()
            .parse(&raw)
            .expect("MIME");
        assert_eq!(
            m.message_id(),
            Some(format!("{mid}@carepath.example").as_str())
        );
        assert_eq!(m.subject(), Some("Your confirmation – Carepath"));
        assert_eq!(m.attachments().count(), 1, "the .ics");
    }
    let files = std::fs::read_dir(&dir).expect("dir").count();
    assert_eq!(files, 2, "no temporary files left behind");
    for r in app.outbox() {
        assert_eq!(r.status, "sent");
        assert!(r.smtp_reply.is_some_and(|s| s.starts_with("written to ")));
    }
    let _ = std::fs::remove_dir_all(root);
}
