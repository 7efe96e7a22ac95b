//! Everything that holds a set of practitioners over a range, in one query: their appointments
//! (to the end of the buffer) and their time off. Availability over a month, the next free day
//! and the re-check inside a booking all read this.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use diesel::dsl::sql;
use diesel::sql_types::Text;

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
        // The instants come back as their stored text, read by `sqlite_instant` (a month of
        // spans is hundreds of rows; the general parser costs more than the query).
        DbConnection::Sqlite(c) => {
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
                        sql::<Text>("starts_at"),
                        sql::<Text>("blocks_until"),
                    ));
                let off = time_off::table
                    .filter(time_off::practitioner_id.eq(id))
                    .filter(time_off::starts_at.lt(to))
                    .filter(time_off::ends_at.gt(from))
                    .select((
                        time_off::practitioner_id,
                        sql::<Text>("starts_at"),
                        sql::<Text>("ends_at"),
                    ));
                for (p, start, end) in booked.union_all(off).load::<(i32, String, String)>(c)? {
                    out.push((p, sqlite_instant(&start)?, sqlite_instant(&end)?));
                }
            }
            Ok(out)
        }
    }
}

/// A timestamp as SQLite holds it: `YYYY-MM-DD HH:MM:SS` (what Diesel writes for the whole
/// seconds the app stores) read directly; anything else as Diesel's own first format would.
fn sqlite_instant(s: &str) -> QueryResult<NaiveDateTime> {
    fast_instant(s)
        .or_else(|| NaiveDateTime::parse_from_str(s, "%F %T%.f").ok())
        .ok_or_else(|| {
            diesel::result::Error::DeserializationError(format!("Invalid datetime {s}").into())
        })
}

fn fast_instant(s: &str) -> Option<NaiveDateTime> {
    let b = s.as_bytes();
    if b.len() != 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let date =
        chrono::NaiveDate::from_ymd_opt(i32::try_from(num(0..4)?).ok()?, num(5..7)?, num(8..10)?)?;
    date.and_hms_opt(num(11..13)?, num(14..16)?, num(17..19)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_instants_read_as_diesel_reads_them() {
        for s in [
            "2030-06-04 09:15:00",
            "1999-12-31 23:59:59",
            "2030-06-04 09:15:00.250",
            "2024-02-29 00:00:00",
        ] {
            assert_eq!(
                sqlite_instant(s).unwrap(),
                NaiveDateTime::parse_from_str(s, "%F %T%.f").unwrap(),
                "{s}"
            );
        }
        for bad in [
            "2030-02-30 09:00:00",
            "2030-06-04 24:00:00",
            "2030-06-04T09:00:00x",
            "",
        ] {
            assert!(sqlite_instant(bad).is_err(), "{bad}");
        }
    }
}
