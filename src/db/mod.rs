//! The database: one connection type over SQLite and PostgreSQL, chosen by the URL scheme.

/// Runs `$body` with `$c` bound to the backend's own connection (`&mut SqliteConnection` or
/// `&mut PgConnection`), the query written once. Through the MultiConnection, Diesel writes each
/// statement's SQL text afresh on every run (to collect its binds), which is much of what a small
/// statement costs on SQLite (callgrind of a booking, issue 13); on the backend's own connection a
/// prepared statement is found by its type and only bound. For statements on hot write paths.
macro_rules! per_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($c) => $body,
            $crate::db::DbConnection::Pg($c) => $body,
        }
    };
}
pub(crate) use per_backend;

pub mod appointments;
pub mod audit;
pub mod backup;
pub mod care_plans;
pub mod catalog_version;
pub mod clinic;
pub mod consent;
pub mod consultations;
pub mod courses;
pub mod explain;
pub mod links;
pub mod models;
pub mod outbox;
pub mod patients;
pub mod populate;
pub mod practitioners;
pub mod privacy;
pub mod render_rows;
pub mod resources;
pub mod schema;
pub mod screening;
pub mod seed;
pub mod sqlite_time;
pub mod staff;
pub mod treatments;
pub mod waitlist;
pub mod writer;

pub use writer::{grouped_write, write_transaction};

use diesel::connection::SimpleConnection;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::BigInt;
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Serialises schema changes when several instances start at once on one PostgreSQL.
const MIGRATION_LOCK_KEY: i64 = 0x6361_7265_7061_7468; // "carepath"

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database location, parsed from `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    pub backend: Backend,
    /// What the driver gets: a postgres:// URL, or a SQLite file path.
    pub target: String,
}

impl DatabaseUrl {
    /// `postgres://…` or `postgresql://…` is PostgreSQL; `sqlite://PATH`, `sqlite:PATH` or a
    /// plain path is a SQLite file. The scheme decides: we never guess by trying to connect.
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.is_empty() {
            return Err("DATABASE_URL is empty".into());
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self {
                backend: Backend::Postgres,
                target: url.to_string(),
            });
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() {
            return Err("DATABASE_URL names no SQLite file".into());
        }
        if let Some((scheme, _)) = path.split_once("://") {
            return Err(format!(
                "unsupported database scheme '{scheme}://' (use postgres:// or a SQLite file path)"
            ));
        }
        Ok(Self {
            backend: Backend::Sqlite,
            target: path.to_string(),
        })
    }
}

/// r2d2 manager that opens the backend the URL names and sets SQLite's per-connection pragmas.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match self.url.backend {
            Backend::Sqlite => {
                let mut c = SqliteConnection::establish(&self.url.target)
                    .map_err(r2d2::Error::ConnectionError)?;
                // WAL lets readers run beside the writer; busy_timeout makes writers queue
                // rather than fail; foreign keys are off by default in SQLite.
                // journal_mode (WAL) persists in the file and is set once in `build_pool`: switching
                // it needs an exclusive lock that connections opening together would fight over.
                c.batch_execute("PRAGMA busy_timeout = 15000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(c))
            }
            Backend::Postgres => {
                let c = PgConnection::establish(&self.url.target)
                    .map_err(r2d2::Error::ConnectionError)?;
                Ok(DbConnection::Pg(c))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// How long a request waits for a connection by default: short, so an outage answers 503 fast.
pub const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

pub fn build_pool(url: &DatabaseUrl, max_size: u32) -> Result<Pool, String> {
    build_pool_with_timeout(url, max_size, CONNECT_TIMEOUT)
}

pub fn build_pool_with_timeout(
    url: &DatabaseUrl,
    max_size: u32,
    connection_timeout: std::time::Duration,
) -> Result<Pool, String> {
    if url.backend == Backend::Sqlite {
        // WAL lets readers run beside the writer; set it once, before the pool opens connections.
        let mut c = SqliteConnection::establish(&url.target)
            .map_err(|e| format!("cannot open the database: {e}"))?;
        c.batch_execute("PRAGMA busy_timeout = 15000; PRAGMA journal_mode = WAL;")
            .map_err(|e| format!("cannot switch the database to WAL: {e}"))?;
    }
    r2d2::Pool::builder()
        .max_size(max_size)
        // Open connections as they are needed, not all at start.
        .min_idle(Some(max_size.min(2)))
        // r2d2 runs `SELECT 1` on every checkout by default: on SQLite that statement is parsed
        // afresh each time, a tenth of a short read's work, and a SQLite file connection does not
        // go stale the way a network connection can. PostgreSQL keeps the check.
        .test_on_check_out(url.backend != Backend::Sqlite)
        .connection_timeout(connection_timeout)
        .build(Manager { url: url.clone() })
        .map_err(|e| format!("cannot open the database: {e}"))
}

/// Brings the schema up to date; safe to run from several instances at once.
pub fn run_migrations(conn: &mut DbConnection) -> Result<Vec<String>, String> {
    let applied = match conn {
        DbConnection::Sqlite(c) => {
            let failed = |e: DieselError| format!("migration failed: {e}");
            sqlite_sha256(c).map_err(failed)?;
            // A migration that replaces stored secrets by their digests must not leave them in
            // the file's freed space (a copy of the file would still hold them): secure_delete
            // zeroes what is freed, and the checkpoint below empties the write-ahead log.
            c.batch_execute("PRAGMA secure_delete = ON")
                .map_err(failed)?;
            let applied = c.run_pending_migrations(SQLITE_MIGRATIONS).map(names);
            c.batch_execute("PRAGMA secure_delete = OFF")
                .map_err(failed)?;
            if applied.as_ref().is_ok_and(|v| !v.is_empty()) {
                c.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    .map_err(failed)?;
            }
            applied
        }
        DbConnection::Pg(c) => {
            lock(c, true).map_err(|e| e.to_string())?;
            let result = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(names);
            lock(c, false).map_err(|e| e.to_string())?;
            result
        }
    };
    applied.map_err(|e| format!("migration failed: {e}"))
}

#[diesel::declare_sql_function]
extern "SQL" {
    /// SHA-256 of a text, as lower-case hex: what PostgreSQL's
    /// `encode(sha256(convert_to(x, 'UTF8')), 'hex')` gives.
    fn carepath_sha256_hex(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// SQLite has no hash function: migrations that hash stored secrets (the links already emailed
/// must keep working) call this one, registered on the connection that runs them, so the
/// schema change and the conversion of existing rows commit together.
fn sqlite_sha256(c: &mut SqliteConnection) -> QueryResult<()> {
    carepath_sha256_hex_utils::register_impl(c, |x: String| crate::domain::token::sha256_hex(&x))
}

/// How many embedded migrations this database has not applied (0: the schema is current).
pub fn pending_migrations(conn: &mut DbConnection) -> Result<usize, String> {
    let pending = match conn {
        DbConnection::Sqlite(c) => c.pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        DbConnection::Pg(c) => c.pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len()),
    };
    pending.map_err(|e| format!("cannot read the applied migrations: {e}"))
}

fn names(v: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
    v.into_iter().map(|m| m.to_string()).collect()
}

fn lock(c: &mut PgConnection, take: bool) -> Result<(), DieselError> {
    let f = if take {
        "pg_advisory_lock"
    } else {
        "pg_advisory_unlock"
    };
    c.batch_execute(&format!("SELECT {f}({MIGRATION_LOCK_KEY})"))
}

/// Runs `f` while holding the cluster-wide start-up lock on PostgreSQL (seeding must happen once
/// even when several instances start together). SQLite has one writer anyway.
pub fn with_startup_lock<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, DieselError>,
) -> Result<T, DieselError> {
    let is_pg = matches!(conn, DbConnection::Pg(_));
    if let DbConnection::Pg(c) = conn {
        lock(c, true)?;
    }
    let out = f(conn);
    if is_pg && let DbConnection::Pg(c) = conn {
        lock(c, false)?;
    }
    out
}

/// Whether a transaction is open on this connection (or its transaction state is broken): what is
/// read then may include this transaction's own uncommitted writes.
pub fn in_transaction(conn: &mut DbConnection) -> bool {
    use diesel::r2d2::R2D2Connection;
    conn.is_broken()
}

/// True when the database refused a write because it would double-book a practitioner: the
/// SQLite trigger or the PostgreSQL exclusion constraint.
pub fn is_overlap(e: &DieselError) -> bool {
    match e {
        DieselError::DatabaseError(_, info) => {
            info.constraint_name() == Some("appointments_no_overlap")
                || info.constraint_name() == Some("appointment_resources_no_overlap")
                || info.message().contains("resource_overlap")
                || info.message().contains("appointment_overlap")
                || info.message().contains("appointments_no_overlap")
        }
        _ => false,
    }
}

/// True when PostgreSQL broke a deadlock by aborting this transaction (SQLSTATE 40P01, which
/// Diesel reports as an unknown kind). Exclusion constraints can deadlock by design: two
/// transactions inserting conflicting rows at once each put their index entry in first, then wait
/// for the other's. The transaction that was not aborted goes on; ours can simply run again.
pub fn is_deadlock(e: &DieselError) -> bool {
    matches!(e, DieselError::DatabaseError(_, info) if info.message().contains("deadlock detected"))
}

pub fn is_unique_violation(e: &DieselError) -> bool {
    matches!(
        e,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
    )
}

/// The id the last insert on this connection got. MultiConnection has no `RETURNING`, so each
/// backend is asked in its own words; both answers are per-connection, so concurrent inserts by
/// other connections can't be mistaken for ours.
pub fn last_insert_id(conn: &mut DbConnection) -> QueryResult<i32> {
    let id: i64 = match conn {
        DbConnection::Sqlite(c) => {
            diesel::select(sql::<BigInt>("last_insert_rowid()")).get_result(c)?
        }
        DbConnection::Pg(c) => diesel::select(sql::<BigInt>("lastval()")).get_result(c)?,
    };
    i32::try_from(id).map_err(|_| diesel::result::Error::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db_error(message: &str) -> DieselError {
        DieselError::DatabaseError(DatabaseErrorKind::Unknown, Box::new(message.to_string()))
    }

    #[test]
    fn a_deadlock_is_told_apart_from_an_overlap_and_other_errors() {
        assert!(is_deadlock(&db_error("deadlock detected")));
        assert!(!is_overlap(&db_error("deadlock detected")));
        assert!(!is_deadlock(&db_error(
            "conflicting key value violates exclusion constraint \"appointments_no_overlap\""
        )));
        assert!(!is_deadlock(&DieselError::NotFound));
    }
}
