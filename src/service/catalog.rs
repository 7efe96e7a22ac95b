//! The treatments on offer and who performs each, read one way for every place that shows them:
//! the home page, a treatment's own page, the booking steps and the API's list.

use super::clinic::{self, Clinic};
use crate::db::DbConnection;
use crate::db::models::{PractitionerRow, TreatmentRow};
use crate::domain::errors::FieldErrors;
use crate::domain::money::Currency;
use crate::error::AppError;

/// A treatment with the active practitioners qualified to perform it, in id order.
#[derive(Debug, Clone)]
pub struct Offer {
    pub treatment: TreatmentRow,
    pub practitioners: Vec<PractitionerRow>,
    /// The clinic's currency, for the price.
    pub currency: Currency,
}

/// The clinic and its active treatments in menu order: the home page.
pub fn menu(conn: &mut DbConnection) -> Result<(Clinic, Vec<TreatmentRow>), AppError> {
    Ok((
        clinic::load(conn)?,
        crate::db::treatments::active_treatments(conn)?,
    ))
}

/// Every active treatment with who performs it, in menu order.
pub fn offers(conn: &mut DbConnection) -> Result<Vec<Offer>, AppError> {
    let treatments = crate::db::treatments::active_treatments(conn)?;
    let practitioners = crate::db::practitioners::active_practitioners(conn)?;
    let currency = clinic::load(conn)?.currency;
    Ok(treatments
        .into_iter()
        .map(|t| Offer {
            currency,
            practitioners: clinic::qualified(&practitioners, &t),
            treatment: t,
        })
        .collect())
}

/// One active treatment, by the address of its page: unknown or withdrawn is "not found".
pub fn offer(conn: &mut DbConnection, slug: &str) -> Result<(Clinic, Offer), AppError> {
    let treatment = crate::db::treatments::active_treatment_by_slug(conn, slug)?
        .ok_or(AppError::NotFound("treatment"))?;
    let practitioners = clinic::eligible_practitioners(conn, &treatment)?;
    let clinic = clinic::load(conn)?;
    let currency = clinic.currency;
    Ok((
        clinic,
        Offer {
            treatment,
            practitioners,
            currency,
        },
    ))
}

/// An active treatment named in a request (a booking, an availability query): unknown or
/// withdrawn is a mistake in the `treatment` field.
pub fn requested(conn: &mut DbConnection, slug: &str) -> Result<TreatmentRow, AppError> {
    crate::db::treatments::active_treatment_by_slug(conn, slug)?.ok_or_else(|| {
        let mut f = FieldErrors::new();
        f.add("treatment", "Unknown treatment.");
        AppError::Invalid(f)
    })
}
