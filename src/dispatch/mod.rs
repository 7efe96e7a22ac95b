//! The dispatcher: claim due outbox rows with a lease, render them, send them in parallel over
//! the mailer's connections, and record each outcome as soon as it is known.
//!
//! The outbox table is the queue; any number of instances may dispatch at once, and the claim
//! makes each message go out once. A process that dies mid-batch leaves leases that expire, and
//! the rows are taken over: only the messages that were on the wire when it died (accepted by
//! the server but not yet recorded) can go out twice.

mod record;
pub mod render;

use diesel::Connection;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDateTime, Utc};
use rand::Rng;
use tokio::sync::{Semaphore, mpsc};

use crate::config::MailSettings;
use crate::db::models::{OutboxRow, to_db};
use crate::db::{DbConnection, Pool, outbox};
use crate::error::AppError;
use crate::mail::{Email, Mailer, SendError};
use render::{RenderContext, Rendered};

/// How long a claim holds its rows. A crashed dispatcher's rows wait this long to be taken over.
pub const LEASE: Duration = Duration::from_secs(300);
/// No send starts later than this after the claim. With the mailer's bounds (a connection within
/// 30 s, a message within 120 s) every send then ends while the lease still holds, so no other
/// dispatcher can have taken the row over in the meantime.
const START_SENDS_WITHIN: Duration = Duration::from_secs(120);
const _: () = assert!(
    START_SENDS_WITHIN.as_secs() + crate::mail::transport::SEND_BOUND.as_secs() + 20
        < LEASE.as_secs(),
    "a send started in time must end (and be recorded) within the lease"
);
/// Rows rendered per database round.
const RENDER_CHUNK: usize = 25;

/// Turns a claimed row into an email: `render::render`, except in tests that need a particular
/// message (a skip, an attachment).
pub type RenderFn = fn(&mut DbConnection, &OutboxRow, &RenderContext) -> Result<Rendered, String>;

/// Everything a dispatch pass needs. Cheap to clone.
#[derive(Clone)]
pub struct Dispatcher {
    pub pool: Pool,
    pub mailer: Mailer,
    pub render: RenderContext,
    pub render_fn: RenderFn,
    /// Names this process in `leased_by`, so a lease shows who holds it.
    pub instance: String,
    /// Rows claimed at a time.
    pub batch: u32,
    pub max_attempts: u32,
    /// A pass stops after this many batches even if more is due (the next tick goes on).
    pub max_batches: u32,
    running: Arc<tokio::sync::Mutex<()>>,
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DispatchReport {
    pub claimed: u64,
    pub sent: u64,
    /// Failed this time, to be retried later.
    pub failed: u64,
    /// Failed for good (permanent refusal, or the last allowed attempt).
    pub dead: u64,
    /// Not sent after all (e.g. the patient opted out): cancelled.
    pub skipped: u64,
    /// Claimed but not attempted because the lease was running out; due again at once.
    pub released: u64,
    /// Outcomes not recorded because the row was no longer ours: another dispatcher took it
    /// over after the lease expired, or it was cancelled meanwhile (a send may still have
    /// happened; it is counted above as usual).
    pub lease_lost: u64,
}

impl std::ops::AddAssign for DispatchReport {
    fn add_assign(&mut self, o: Self) {
        self.claimed += o.claimed;
        self.sent += o.sent;
        self.failed += o.failed;
        self.dead += o.dead;
        self.skipped += o.skipped;
        self.released += o.released;
        self.lease_lost += o.lease_lost;
    }
}

impl std::fmt::Display for DispatchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "claimed {}, sent {}, failed {}, dead {}, skipped {}, released {}, lease lost {}",
            self.claimed,
            self.sent,
            self.failed,
            self.dead,
            self.skipped,
            self.released,
            self.lease_lost
        )
    }
}

impl Dispatcher {
    pub fn new(pool: Pool, mailer: Mailer, mail: &MailSettings, base_url: &str) -> Self {
        let render = RenderContext {
            base_url: base_url.trim_end_matches('/').to_string(),
            host: mailer.from_domain(),
        };
        Self {
            pool,
            mailer,
            render,
            render_fn: render::render,
            instance: instance_id(),
            batch: mail.batch.max(1),
            max_attempts: mail.max_attempts.max(1),
            max_batches: 200,
            running: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// One scheduler tick: a pass, unless the previous tick's pass is still running (then this
    /// tick does nothing; the running pass already loops until nothing is due).
    pub async fn tick(&self, now: DateTime<Utc>) -> Option<Result<DispatchReport, AppError>> {
        let _guard = self.running.try_lock().ok()?;
        Some(dispatch_due(self, now).await)
    }
}

/// `host:pid:random`: unique per process even when containers all run as pid 1.
fn instance_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into());
    let tag: u32 = rand::rng().random();
    format!("{host}:{}:{tag:08x}", std::process::id())
}

/// Sends what is due at `now`: claims batches until a claim comes back short (or
/// `max_batches`). Times recorded move on from `now` with the real time the pass has taken, so
/// a pinned test clock stays pinned while long passes keep their leases honest.
pub async fn dispatch_due(d: &Dispatcher, now: DateTime<Utc>) -> Result<DispatchReport, AppError> {
    let started = Instant::now();
    let mut report = DispatchReport::default();
    for _ in 0..d.max_batches {
        let r = run_batch(d, now, started).await?;
        report += r;
        // Stop when nothing more is due, when the lease ran short, or when a whole batch failed
        // (the server is most likely down: the next tick tries again, without hammering it).
        let all_failed = r.sent == 0 && r.failed > 0;
        if r.claimed < u64::from(d.batch) || r.released > 0 || all_failed {
            break;
        }
    }
    Ok(report)
}

/// What became of one claimed message.
pub(super) enum Outcome {
    Sent(OutboxRow, String),
    Failed(OutboxRow, SendError),
    Skipped(OutboxRow, String),
    Released(OutboxRow),
}

pub(super) fn at(now: DateTime<Utc>, started: Instant) -> NaiveDateTime {
    to_db(now + started.elapsed())
}

async fn run_batch(
    d: &Dispatcher,
    now: DateTime<Utc>,
    started: Instant,
) -> Result<DispatchReport, AppError> {
    let claimed_at = at(now, started);
    let lease_until = claimed_at + LEASE;
    let token = format!("{}/{:08x}", d.instance, rand::rng().random::<u32>());
    let (batch, t) = (d.batch, token.clone());
    let rows = blocking(&d.pool, move |c| {
        Ok(outbox::claim(c, claimed_at, lease_until, &t, batch)?)
    })
    .await?;
    if rows.is_empty() {
        return Ok(DispatchReport::default());
    }
    let claimed = rows.len() as u64;
    let send_by = Instant::now() + START_SENDS_WITHIN;
    let parallel = d.mailer.parallelism().max(1);

    let (work_tx, mut work_rx) = mpsc::channel::<(OutboxRow, Email)>(parallel * 4);
    let (out_tx, out_rx) = mpsc::unbounded_channel::<Outcome>();
    let renderer = tokio::spawn(render_all(d.clone(), rows, work_tx, out_tx.clone()));
    let recorder = tokio::spawn(record::record_all(d.clone(), token, out_rx, now, started));

    // Each send is its own task, so sends progress while outcomes are being written.
    let permits = Arc::new(Semaphore::new(parallel));
    while let Some((row, email)) = work_rx.recv().await {
        let Ok(permit) = permits.clone().acquire_owned().await else {
            break;
        };
        if Instant::now() > send_by {
            let _ = out_tx.send(Outcome::Released(row));
            continue;
        }
        let (mailer, out) = (d.mailer.clone(), out_tx.clone());
        tokio::spawn(async move {
            let outcome = match mailer.send(&email).await {
                Ok(reply) => Outcome::Sent(row, reply),
                Err(e) => Outcome::Failed(row, e),
            };
            let _ = out.send(outcome);
            drop(permit);
        });
    }
    drop(out_tx);
    if let Err(e) = renderer.await {
        log::error!("rendering task failed: {e}");
    }
    let mut report = recorder
        .await
        .map_err(|e| AppError::Internal(format!("recording task failed: {e}")))??;
    report.claimed = claimed;
    Ok(report)
}

/// Renders in chunks off the async runtime; messages go to the senders, skips and render errors
/// straight to the recorder.
async fn render_all(
    d: Dispatcher,
    rows: Vec<OutboxRow>,
    work: mpsc::Sender<(OutboxRow, Email)>,
    out: mpsc::UnboundedSender<Outcome>,
) {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<OutboxRow> = rows.by_ref().take(RENDER_CHUNK).collect();
        let (ctx, render) = (d.render.clone(), d.render_fn);
        let copy = chunk.clone();
        let rendered = blocking(&d.pool, move |c| {
            // One read transaction for the chunk: a consistent view, and on SQLite one read
            // lock instead of one per query (rendering reads several rows per message).
            c.transaction::<_, AppError, _>(|c| {
                Ok(copy
                    .into_iter()
                    .map(|row| {
                        let r = render(c, &row, &ctx);
                        (row, r)
                    })
                    .collect::<Vec<_>>())
            })
        })
        .await;
        let rendered = match rendered {
            Ok(r) => r,
            Err(e) => {
                // Retried like a send failure, after the backoff.
                let why = format!("rendering failed: {e}");
                for row in chunk {
                    let _ = out.send(Outcome::Failed(row, SendError::temporary(why.clone())));
                }
                continue;
            }
        };
        for (row, r) in rendered {
            match r {
                Ok(Rendered::Send(email)) => {
                    if let Err(mpsc::error::SendError((row, _))) = work.send((row, email)).await {
                        let _ = out.send(Outcome::Released(row));
                    }
                }
                Ok(Rendered::Skip(reason)) => {
                    let _ = out.send(Outcome::Skipped(row, reason));
                }
                Err(e) => {
                    let e = SendError::temporary(format!("rendering failed: {e}"));
                    let _ = out.send(Outcome::Failed(row, e));
                }
            }
        }
    }
}

/// Blocking database work on tokio's blocking threads.
pub(super) async fn blocking<T, F>(pool: &Pool, f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
{
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get()?;
        f(&mut conn)
    })
    .await
    .map_err(|e| AppError::Internal(format!("database task failed: {e}")))?
}
