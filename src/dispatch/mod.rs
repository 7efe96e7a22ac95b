//! The dispatcher: claim due outbox rows with a lease, render them, send them in parallel over
//! the mailer's connections, and record each outcome as soon as it is known.
//!
//! The outbox table is the queue; any number of instances may dispatch at once, and the claim
//! makes each message go out once. Leases are short and renewed by a heartbeat while a batch is
//! in flight, so a process that dies mid-batch leaves leases that expire within a minute and the
//! rows are taken over: only the messages that were on the wire when it died (accepted by the
//! server but not yet recorded) can go out twice.

mod loaded;
mod record;
pub mod render;
mod rendered;
pub mod summary;
mod waitlist;

use diesel::Connection;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDateTime, Utc};
use rand::Rng;
use tokio::sync::{Semaphore, mpsc};

use crate::config::MailSettings;
use crate::db::models::{OutboxRow, from_db, to_db};
use crate::db::{DbConnection, Pool, outbox};
use crate::error::AppError;
use crate::mail::{Email, Mailer, SendError};
use crate::service::links::{self, Grant};
use render::{RenderContext, Rendered};

/// How long a claim (or its last renewal) holds its rows. A crashed dispatcher's rows wait this
/// long to be taken over.
pub const LEASE: Duration = Duration::from_secs(60);
/// While a batch is in flight its leases are renewed this often.
pub const HEARTBEAT: Duration = Duration::from_secs(10);
/// When the lease could not be renewed and will lapse within this margin, the batch gives up:
/// sends in flight are abandoned (their rows retried later) and no new one starts, so a live
/// dispatcher never sends a row that another one may have taken over.
const GIVE_UP_BEFORE_EXPIRY: Duration = Duration::from_secs(20);
/// No send starts later than this after the claim (the rest are released for the next claim).
const START_SENDS_WITHIN: Duration = Duration::from_secs(120);
const _: () = assert!(
    HEARTBEAT.as_secs() + GIVE_UP_BEFORE_EXPIRY.as_secs() + 10 < LEASE.as_secs(),
    "a healthy heartbeat renews the lease long before the batch would give it up"
);
const _: () = assert!(
    crate::mail::transport::SEND_BOUND.as_secs() > GIVE_UP_BEFORE_EXPIRY.as_secs(),
    "sends can outlive an unrenewed lease: the give-up watchdog must cut them off"
);
/// Rows rendered per database round (the rows they are rendered from are read for the whole
/// chunk, one query per table). Small enough that the first sends start at once.
const RENDER_CHUNK: usize = 100;

/// Turns claimed rows into emails: `render::render_batch`, except in tests that need a
/// particular message (a skip, an attachment).
#[derive(Clone, Copy)]
pub enum RenderFn {
    /// A chunk at a time, from rows read for all of it at once.
    Batch(fn(&mut DbConnection, &[OutboxRow], &RenderContext) -> Vec<Result<Rendered, String>>),
    /// Row by row.
    Each(fn(&mut DbConnection, &OutboxRow, &RenderContext) -> Result<Rendered, String>),
}

impl RenderFn {
    /// One result per row, in order.
    fn run(
        self,
        c: &mut DbConnection,
        rows: &[OutboxRow],
        ctx: &RenderContext,
    ) -> Vec<Result<Rendered, String>> {
        match self {
            Self::Batch(f) => {
                let mut out = f(c, rows, ctx);
                // A renderer that returned too few results fails the rest rather than
                // mismatching rows and emails.
                out.resize_with(rows.len(), || Err("not rendered".into()));
                out
            }
            Self::Each(f) => rows.iter().map(|r| f(c, r, ctx)).collect(),
        }
    }
}

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
    /// Set on shutdown: no new claim or send; sends in flight finish and are recorded.
    stopping: Arc<AtomicBool>,
    outage: Arc<std::sync::Mutex<Outage>>,
}

/// The database (or the pass) failing tick after tick: logged once, then ticks are skipped with
/// a growing pause until a pass succeeds again.
#[derive(Default)]
struct Outage {
    failures: u32,
    retry_at: Option<Instant>,
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
            // Set for each chunk to the dispatch pass's clock.
            now: DateTime::<Utc>::UNIX_EPOCH,
        };
        Self {
            pool,
            mailer,
            render,
            render_fn: RenderFn::Batch(render::render_batch),
            instance: instance_id(),
            batch: mail.batch.max(1),
            max_attempts: mail.max_attempts.max(1),
            max_batches: 200,
            running: Arc::new(tokio::sync::Mutex::new(())),
            stopping: Arc::new(AtomicBool::new(false)),
            outage: Arc::default(),
        }
    }

    /// One scheduler tick: a pass, unless the previous tick's pass is still running (then this
    /// tick does nothing; the running pass already loops until nothing is due), or the last
    /// passes failed and the pause before the next try has not passed yet. A failure is logged
    /// when an outage starts, not on every tick; the recovery is logged too.
    pub async fn tick(&self, now: DateTime<Utc>) -> Option<Result<DispatchReport, AppError>> {
        let _guard = self.running.try_lock().ok()?;
        if self.is_stopping() {
            return None;
        }
        if let Ok(o) = self.outage.lock()
            && o.retry_at.is_some_and(|t| Instant::now() < t)
        {
            return None;
        }
        let result = dispatch_due(self, now).await;
        if result.is_ok() {
            // Once a day: the clinic hears of sessions nobody closed.
            if let Err(e) = summary::send_unclosed_summary(self, now).await {
                log::error!("{e}");
            }
        }
        if let Ok(mut o) = self.outage.lock() {
            match &result {
                Ok(_) if o.failures > 0 => {
                    log::info!(
                        "email dispatch works again after {} failed pass(es)",
                        o.failures
                    );
                    *o = Outage::default();
                }
                Ok(_) => {}
                Err(e) => {
                    if o.failures == 0 {
                        log::error!("email dispatch failed: {e}; retrying with a growing pause");
                    }
                    o.failures += 1;
                    let pause =
                        Duration::from_secs(1 << o.failures.min(6)).min(Duration::from_secs(60));
                    o.retry_at = Some(Instant::now() + pause);
                }
            }
        }
        Some(result)
    }

    /// Shutdown: no new claims or sends from now on.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Stops and waits (at most `bound`) for the pass in flight to record its sends and release
    /// what it did not send. False when the bound ran out (the leases then expire on their own).
    pub async fn drain(&self, bound: Duration) -> bool {
        self.stop();
        tokio::time::timeout(bound, self.running.lock())
            .await
            .is_ok()
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
        if d.is_stopping() {
            break;
        }
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
    // The heartbeat keeps the lease while this batch runs; `lost` turns true when it could not,
    // shortly before the lease would lapse.
    let (lost_tx, lost) = tokio::sync::watch::channel(false);
    let heartbeat = tokio::spawn(heartbeat(d.clone(), token.clone(), now, started, lost_tx));

    let (work_tx, mut work_rx) = mpsc::channel::<(OutboxRow, Email)>(parallel * 4);
    let (out_tx, out_rx) = mpsc::unbounded_channel::<Outcome>();
    let minted_at = from_db(claimed_at);
    let renderer = tokio::spawn(render_all(
        d.clone(),
        rows,
        (now, started),
        minted_at,
        work_tx,
        out_tx.clone(),
    ));
    let recorder = tokio::spawn(record::record_all(d.clone(), token, out_rx, now, started));

    // Each send is its own task, so sends progress while outcomes are being written.
    let permits = Arc::new(Semaphore::new(parallel));
    while let Some((row, email)) = work_rx.recv().await {
        let Ok(permit) = permits.clone().acquire_owned().await else {
            break;
        };
        if Instant::now() > send_by || d.is_stopping() || *lost.borrow() {
            let _ = out_tx.send(Outcome::Released(row));
            continue;
        }
        let (mailer, out, mut lost) = (d.mailer.clone(), out_tx.clone(), lost.clone());
        tokio::spawn(async move {
            let started = Instant::now();
            let outcome = tokio::select! {
                r = mailer.send(&email) => match r {
                    Ok(reply) => Outcome::Sent(row, reply),
                    Err(e) => Outcome::Failed(row, e),
                },
                _ = lost.wait_for(|l| *l) => Outcome::Failed(
                    row,
                    SendError::temporary("abandoned: the lease could not be renewed"),
                ),
            };
            let label = match &outcome {
                Outcome::Sent(..) => "sent",
                Outcome::Failed(_, e) if e.permanent => "refused",
                _ => "failed",
            };
            metrics::counter!("carepath_email_sends_total", "outcome" => label).increment(1);
            metrics::histogram!("carepath_smtp_send_duration_seconds")
                .record(started.elapsed().as_secs_f64());
            let _ = out.send(outcome);
            drop(permit);
        });
    }
    drop(out_tx);
    if let Err(e) = renderer.await {
        log::error!("rendering task failed: {e}");
    }
    let recorded = recorder
        .await
        .map_err(|e| AppError::Internal(format!("recording task failed: {e}")));
    heartbeat.abort();
    let mut report = recorded??;
    report.claimed = claimed;
    Ok(report)
}

/// Renews the batch's leases every HEARTBEAT. When renewals keep failing (the database is
/// unreachable), flips `lost` GIVE_UP_BEFORE_EXPIRY before the last lease it holds would lapse.
async fn heartbeat(
    d: Dispatcher,
    token: String,
    now: DateTime<Utc>,
    started: Instant,
    lost: tokio::sync::watch::Sender<bool>,
) {
    let mut held_until = Instant::now() + LEASE;
    loop {
        let give_up_at = held_until - GIVE_UP_BEFORE_EXPIRY;
        let next = Instant::now() + HEARTBEAT;
        if give_up_at <= next {
            tokio::time::sleep_until(give_up_at.into()).await;
            // One last try before giving up.
        } else {
            tokio::time::sleep_until(next.into()).await;
        }
        let asked = Instant::now();
        let (t, until) = (token.clone(), at(now, started) + LEASE);
        let renewed = tokio::time::timeout(
            HEARTBEAT,
            blocking(&d.pool, move |c| Ok(outbox::renew(c, &t, until)?)),
        )
        .await;
        match renewed {
            Ok(Ok(_)) => held_until = asked + LEASE,
            Ok(Err(e)) => log::warn!("could not renew the outbox leases: {e}"),
            Err(_) => log::warn!("could not renew the outbox leases in time"),
        }
        if Instant::now() + GIVE_UP_BEFORE_EXPIRY >= held_until {
            log::error!("outbox leases about to lapse: abandoning the sends in flight");
            let _ = lost.send(true);
            return;
        }
    }
}

/// Renders in chunks off the async runtime and stores the link secrets minted for the chunk's
/// emails (before any of them is sent); messages go to the senders, skips and render errors
/// straight to the recorder.
async fn render_all(
    d: Dispatcher,
    rows: Vec<OutboxRow>,
    (now, started): (DateTime<Utc>, Instant),
    minted_at: DateTime<Utc>,
    work: mpsc::Sender<(OutboxRow, Email)>,
    out: mpsc::UnboundedSender<Outcome>,
) {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<OutboxRow> = rows.by_ref().take(RENDER_CHUNK).collect();
        let (mut ctx, render) = (d.render.clone(), d.render_fn);
        // The words of each message are true for the moment it is rendered.
        ctx.now = at(now, started).and_utc();
        let copy = chunk.clone();
        let rendered = blocking(&d.pool, move |c| {
            // One read transaction for the chunk: a consistent view, and on SQLite one read
            // lock instead of one per query (rendering reads several rows per message).
            let rendered = c.transaction::<_, AppError, _>(|c| {
                let results = render.run(c, &copy, &ctx);
                Ok(copy.into_iter().zip(results).collect::<Vec<_>>())
            })?;
            // The links go in by a write of their own, after the read: on SQLite a read
            // transaction that turns into a write fails at once when another write committed
            // in between.
            let grants: Vec<Grant> = rendered
                .iter()
                .filter_map(|(_, r)| match r {
                    Ok(Rendered::Send(_, g)) => Some(g.iter().cloned()),
                    _ => None,
                })
                .flatten()
                .collect();
            let stored = links::store(c, minted_at, &grants).map_err(|e| e.to_string());
            Ok((rendered, stored))
        })
        .await;
        let (rendered, stored) = match rendered {
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
                Ok(Rendered::Send(email, _)) => {
                    if let Err(why) = &stored {
                        // An email whose links would not open is not sent: retried later.
                        let e = SendError::temporary(format!("storing its links failed: {why}"));
                        let _ = out.send(Outcome::Failed(row, e));
                        continue;
                    }
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
