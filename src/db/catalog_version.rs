//! The catalog's version row: moved on by triggers in the same transaction as every write to the
//! clinic, its hours, treatments, practitioners and their weekly hours (see the migration
//! `catalog_version`), so one primary-key read tells whether a copy in memory is current.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::catalog_version;

/// (stamp, version): the stamp names this database, the version its catalog's state.
pub fn read(conn: &mut DbConnection) -> QueryResult<(String, i64)> {
    // Not `first` (which adds `LIMIT ?`): SQLite plans around a bound LIMIT's value, so it
    // re-prepares such a statement every time it is bound, i.e. on every request. A primary
    // key has one row anyway. On the backend's own connection: read on every request.
    super::per_backend!(conn, |c| catalog_version::table
        .find(1)
        .select((catalog_version::stamp, catalog_version::version))
        .get_result(c))
}
