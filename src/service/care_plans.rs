//! The clinic's care plans as staff edit them: the steps of each treatment's plan, a step
//! previewed with sample data, and saving a step's new wording and timing with its audit row.

use chrono::{DateTime, Utc};
use diesel::Connection;
use serde_json::json;

use crate::db::DbConnection;
use crate::db::models::{CarePlanStepRow, to_db};
use crate::domain::care_plan::{StepForm, StepKind};
use crate::error::AppError;
use crate::mail::compose::{Composed, compose};
use crate::service::audit::{self, Actor, Entry};
use crate::service::clinic::{self, Clinic};

/// One treatment's plan: its steps in the order they go out.
pub struct Plan {
    pub treatment: String,
    pub steps: Vec<CarePlanStepRow>,
}

/// Every offered treatment's plan, for the care plan list.
pub fn plans(conn: &mut DbConnection) -> Result<(Clinic, Vec<Plan>), AppError> {
    let mut plans = Vec::new();
    for t in crate::db::treatments::active_treatments(conn)? {
        plans.push(Plan {
            steps: crate::db::care_plans::steps_of(conn, t.id)?,
            treatment: t.name,
        });
    }
    Ok((clinic::load(conn)?, plans))
}

/// A step as its editor shows it.
pub struct StepPage {
    pub clinic: Clinic,
    pub step: CarePlanStepRow,
    pub treatment: String,
    /// The step (with the wording being edited, when there is some) filled with sample data.
    pub preview: Composed,
}

/// Step `id` for its editor; `edited` is the wording just typed, previewed instead of the
/// stored one.
pub fn step(
    conn: &mut DbConnection,
    id: i32,
    edited: Option<&StepForm>,
    base_url: &str,
) -> Result<StepPage, AppError> {
    let step = find_step(conn, id)?;
    let treatment = crate::db::treatments::treatment(conn, step.treatment_id)?.name;
    let clinic = clinic::load(conn)?;
    let shown = match edited {
        Some(e) => CarePlanStepRow {
            subject: e.subject.clone(),
            body: e.body.clone(),
            ..step.clone()
        },
        None => step.clone(),
    };
    let preview = preview(&clinic, &shown, &treatment, base_url).map_err(AppError::Internal)?;
    Ok(StepPage {
        clinic,
        step,
        treatment,
        preview,
    })
}

fn find_step(conn: &mut DbConnection, id: i32) -> Result<CarePlanStepRow, AppError> {
    crate::db::care_plans::step(conn, id)?.ok_or(AppError::NotFound("care plan step"))
}

/// Saves a step's wording, offset and whether it is sent, with the audit row in the same
/// transaction. Messages already planned keep the times they were given.
pub fn update_step(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    id: i32,
    form: &StepForm,
) -> Result<(), AppError> {
    let edit = form.parse().map_err(AppError::Invalid)?;
    conn.transaction(|c| {
        let before = find_step(c, id)?;
        crate::db::care_plans::update_step(
            c,
            id,
            &edit.subject,
            &edit.body,
            edit.offset_minutes,
            edit.active,
            to_db(now),
        )?;
        audit::record(
            c,
            now,
            actor,
            Entry {
                action: "care_plan.update",
                subject_kind: "care_plan_step",
                subject_id: Some(id),
                before: Some(json!({
                    "subject": before.subject,
                    "body": before.body,
                    "offset_minutes": before.offset_minutes,
                    "active": before.active,
                })),
                after: Some(json!({
                    "subject": edit.subject,
                    "body": edit.body,
                    "offset_minutes": edit.offset_minutes,
                    "active": edit.active,
                })),
                note: None,
            },
        )?;
        Ok(())
    })
}

/// A step rendered with sample data, for the care plan editor's preview.
fn preview(
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
