//! Link secrets for patients: the manage token a booking is answered with, and the fresh ones
//! each email carries (minted when the email is rendered, so a reminder sent days later still
//! has a working link although no token is kept). The database holds only SHA-256 digests and
//! is asked by digest; the tokens themselves exist only in links.

use chrono::{DateTime, Utc};
use diesel::Connection;

use crate::db::models::{AppointmentRow, LinkTokenRow, PatientRow, to_db};
use crate::db::{DbConnection, appointments, links, patients};
use crate::domain::token::{LinkPurpose, ManageToken};
use crate::error::AppError;

/// A link secret minted for an email, waiting to be stored before the email goes out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub purpose: LinkPurpose,
    pub appointment_id: Option<i32>,
    pub patient_id: i32,
    token_hash: String,
    /// A waitlist offer's claim or leave link (issue 11), kept in `waitlist_links` instead: a
    /// waiting entry has no patient record.
    waitlist: Option<crate::db::waitlist::LinkRow>,
}

impl Grant {
    /// A waitlist link's row, to be stored with the other links of its email.
    pub fn waitlist(row: crate::db::waitlist::LinkRow) -> Self {
        Grant {
            purpose: LinkPurpose::Manage,
            appointment_id: None,
            patient_id: 0,
            token_hash: row.token_hash.clone(),
            waitlist: Some(row),
        }
    }
}

/// A new manage link secret for an email about `appointment`: the token for the link, and what
/// to store.
pub fn mint_manage(appointment: &AppointmentRow) -> (ManageToken, Grant) {
    mint(
        LinkPurpose::Manage,
        Some(appointment.id),
        appointment.patient_id,
    )
}

/// A new opt-out link secret for an email to `patient_id`.
pub fn mint_unsubscribe(patient_id: i32) -> (ManageToken, Grant) {
    mint(LinkPurpose::Unsubscribe, None, patient_id)
}

fn mint(
    purpose: LinkPurpose,
    appointment_id: Option<i32>,
    patient_id: i32,
) -> (ManageToken, Grant) {
    let token = ManageToken::generate();
    let grant = Grant {
        purpose,
        appointment_id,
        patient_id,
        token_hash: token.digest(),
        waitlist: None,
    };
    (token, grant)
}

/// Stores minted links in one short write. Called before the emails carrying them are sent, so
/// no link goes out that would not open.
pub fn store(c: &mut DbConnection, now: DateTime<Utc>, grants: &[Grant]) -> Result<(), AppError> {
    if grants.is_empty() {
        return Ok(());
    }
    let waiting: Vec<crate::db::waitlist::LinkRow> =
        grants.iter().filter_map(|g| g.waitlist.clone()).collect();
    let rows: Vec<LinkTokenRow> = grants
        .iter()
        .filter(|g| g.waitlist.is_none())
        .map(|g| LinkTokenRow {
            token_hash: g.token_hash.clone(),
            purpose: g.purpose.as_str().to_string(),
            appointment_id: g.appointment_id,
            patient_id: g.patient_id,
            created_at: to_db(now),
        })
        .collect();
    c.transaction(|c| {
        links::insert(c, &rows)?;
        crate::db::waitlist::insert_links(c, &waiting)
    })?;
    Ok(())
}

/// The appointment a manage token opens; anything else (a malformed, unknown or retired token)
/// is the same 404.
pub fn appointment(c: &mut DbConnection, token: &str) -> Result<AppointmentRow, AppError> {
    let token = ManageToken::parse(token).ok_or(AppError::NotFound("appointment"))?;
    appointments::by_token_hash(c, &token.digest())?.ok_or(AppError::NotFound("appointment"))
}

/// The patient an unsubscribe token belongs to.
pub fn unsubscribing(c: &mut DbConnection, token: &str) -> Result<PatientRow, AppError> {
    let token = ManageToken::parse(token).ok_or(AppError::NotFound("link"))?;
    let id = links::unsubscribe_patient(c, &token.digest())?.ok_or(AppError::NotFound("link"))?;
    Ok(patients::by_id(c, id)?)
}
