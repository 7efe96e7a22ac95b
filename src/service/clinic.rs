//! The clinic as the rules need it: its zone and weekly hours, from the catalog kept in memory.

use crate::db::DbConnection;
use crate::db::models::{PractitionerRow, TreatmentRow};
use crate::error::AppError;

pub use super::clinic_model::{Clinic, minute_range, qualified};

/// The clinic as it is now (from the catalog kept in memory, checked against the database).
pub fn load(conn: &mut DbConnection) -> Result<Clinic, AppError> {
    Ok(super::catalog_snapshot::current(conn)?.clinic.clone())
}

/// Active practitioners qualified for the treatment, in id order.
pub fn eligible_practitioners(
    conn: &mut DbConnection,
    treatment: &TreatmentRow,
) -> Result<Vec<PractitionerRow>, AppError> {
    Ok(super::catalog_snapshot::current(conn)?.eligible(treatment))
}
