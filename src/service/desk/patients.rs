//! Finding patients and their appointments.

use super::Reach;
use crate::db::DbConnection;
use crate::db::appointments::schedule::Listed;
use crate::db::models::PatientRow;
use crate::db::patients;
use crate::db::patients::PatientSearch;
use crate::error::AppError;
use crate::service::clinic::{self, Clinic};

pub const MAX_QUERY_CHARS: usize = 100;
/// A search shows at most this many patients; a longer list wants a narrower search.
pub const MAX_RESULTS: i64 = 50;

/// Reads what was typed into the search box (pure). Something that looks like a phone number
/// also matches phones written with other spacing ("020 7946 0000" finds "+44 20 7946-0000"
/// by "2079460000").
pub fn parse_search(q: &str) -> Result<PatientSearch, String> {
    let q = q.trim();
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(format!(
            "A search can be at most {MAX_QUERY_CHARS} characters."
        ));
    }
    let digits: String = q.chars().filter(char::is_ascii_digit).collect();
    let phone_like = q
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    Ok(PatientSearch {
        text: q.to_lowercase(),
        digits: (phone_like && digits.len() >= 3).then_some(digits),
    })
}

pub fn search(conn: &mut DbConnection, q: &str, reach: Reach) -> Result<Vec<PatientRow>, AppError> {
    let search = parse_search(q).map_err(|e| super::field_error("q", e))?;
    Ok(crate::db::patients::search_patients(
        conn,
        &search,
        reach.only(),
        MAX_RESULTS,
    )?)
}

/// A patient's record as the desk sees it.
pub struct PatientRecord {
    /// Whose zone the dates are shown in.
    pub clinic: Clinic,
    pub patient: PatientRow,
    /// Newest first.
    pub appointments: Vec<Listed>,
}

/// A patient and their appointments. A practitioner sees only patients they have an
/// appointment with, and only those appointments.
pub fn patient(conn: &mut DbConnection, id: i32, reach: Reach) -> Result<PatientRecord, AppError> {
    let row = match patients::by_id(conn, id) {
        Ok(row) => row,
        Err(diesel::result::Error::NotFound) => return Err(AppError::NotFound("patient")),
        Err(e) => return Err(e.into()),
    };
    if let Some(own) = reach.only()
        && !crate::db::patients::is_patient_of(conn, id, own)?
    {
        return Err(AppError::Forbidden(
            "This patient has no appointments with you.".into(),
        ));
    }
    let appointments = crate::db::appointments::schedule::of_patient(conn, id, reach.only())?;
    Ok(PatientRecord {
        clinic: clinic::load(conn)?,
        patient: row,
        appointments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_read_text_and_phone_numbers() {
        let s = parse_search("  Ann LEE ").unwrap();
        assert_eq!(s.text, "ann lee");
        assert_eq!(s.digits, None);
        let s = parse_search("+44 (20) 7946-0000").unwrap();
        assert_eq!(s.digits.as_deref(), Some("442079460000"));
        assert_eq!(parse_search("12").unwrap().digits, None, "too short");
        assert_eq!(parse_search("flat 12").unwrap().digits, None, "not a phone");
        assert!(parse_search(&"x".repeat(101)).is_err());
        assert_eq!(parse_search("").unwrap().text, "");
    }
}
