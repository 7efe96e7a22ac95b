//! Recording what became of each claimed message, as soon as it is known. Outcomes that queue up
//! are written together: one transaction, and the sent ones in one statement.

use std::collections::HashSet;
use std::time::Instant;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::Connection;
use rand::Rng;
use tokio::sync::mpsc;

use super::{DispatchReport, Dispatcher, Outcome, at, blocking};
use crate::db::models::to_db;
use crate::db::{DbConnection, outbox};
use crate::domain::delivery::{AfterFailure, after_failure};
use crate::error::AppError;

/// Outcomes recorded per transaction at most (they are grouped only when they queue up).
const MARK_GROUP: usize = 200;

/// Writes outcomes as they arrive: one at a time when they trickle in, grouped into one
/// transaction when they queue up (so a fast server is not held back by commits).
pub(super) async fn record_all(
    d: Dispatcher,
    token: String,
    mut out: mpsc::UnboundedReceiver<Outcome>,
    now: DateTime<Utc>,
    started: Instant,
) -> Result<DispatchReport, AppError> {
    let mut report = DispatchReport::default();
    let mut first_error = None;
    while let Some(first) = out.recv().await {
        let mut group = vec![first];
        while group.len() < MARK_GROUP {
            match out.try_recv() {
                Ok(o) => group.push(o),
                Err(_) => break,
            }
        }
        let (token, max_attempts, t) = (token.clone(), d.max_attempts, at(now, started));
        let result = blocking(&d.pool, move |c| {
            c.transaction::<_, AppError, _>(|c| {
                let mut r = DispatchReport::default();
                record_sent(c, &group, &token, t, &mut r)?;
                for o in group.iter().filter(|o| !matches!(o, Outcome::Sent(..))) {
                    record(c, o, &token, t, max_attempts, &mut r)?;
                }
                Ok(r)
            })
        })
        .await;
        match result {
            Ok(r) => report += r,
            // The rows keep their lease and are retried once it expires.
            Err(e) => {
                log::error!("could not record dispatch outcomes: {e}");
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(report),
    }
}

/// The group's sent messages, in one statement (`outbox::mark_sent_many`).
fn record_sent(
    c: &mut DbConnection,
    group: &[Outcome],
    token: &str,
    t: NaiveDateTime,
    r: &mut DispatchReport,
) -> Result<(), AppError> {
    let sent: Vec<(i32, String)> = group
        .iter()
        .filter_map(|o| match o {
            Outcome::Sent(row, reply) => Some((row.id, reply.clone())),
            _ => None,
        })
        .collect();
    if sent.is_empty() {
        return Ok(());
    }
    let ours: HashSet<i32> = outbox::mark_sent_many(c, &sent, token, t)?
        .into_iter()
        .collect();
    r.sent += sent.len() as u64;
    for (id, _) in sent.iter().filter(|(id, _)| !ours.contains(id)) {
        r.lease_lost += 1;
        log::warn!(
            "email {id} was sent, but the row was no longer ours (lease taken over, or cancelled)"
        );
    }
    Ok(())
}

/// Any other outcome, one row.
fn record(
    c: &mut DbConnection,
    o: &Outcome,
    token: &str,
    t: NaiveDateTime,
    max_attempts: u32,
    r: &mut DispatchReport,
) -> Result<(), AppError> {
    let ours = match o {
        Outcome::Sent(..) => return record_sent(c, std::slice::from_ref(o), token, t, r),
        Outcome::Failed(row, e) => {
            let attempts = u32::try_from(row.attempts).unwrap_or(0) + 1;
            let jitter = rand::rng().random_range(-1.0..=1.0);
            let retry_at = match after_failure(attempts, max_attempts, e.permanent, jitter) {
                AfterFailure::Retry(delay) => {
                    r.failed += 1;
                    Some(to_db((t + delay).and_utc()))
                }
                AfterFailure::Dead => {
                    r.dead += 1;
                    // The row id only: the recipient's address stays out of the log.
                    log::warn!("email {} is dead after {attempts} attempt(s): {e}", row.id);
                    None
                }
            };
            outbox::mark_failed(c, row, token, t, &e.message, retry_at)?
        }
        Outcome::Skipped(row, reason) => {
            r.skipped += 1;
            outbox::mark_skipped(c, row.id, token, t, reason)?
        }
        Outcome::Released(row) => {
            r.released += 1;
            outbox::release(c, row.id, token)?
        }
    };
    if !ours {
        r.lease_lost += 1;
    }
    Ok(())
}
