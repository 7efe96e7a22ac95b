//! Booked appointments a schedule change would strand, loaded and labelled for the page, and the
//! confirmation that lets the change go ahead anyway.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::db::DbConnection;
use crate::db::appointments::listing::{self, ListFilter, Listed};
use crate::db::models::{from_db, to_db};
use crate::domain::appointment::Status;
use crate::domain::schedule_conflicts::{Booked, confirmed, parse_seen, seen_value};
use crate::domain::time::datetime_label;
use crate::error::AppError;

/// A stranded appointment as the page lists it.
#[derive(Debug, Clone)]
pub struct ConflictView {
    pub id: i32,
    pub when: String,
    pub patient: String,
    pub treatment: String,
    pub practitioner: String,
    pub status: &'static str,
}

/// What the person confirmed: the checkbox, and the conflicts the page showed them.
#[derive(Debug, Clone, Default)]
pub struct Confirmation {
    pub confirmed: bool,
    pub seen: BTreeSet<i32>,
}

impl Confirmation {
    pub fn from_form(checkbox: bool, seen: &str) -> Self {
        Self {
            confirmed: checkbox,
            seen: parse_seen(seen),
        }
    }

    /// True when the change may be saved despite `ids`: nothing is stranded, or the person
    /// ticked the box after seeing every one of them.
    pub fn allows(&self, ids: &[i32]) -> bool {
        ids.is_empty() || (self.confirmed && confirmed(&self.seen, ids))
    }
}

/// The result of a guarded change.
#[derive(Debug, Clone)]
pub struct Guarded<T> {
    /// `None`: not saved, the conflicts need a confirmation first.
    pub saved: Option<T>,
    pub conflicts: Vec<ConflictView>,
}

impl<T> Guarded<T> {
    /// The hidden `seen` value the confirmation form sends back.
    pub fn seen(&self) -> String {
        seen_value(&self.conflicts.iter().map(|c| c.id).collect::<Vec<_>>())
    }
}

/// Booked or checked-in appointments not over yet, of one practitioner or all.
pub fn upcoming(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    practitioner_id: Option<i32>,
) -> Result<Vec<Listed>, AppError> {
    Ok(listing::list(
        conn,
        &ListFilter {
            ends_after: Some(to_db(now)),
            practitioner_id,
            statuses: vec![Status::Booked.as_str(), Status::CheckedIn.as_str()],
            ..ListFilter::default()
        },
    )?)
}

pub fn booked(listed: &[Listed]) -> Vec<Booked> {
    listed
        .iter()
        .map(|l| Booked {
            id: l.appointment.id,
            practitioner_id: l.appointment.practitioner_id,
            start: from_db(l.appointment.starts_at),
            end: from_db(l.appointment.ends_at),
            blocks_until: from_db(l.appointment.blocks_until),
        })
        .collect()
}

/// The listed appointments whose ids are in `ids`, labelled in the clinic's zone.
pub fn views(tz: Tz, listed: &[Listed], ids: &[i32]) -> Vec<ConflictView> {
    listed
        .iter()
        .filter(|l| ids.contains(&l.appointment.id))
        .map(|l| ConflictView {
            id: l.appointment.id,
            when: datetime_label(tz, from_db(l.appointment.starts_at)),
            patient: l.patient.name.clone(),
            treatment: l.treatment.name.clone(),
            practitioner: l.practitioner.name.clone(),
            status: Status::parse(&l.appointment.status).map_or("", Status::label),
        })
        .collect()
}

/// The audit note of a change saved despite conflicts.
pub fn note(ids: &[i32]) -> Option<String> {
    (!ids.is_empty()).then(|| {
        format!(
            "saved after confirming {} conflicting appointment(s): {}",
            ids.len(),
            ids.iter()
                .map(|i| format!("#{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}
