//! Everything that holds a set of practitioners over a range, in one query: their appointments
//! (to the end of the buffer) and their time off. Availability over a month, the next free day
//! and the re-check inside a booking all read this.

use chrono::NaiveDateTime;
use diesel::connection::DefaultLoadingMode;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{appointments, time_off};
use crate::db::sqlite_time::SqliteTime;

/// (practitioner, from, until) of every appointment or time off holding time in [from, to);
/// `exclude` leaves one appointment out (the one being rescheduled).
pub fn busy_spans(
    conn: &mut DbConnection,
    ids: &[i32],
    from: NaiveDateTime,
    to: NaiveDateTime,
    exclude: Option<i32>,
) -> QueryResult<Vec<(i32, NaiveDateTime, NaiveDateTime)>> {
    // Nothing holds a practitioner for a day (a schema CHECK): this lower bound lets the index on
    // (practitioner_id, starts_at) skip all older history.
    let since = from - chrono::Duration::days(1);
    let exclude = exclude.unwrap_or(-1);
    match conn {
        // PostgreSQL sends the set as one array (`= ANY($1)`): one statement, prepared once.
        DbConnection::Pg(c) => {
            let booked = appointments::table
                .filter(appointments::practitioner_id.eq_any(ids))
                .filter(appointments::id.ne(exclude))
                .filter(appointments::status.ne("cancelled"))
                .filter(appointments::starts_at.lt(to))
                .filter(appointments::starts_at.gt(since))
                .filter(appointments::blocks_until.gt(from))
                .select((
                    appointments::practitioner_id,
                    appointments::starts_at,
                    appointments::blocks_until,
                ));
            let off = time_off::table
                .filter(time_off::practitioner_id.eq_any(ids))
                .filter(time_off::starts_at.lt(to))
                .filter(time_off::ends_at.gt(from))
                .select((
                    time_off::practitioner_id,
                    time_off::starts_at,
                    time_off::ends_at,
                ));
            booked.union_all(off).load(c)
        }
        // SQLite spells a set as `IN (?, …)`, whose text changes with its size, so Diesel
        // would prepare (parse and plan) it afresh on every call. One fixed statement per
        // practitioner instead stays prepared on the connection; each is one index range.
        DbConnection::Sqlite(c) => {
            // Bound and read as `SqliteTime`: the same text, without chrono's format parsing.
            let (from, to, since) = (SqliteTime(from), SqliteTime(to), SqliteTime(since));
            let mut out = Vec::new();
            for &id in ids {
                let booked = appointments::table
                    .filter(appointments::practitioner_id.eq(id))
                    .filter(appointments::id.ne(exclude))
                    .filter(appointments::status.ne("cancelled"))
                    .filter(appointments::starts_at.lt(to))
                    .filter(appointments::starts_at.gt(since))
                    .filter(appointments::blocks_until.gt(from))
                    .select((
                        appointments::practitioner_id,
                        appointments::starts_at,
                        appointments::blocks_until,
                    ));
                let off = time_off::table
                    .filter(time_off::practitioner_id.eq(id))
                    .filter(time_off::starts_at.lt(to))
                    .filter(time_off::ends_at.gt(from))
                    .select((
                        time_off::practitioner_id,
                        time_off::starts_at,
                        time_off::ends_at,
                    ));
                out.extend(
                    booked
                        .union_all(off)
                        .load_iter::<(i32, SqliteTime, SqliteTime), DefaultLoadingMode>(c)?
                        .map(|r| r.map(|(id, s, e)| (id, s.0, e.0)))
                        .collect::<QueryResult<Vec<_>>>()?,
                );
            }
            Ok(out)
        }
    }
}
