//! Queries of the admin console: editing the catalog and the clinic, and reading appointments
//! with their patient, treatment and practitioner for conflicts, exports, feeds and the dashboard.

pub mod catalog;
pub mod clinic;
pub mod listing;

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::DbConnection;

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
