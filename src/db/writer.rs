//! Write transactions that queue in the app on SQLite.
//!
//! SQLite has one writer. Connections that collide wait in its busy handler, which sleeps in
//! steps of 1 to 100 ms, so under contention throughput collapses long before the disk is the
//! limit. Here writers take a process-wide lock first (waking the next one the moment the previous
//! commits) and then `BEGIN IMMEDIATE`, so the transaction holds the write lock from its first
//! statement and never has to upgrade a read lock halfway. Other processes on the same file still
//! meet in the busy handler, as before. PostgreSQL gets a plain transaction: its row locks and the
//! exclusion constraint already let writers to different practitioners run side by side.

use std::sync::Mutex;

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::prelude::*;
use diesel::result::Error as DieselError;

use super::DbConnection;

/// One per process, whichever SQLite file: only tests open several files in one process, where
/// serialising their short booking transactions costs nothing that matters.
static SQLITE_WRITER: Mutex<()> = Mutex::new(());

/// Runs `f` in a write transaction: queued and `BEGIN IMMEDIATE` on SQLite; on PostgreSQL, or
/// when already inside a transaction, an ordinary (nested) one.
pub fn write_transaction<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<DieselError>,
{
    if !matches!(conn, DbConnection::Sqlite(_)) || super::in_transaction(conn) {
        // Nested, the outer transaction holds the write lock already; waiting for the queue
        // while holding it could stall the writer ahead of us.
        return conn.transaction(f);
    }
    let _turn = SQLITE_WRITER.lock().unwrap_or_else(|p| p.into_inner());
    if let DbConnection::Sqlite(c) = conn {
        AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
    }
    type Tm = <DbConnection as Connection>::TransactionManager;
    match f(conn) {
        Ok(v) => {
            Tm::commit_transaction(conn)?;
            Ok(v)
        }
        Err(e) => match Tm::rollback_transaction(conn) {
            Ok(()) | Err(DieselError::BrokenTransactionManager) => Err(e),
            Err(rollback) => Err(rollback.into()),
        },
    }
}
