//! What probes and the metrics scrape ask of the database: is it there with the schema this
//! build expects, and how deep is the outbox.

use chrono::{DateTime, Utc};

use crate::db::models::to_db;
use crate::db::{self, DbConnection, outbox};
use crate::error::AppError;

/// Ready when the database answers and every embedded migration has been applied.
pub fn readiness(conn: &mut DbConnection) -> Result<Result<(), String>, AppError> {
    match db::pending_migrations(conn) {
        Ok(0) => Ok(Ok(())),
        Ok(n) => Ok(Err(format!("{n} migration(s) not applied"))),
        Err(e) => Ok(Err(e)),
    }
}

/// The outbox at the scrape: rows per status, and the age of the oldest message due.
pub struct OutboxGauges {
    pub by_status: Vec<(String, i64)>,
    pub oldest_due_seconds: f64,
}

pub fn outbox_gauges(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
) -> Result<OutboxGauges, AppError> {
    let by_status = outbox::depth_by_status(conn)?;
    let oldest = outbox::oldest_due(conn, to_db(now))?;
    let oldest_due_seconds = oldest
        .map(|due| ((to_db(now) - due).num_milliseconds().max(0) as f64) / 1000.0)
        .unwrap_or(0.0);
    Ok(OutboxGauges {
        by_status,
        oldest_due_seconds,
    })
}
