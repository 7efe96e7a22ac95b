//! SQLite keeps timestamps as text ("YYYY-MM-DD HH:MM:SS", as Diesel writes them). Diesel reads
//! each one with chrono's `parse_from_str`, trying several formats, each parsed from its format
//! string every time, and writes each bound one through `format(...)`: on the availability path,
//! which reads a few dozen spans per request, that was a third of the request's instructions.
//! `SqliteTime` reads and writes the one layout Diesel itself writes directly, byte by byte, and
//! leaves anything else (fractional seconds, other layouts, julian days) to Diesel as before, so
//! what it reads and writes is exactly what Diesel would.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Timestamp;
use diesel::sqlite::{Sqlite, SqliteValue};

/// A timestamp read from or bound to a SQLite `TIMESTAMP` column without chrono's text parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, AsExpression, FromSqlRow)]
#[diesel(sql_type = Timestamp)]
pub struct SqliteTime(pub NaiveDateTime);

impl FromSql<Timestamp, Sqlite> for SqliteTime {
    fn from_sql(mut value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        if let Some(t) = parse(value.read_text().as_bytes()) {
            return Ok(Self(t));
        }
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Self)
    }
}

impl ToSql<Timestamp, Sqlite> for SqliteTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        match format(self.0) {
            Some(text) => {
                out.set_value(text);
                Ok(IsNull::No)
            }
            None => <NaiveDateTime as ToSql<Timestamp, Sqlite>>::to_sql(&self.0, out),
        }
    }
}

/// "YYYY-MM-DD HH:MM:SS" exactly (what Diesel writes for a whole second); else `None`.
pub fn parse(b: &[u8]) -> Option<NaiveDateTime> {
    if b.len() != 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let year = i32::try_from(num(0, 4)?).ok()?;
    NaiveDate::from_ymd_opt(year, num(5, 7)?, num(8, 10)?)?.and_hms_opt(
        num(11, 13)?,
        num(14, 16)?,
        num(17, 19)?,
    )
}

/// The text Diesel writes (`%F %T%.f`) for a whole second in years 0–9999; else `None`.
pub fn format(t: NaiveDateTime) -> Option<String> {
    if t.nanosecond() != 0 || !(0..=9999).contains(&t.year()) {
        return None;
    }
    let mut s = String::with_capacity(19);
    let mut push = |n: u32, width: usize, sep: Option<char>| {
        let mut digits = [b'0'; 4];
        let mut v = n;
        for d in digits[..width].iter_mut().rev() {
            *d = b'0' + (v % 10) as u8;
            v /= 10;
        }
        for &d in &digits[..width] {
            s.push(char::from(d));
        }
        if let Some(c) = sep {
            s.push(c);
        }
    };
    push(t.year().unsigned_abs(), 4, Some('-'));
    push(t.month(), 2, Some('-'));
    push(t.day(), 2, Some(' '));
    push(t.hour(), 2, Some(':'));
    push(t.minute(), 2, Some(':'));
    push(t.second(), 2, None);
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diesel_text(t: NaiveDateTime) -> String {
        t.format("%F %T%.f").to_string()
    }

    #[test]
    fn reads_and_writes_what_diesel_does() {
        for text in [
            "2026-03-03 14:30:00",
            "0001-01-01 00:00:00",
            "9999-12-31 23:59:59",
            "2024-02-29 09:05:07",
        ] {
            let t = NaiveDateTime::parse_from_str(text, "%F %T").unwrap();
            assert_eq!(parse(text.as_bytes()), Some(t));
            assert_eq!(format(t).as_deref(), Some(diesel_text(t).as_str()));
        }
    }

    #[test]
    fn leaves_other_layouts_to_diesel() {
        for text in [
            "2026-03-03 14:30:00.5",
            "2026-03-03T14:30:00",
            "2026-02-30 10:00:00",
            "2026-03-03 24:00:00",
            "2026-03-03 14:3a:00",
            "2461102.5",
        ] {
            assert_eq!(parse(text.as_bytes()), None, "{text}");
        }
        let fractional =
            NaiveDateTime::parse_from_str("2026-03-03 14:30:00.25", "%F %T%.f").unwrap();
        assert_eq!(format(fractional), None);
    }
}
