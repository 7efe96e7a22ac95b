//! Several dispatchers (separate pools, separate instance ids) draining one outbox at once:
//! the claim sends each message exactly once.

use std::time::Instant;

use carepath::db::{DatabaseUrl, build_pool};
use carepath::dispatch::{Dispatcher, dispatch_due};
use carepath::mail::Mailer;
use chrono::Duration as Span;

use crate::helpers::mail::*;
use crate::helpers::on_postgres;
use crate::helpers::smtp_server::SmtpServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_dispatchers_send_each_message_exactly_once() {
    let total = if on_postgres() {
        10_000
    } else {
        println!(
            "skipped: the 10,000-message run needs PostgreSQL ({}); \
             running 600 messages on SQLite",
            crate::helpers::PG_ENV
        );
        600
    };
    let server = SmtpServer::start().await;
    let (app, appt) = app_with_appointment().await;
    let now = app.clock.now();
    add_rows(
        &app,
        appt,
        "many",
        "reminder",
        total,
        now - Span::minutes(1),
    );
    let mail = mail_settings(&app, Some(server.url()), "unused");
    let url = DatabaseUrl::parse(&app.database_url).expect("url");
    let dispatchers: Vec<Dispatcher> = (0..3)
        .map(|_| {
            let pool = build_pool(&url, 4).expect("pool");
            let mailer = Mailer::from_settings(&mail).expect("mailer");
            let mut d = Dispatcher::new(pool, mailer, &mail, &app.state.base_url);
            d.render_fn = carepath::dispatch::RenderFn::Each(test_render);
            d
        })
        .collect();
    assert!(dispatchers[0].instance != dispatchers[1].instance);

    let started = Instant::now();
    let runs = dispatchers.iter().map(|d| dispatch_due(d, now));
    let reports = futures::future::join_all(runs).await;
    let took = started.elapsed();
    let sent: Vec<u64> = reports
        .into_iter()
        .map(|r| r.expect("dispatch").sent)
        .collect();
    println!(
        "{total} messages by three dispatchers in {took:.2?} ({:.0}/s), split {sent:?}",
        total as f64 / took.as_secs_f64()
    );
    assert_eq!(sent.iter().sum::<u64>(), total as u64);
    assert_eq!(server.count(), total);
    let counts = server.message_id_counts();
    assert_eq!(counts.len(), total);
    assert!(counts.values().all(|&n| n == 1), "a message arrived twice");
    assert_eq!(count_status(&app, "sent"), total);
}
