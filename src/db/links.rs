//! The secrets of links in emails (`link_tokens`): only their SHA-256 digests, looked up by
//! digest. Manage links find their appointment through `appointments::by_token_hash`.

use diesel::prelude::*;

use super::DbConnection;
use super::models::LinkTokenRow;
use super::schema::link_tokens;
use crate::domain::token::LinkPurpose;

/// Rows per INSERT statement: well under SQLite's limit of bound parameters (5 per row).
const ROWS_PER_INSERT: usize = 500;

/// Stores links minted for emails: one multi-row INSERT for a whole chunk of emails (one round
/// trip on PostgreSQL, where a statement per link was a large share of the dispatcher's time).
pub fn insert(conn: &mut DbConnection, links: &[LinkTokenRow]) -> QueryResult<usize> {
    let mut n = 0;
    for rows in links.chunks(ROWS_PER_INSERT) {
        // A multi-row INSERT exists per backend, not for the multi-backend connection.
        let insert = diesel::insert_into(link_tokens::table).values(rows);
        n += match conn {
            DbConnection::Pg(c) => insert.execute(c)?,
            DbConnection::Sqlite(c) => insert.execute(c)?,
        };
    }
    Ok(n)
}

/// The patient an unsubscribe link (by its digest) belongs to.
pub fn unsubscribe_patient(conn: &mut DbConnection, hash: &str) -> QueryResult<Option<i32>> {
    link_tokens::table
        .filter(link_tokens::token_hash.eq(hash))
        .filter(link_tokens::purpose.eq(LinkPurpose::Unsubscribe.as_str()))
        .select(link_tokens::patient_id)
        .first(conn)
        .optional()
}

/// Every link emailed to a patient, oldest first (digests only: for their data export).
pub fn of_patient(conn: &mut DbConnection, patient_id: i32) -> QueryResult<Vec<LinkTokenRow>> {
    link_tokens::table
        .filter(link_tokens::patient_id.eq(patient_id))
        .order((link_tokens::created_at, link_tokens::token_hash))
        .select(LinkTokenRow::as_select())
        .load(conn)
}

/// Retires every link a patient was sent (erasure).
pub fn delete_of_patient(conn: &mut DbConnection, patient_id: i32) -> QueryResult<usize> {
    diesel::delete(link_tokens::table.filter(link_tokens::patient_id.eq(patient_id))).execute(conn)
}
