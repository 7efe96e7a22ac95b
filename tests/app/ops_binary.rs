//! Operations with the real binary: JSON log lines that parse and carry request ids, and SIGTERM
//! in the middle of a request and of a dispatch batch (nothing lost, nothing sent twice, exit 0).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::{Duration as Span, Utc};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::TestApp;
use crate::helpers::mail::*;
use crate::helpers::smtp_server::SmtpServer;
use crate::helpers::{Patient, booking_body};

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `carepath serve` on this database, logging to stderr; the lines come through the channel.
fn serve(db: &str, envs: &[(&str, &str)]) -> (KillOnDrop, mpsc::Receiver<String>) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_carepath"));
    c.arg("serve")
        .env("DATABASE_URL", db)
        .env("CAREPATH_BIND", "127.0.0.1:0")
        .env("CAREPATH_ADMIN_PASSWORD", "not-printed-anywhere-123")
        .env_remove("CAREPATH_MAIL_FROM")
        .env_remove("SMTP_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        c.env(k, v);
    }
    let mut child = c.spawn().expect("start carepath serve");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (KillOnDrop(child), rx)
}

/// Waits for the "serving at" line and returns the address, with the lines read so far.
fn address(rx: &mpsc::Receiver<String>) -> (String, Vec<String>) {
    let mut seen = Vec::new();
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("serve never said where: {seen:?}"));
        if let Some(i) = line.find("http://127.0.0.1:") {
            let rest = &line[i..];
            let end = rest
                .find(|c: char| c == '"' || c.is_whitespace())
                .unwrap_or(rest.len());
            let addr = rest[..end].to_string();
            seen.push(line);
            return (addr, seen);
        }
        seen.push(line);
    }
}

fn sigterm(child: &Child) {
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(ok.success());
}

/// Waits for the process to exit (it must, after SIGTERM) and returns whether it exited 0.
async fn exits_zero(child: &mut KillOnDrop) -> bool {
    for _ in 0..400 {
        if let Some(status) = child.0.try_wait().expect("wait") {
            return status.success();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("serve did not stop after SIGTERM");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_log_lines_parse_and_carry_the_request_id() {
    let app = TestApp::spawn().await;
    let (mut child, rx) = serve(
        &app.database_url,
        &[
            ("CAREPATH_LOG_FORMAT", "json"),
            ("RUST_LOG", "info"),
            ("CAREPATH_DISPATCH_SECONDS", "0"),
        ],
    );
    let (addr, mut lines) = address(&rx);
    let client = reqwest::Client::new();
    let secret = "SeCrEtLinkToken0123456789abcdef";
    for path in [
        "/".to_string(),
        format!("/appointments/{secret}"),
        format!("/unsubscribe/{secret}"),
        "/treatments/microdermabrasion".to_string(),
    ] {
        let r = client
            .get(format!("{addr}{path}"))
            .header("X-Request-Id", "probe-42")
            .send()
            .await
            .expect("GET");
        assert_eq!(
            r.headers()
                .get("x-request-id")
                .map(|v| v.to_str().unwrap_or("")),
            Some("probe-42")
        );
    }
    sigterm(&child.0);
    assert!(exits_zero(&mut child).await, "exit 0 after SIGTERM");
    lines.extend(rx.try_iter());
    let mut requests = 0;
    for line in lines.iter().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(
            v["timestamp"].is_string() && v["level"].is_string(),
            "{line}"
        );
        if v["target"] == "carepath::http" {
            requests += 1;
            assert_eq!(v["span"]["request_id"], "probe-42", "{line}");
            assert!(v["fields"]["status"].is_number(), "{line}");
        }
    }
    assert_eq!(requests, 4, "one line per request:\n{}", lines.join("\n"));
    let all = lines.join("\n");
    assert!(!all.contains(secret), "a link secret reached the log");
    assert!(!all.contains("not-printed-anywhere-123"));
    assert!(all.contains("[redacted]"));
}

/// A free slot the binary (on the system clock) will accept: the first of the coming days.
async fn free_slot(client: &reqwest::Client, addr: &str) -> String {
    for days in 2..30 {
        let date = (Utc::now() + Span::days(days)).format("%Y-%m-%d");
        let v: serde_json::Value = client
            .get(format!(
                "{addr}/api/v1/availability?treatment=microdermabrasion&date={date}&practitioner=2"
            ))
            .send()
            .await
            .expect("GET")
            .json()
            .await
            .expect("json");
        if let Some(start) = v["slots"].as_array().and_then(|s| s.first()) {
            return start["start"].as_str().expect("start").to_string();
        }
    }
    panic!("no free slot in the coming weeks");
}

const TOTAL: usize = 600;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_request_and_mid_batch_loses_nothing_and_exits_0() {
    let server = SmtpServer::start_with(Duration::from_millis(25), None).await;
    let (app, appt) = app_with_appointment().await;
    add_rows(
        &app,
        appt,
        "term",
        "reminder",
        TOTAL,
        Utc::now() - Span::minutes(1),
    );
    let smtp = server.url();
    let (mut child, rx) = serve(
        &app.database_url,
        &[
            ("SMTP_URL", smtp.as_str()),
            ("CAREPATH_DISPATCH_SECONDS", "1"),
            ("CAREPATH_DISPATCH_BATCH", "40"),
            ("CAREPATH_SMTP_CONNECTIONS", "4"),
            ("RUST_LOG", "error,carepath=info"),
        ],
    );
    let (addr, _) = address(&rx);
    let client = reqwest::Client::new();
    let start = free_slot(&client, &addr).await;
    let before = app.appointment_count();

    let started = Instant::now();
    while server.count() < 60 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "serve never sent"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // A booking whose body is still arriving when SIGTERM comes.
    let who = Patient::new("Term Inal", "term.inal@example.org");
    let body = booking_body("microdermabrasion", &start, Some(2), &who).to_string();
    let host = addr.trim_start_matches("http://");
    let mut conn = tokio::net::TcpStream::connect(host).await.expect("connect");
    let head = format!(
        "POST /api/v1/bookings HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).await.expect("head");
    conn.write_all(&body.as_bytes()[..10]).await.expect("part");
    tokio::time::sleep(Duration::from_millis(200)).await;
    sigterm(&child.0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    conn.write_all(&body.as_bytes()[10..]).await.expect("rest");
    let mut answer = String::new();
    conn.read_to_string(&mut answer).await.expect("answer");
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    assert!(exits_zero(&mut child).await, "exit 0 after SIGTERM");
    assert_eq!(
        app.appointment_count(),
        before + 1,
        "the booking in flight was kept"
    );

    // Nothing is left leased: sent rows are recorded, the rest were released.
    let at_stop = server.count();
    let rows = app.outbox();
    let held: Vec<i32> = rows
        .iter()
        .filter(|r| r.status != "sent" && r.leased_by.is_some())
        .map(|r| r.id)
        .collect();
    assert!(held.is_empty(), "still leased after a clean stop: {held:?}");
    assert_eq!(
        count_status(&app, "sent"),
        at_stop,
        "every delivery recorded"
    );
    assert!(at_stop < TOTAL, "stopped mid-way");

    // Another instance takes the rest at once (no lease to wait for).
    let mut d = dispatcher(&app, &mail_settings(&app, Some(server.url()), "unused"));
    d.render_fn = carepath::dispatch::RenderFn::Batch(carepath::dispatch::render::render_batch);
    let r = carepath::dispatch::dispatch_due(&d, Utc::now())
        .await
        .expect("the rest");
    let sent = count_status(&app, "sent");
    assert_eq!(r.sent as usize + at_stop, sent, "{r}");
    let term_rows = app
        .outbox()
        .into_iter()
        .filter(|r| r.recipient.starts_with("term-"));
    assert!(
        term_rows.into_iter().all(|r| r.status == "sent"),
        "every message went out"
    );
    let counts = server.message_id_counts();
    assert_eq!(counts.len(), sent, "one arrival per sent row");
    assert!(counts.values().all(|n| *n == 1), "none twice");
}
