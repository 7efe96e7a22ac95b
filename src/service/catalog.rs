//! The treatments on offer and who performs each, read one way for every place that shows them:
//! the home page, a treatment's own page, the booking steps and the API's list. All from the
//! catalog kept in memory (`catalog_snapshot`), current with the database on every call.

use super::catalog_snapshot;
use super::clinic::Clinic;
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
    let cat = catalog_snapshot::current(conn)?;
    Ok((cat.clinic.clone(), cat.treatments.clone()))
}

/// Every active treatment with who performs it, in menu order.
pub fn offers(conn: &mut DbConnection) -> Result<Vec<Offer>, AppError> {
    let cat = catalog_snapshot::current(conn)?;
    let currency = cat.clinic.currency;
    Ok(cat
        .treatments
        .iter()
        .map(|t| Offer {
            currency,
            practitioners: cat.eligible(t),
            treatment: t.clone(),
        })
        .collect())
}

/// One active treatment, by the address of its page: unknown or withdrawn is "not found".
pub fn offer(conn: &mut DbConnection, slug: &str) -> Result<(Clinic, Offer), AppError> {
    let cat = catalog_snapshot::current(conn)?;
    let treatment = cat
        .treatment(slug)
        .cloned()
        .ok_or(AppError::NotFound("treatment"))?;
    let currency = cat.clinic.currency;
    Ok((
        cat.clinic.clone(),
        Offer {
            practitioners: cat.eligible(&treatment),
            treatment,
            currency,
        },
    ))
}

/// An active treatment named in a request (a booking, an availability query): unknown or
/// withdrawn is a mistake in the `treatment` field.
pub fn requested(conn: &mut DbConnection, slug: &str) -> Result<TreatmentRow, AppError> {
    requested_in(&*catalog_snapshot::current(conn)?, slug)
}

/// `requested` from a catalog already in hand (one freshness check per request).
pub fn requested_in(
    cat: &catalog_snapshot::CatalogSnapshot,
    slug: &str,
) -> Result<TreatmentRow, AppError> {
    cat.treatment(slug).cloned().ok_or_else(|| {
        let mut f = FieldErrors::new();
        f.add("treatment", "Unknown treatment.");
        AppError::Invalid(f)
    })
}
