//! Outbox rows, dispatchers and a renderer for the email tests: they add the rows they need
//! straight to the outbox and drive the dispatcher themselves, with no wait for a tick.

use carepath::config::MailSettings;
use carepath::db::DbConnection;
use carepath::db::models::{NewOutbox, OutboxRow, to_db};
use carepath::db::schema::outbox;
use carepath::dispatch::Dispatcher;
use carepath::dispatch::render::{RenderContext, Rendered};
use carepath::mail::{Email, Mailer};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::app::TestApp;
use super::booking::ANN;

/// An app with one booked appointment (the rows below need one) and an empty outbox, so the
/// tests see only the rows they add.
pub async fn app_with_appointment() -> (TestApp, i32) {
    let app = TestApp::spawn().await;
    let booked = app
        .booked("microdermabrasion", "2030-06-04T09:00:00+01:00", 2, &ANN)
        .await;
    let mut c = app.state.pool.get().expect("conn");
    diesel::delete(outbox::table)
        .execute(&mut *c)
        .expect("empty the outbox");
    (app, booked.id)
}

/// Inserts `n` planned rows due at `due`, to `{prefix}-{i}@example.org`, of `kind`.
pub fn add_rows(
    app: &TestApp,
    appointment: i32,
    prefix: &str,
    kind: &str,
    n: usize,
    due: DateTime<Utc>,
) -> Vec<String> {
    let mut c = app.state.pool.get().expect("conn");
    let due = to_db(due);
    // The appointment's care plan step of this kind, so the real renderer can render the rows.
    let step_id: Option<i32> = {
        use carepath::db::schema::{appointments, care_plan_steps};
        let treatment: i32 = appointments::table
            .find(appointment)
            .select(appointments::treatment_id)
            .first(&mut *c)
            .expect("appointment");
        care_plan_steps::table
            .filter(care_plan_steps::treatment_id.eq(treatment))
            .filter(care_plan_steps::kind.eq(kind))
            .select(care_plan_steps::id)
            .first(&mut *c)
            .optional()
            .expect("step")
    };
    let ids: Vec<(String, String, String)> = (0..n)
        .map(|i| {
            (
                format!("{prefix}-{i}@example.org"),
                format!("{prefix}-{i}-{}", rand_tag()),
                format!("{prefix}-{i}.{}", rand_tag()),
            )
        })
        .collect();
    // PostgreSQL takes at most 65,535 bound values in one statement.
    for chunk in ids.chunks(1000) {
        let rows: Vec<NewOutbox<'_>> = chunk
            .iter()
            .map(|(to, key, mid)| NewOutbox {
                appointment_id: appointment,
                step_id,
                kind,
                dedupe_key: key,
                recipient: to,
                due_at: due,
                status: "planned",
                message_id: mid,
                note: None,
                created_at: due,
                updated_at: due,
            })
            .collect();
        // Multi-row inserts need the concrete backend (MultiConnection has none).
        let insert = diesel::insert_into(outbox::table).values(&rows);
        match &mut *c {
            DbConnection::Pg(c) => insert.execute(c),
            DbConnection::Sqlite(c) => insert.execute(c),
        }
        .expect("insert outbox rows");
    }
    ids.into_iter().map(|(_, _, mid)| mid).collect()
}

fn rand_tag() -> String {
    use rand::Rng;
    format!("{:016x}", rand::rng().random::<u64>())
}

pub fn row_for(app: &TestApp, recipient: &str) -> OutboxRow {
    app.outbox()
        .into_iter()
        .find(|r| r.recipient == recipient)
        .unwrap_or_else(|| panic!("no row for {recipient}"))
}

pub fn count_status(app: &TestApp, status: &str) -> usize {
    app.outbox().iter().filter(|r| r.status == status).count()
}

/// Mail settings of the app with this SMTP server (or None: .eml files in `dir`).
pub fn mail_settings(app: &TestApp, smtp_url: Option<String>, dir: &str) -> MailSettings {
    let mut m = app.state.settings.mail.clone();
    m.smtp_url = smtp_url;
    m.dir = dir.to_string();
    m.connections = 4;
    m.batch = 500;
    m.max_attempts = 8;
    m
}

/// A dispatcher over the app's pool with the test renderer.
pub fn dispatcher(app: &TestApp, mail: &MailSettings) -> Dispatcher {
    let mailer = Mailer::from_settings(mail).expect("mailer");
    let mut d = Dispatcher::new(app.state.pool.clone(), mailer, mail, &app.state.base_url);
    d.render_fn = carepath::dispatch::RenderFn::Each(test_render);
    d
}

/// Like the placeholder renderer, plus what the tests need: `confirmation` carries the .ics,
/// `follow_up` the unsubscribe link, `opted_out` is skipped and `broken` cannot be rendered.
pub fn test_render(
    _c: &mut DbConnection,
    row: &OutboxRow,
    ctx: &RenderContext,
) -> Result<Rendered, String> {
    match row.kind.as_str() {
        "opted_out" => return Ok(Rendered::Skip("patient opted out of follow-ups".into())),
        "broken" => return Err("template missing".into()),
        _ => {}
    }
    Ok(Rendered::Send(
        Email {
            to: row.recipient.clone(),
            subject: format!("Your {} – Carepath", row.kind),
            text: format!("Plain text for message {}", row.id),
            html: format!("<p>HTML for message <b>{}</b></p>", row.id),
            message_id: format!("{}@{}", row.message_id, ctx.host),
            unsubscribe_url: (row.kind == "follow_up")
                .then(|| format!("{}/unsubscribe/tok{}", ctx.base_url, row.id)),
            ics: (row.kind == "confirmation").then(|| {
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Carepath//EN\r\nMETHOD:PUBLISH\r\n\
             BEGIN:VEVENT\r\nUID:appt-1@carepath\r\nSUMMARY:Microdermabrasion\r\n\
             DTSTART:20300604T080000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
                    .to_string()
            }),
            reply_to: None,
        },
        Vec::new(),
    ))
}

pub fn secs_between(a: NaiveDateTime, b: NaiveDateTime) -> i64 {
    (b - a).num_seconds()
}

/// A fresh folder under the temp dir (removed by the caller's guard).
pub fn temp_dir(tag: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("carepath-mail-{tag}-{}", rand_tag()))
}
