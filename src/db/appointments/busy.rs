//! Everything that holds a set of practitioners over a range, in one query: their appointments
//! (to the end of the buffer) and their time off. Availability over a month, the next free day
//! and the re-check inside a booking all read this.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{appointments, time_off};

/// (practitioner, from, until) of every appointment or time off holding time in [from, to);
/// `exclude` leaves one appointment out (the one being rescheduled).
pub fn busy_spans(
    conn: &mut DbConnection,
    ids: &[i32],
    from: NaiveDateTime,
    to: NaiveDateTime,
    exclude: Option<i32>,
) -> QueryResult<Vec<(i32, NaiveDateTime, NaiveDateTime)>> {
    let booked = appointments::table
        .filter(appointments::practitioner_id.eq_any(ids))
        .filter(appointments::id.ne(exclude.unwrap_or(-1)))
        .filter(appointments::status.ne("cancelled"))
        .filter(appointments::starts_at.lt(to))
        // Nothing holds a practitioner for a day (a schema CHECK): this lower bound lets the
        // index on (practitioner_id, starts_at) skip all older history.
        .filter(appointments::starts_at.gt(from - chrono::Duration::days(1)))
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
    // MultiConnection's backend has no UNION: each backend runs the same query in its own words.
    let q = booked.union_all(off);
    match conn {
        DbConnection::Sqlite(c) => q.load(c),
        DbConnection::Pg(c) => q.load(c),
    }
}
