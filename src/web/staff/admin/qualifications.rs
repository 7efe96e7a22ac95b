//! The qualification checkboxes that treatments (who may perform them) and practitioners (what
//! they hold) share, read from and written to the stored comma list.

use crate::domain::catalog::{QUALIFICATIONS, qualification_field};
use crate::web::forms::Fields;

pub struct QualificationBox {
    pub field: String,
    pub label: &'static str,
    pub checked: bool,
}

/// Checkboxes for the known qualifications, ticked as in `held` (a list like "nurse,physician").
pub fn qualification_boxes(held: &[String]) -> Vec<QualificationBox> {
    QUALIFICATIONS
        .iter()
        .map(|(value, label)| QualificationBox {
            field: qualification_field(value),
            label,
            checked: held.iter().any(|h| h == value),
        })
        .collect()
}

/// The ticked qualification boxes of a submitted form.
pub fn ticked_qualifications(fields: &Fields) -> Vec<String> {
    QUALIFICATIONS
        .iter()
        .filter(|(q, _)| fields.checked(&qualification_field(q)))
        .map(|(q, _)| q.to_string())
        .collect()
}

/// A stored comma list → its entries.
pub fn held(list: &str) -> Vec<String> {
    crate::domain::treatment::parse_qualifications(list)
        .into_iter()
        .collect()
}
