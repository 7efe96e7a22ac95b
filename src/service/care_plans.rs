//! The clinic's care plans as staff edit them: the steps of each treatment's plan, and a step
//! previewed with sample data before it is saved.

use crate::db::models::CarePlanStepRow;
use crate::domain::care_plan::StepKind;
use crate::mail::compose::{Composed, compose};
use crate::service::clinic::Clinic;

/// A step rendered with sample data, for the care plan editor's preview.
pub fn preview(
    clinic: &Clinic,
    step: &CarePlanStepRow,
    treatment_name: &str,
    base_url: &str,
) -> Result<Composed, String> {
    let kind = StepKind::parse(&step.kind).unwrap_or(StepKind::Reminder);
    let manage_url = format!("{base_url}/appointments/SAMPLE-LINK");
    let book_url = format!("{base_url}/book/sample");
    let pairs = [
        ("patient_name", "Ann Example"),
        ("treatment", &treatment_name.to_lowercase()[..]),
        ("treatment_name", treatment_name),
        ("when", "Tuesday 4 June 2030 at 10:00 (BST)"),
        ("practitioner", "Jonah Reyes"),
        ("price", "$100–$500"),
        ("clinic_name", &clinic.row.name[..]),
        ("clinic_phone", &clinic.row.phone[..]),
        ("clinic_address", &clinic.row.address[..]),
        ("manage_url", &manage_url[..]),
        ("book_url", &book_url[..]),
    ];
    let unsubscribe = kind
        .can_opt_out()
        .then(|| format!("{base_url}/unsubscribe/SAMPLE"));
    compose(
        &clinic.letterhead(),
        &step.subject,
        &step.body,
        &pairs,
        Some(&manage_url),
        unsubscribe.as_deref(),
    )
}
