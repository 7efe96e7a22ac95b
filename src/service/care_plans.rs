//! The clinic's care plans as staff edit them: the steps of each treatment's plan, a step
//! previewed with sample data, and saving a step's new wording and timing with its audit row.

use chrono::{DateTime, Duration, Utc};
use diesel::Connection;
use serde_json::json;

use crate::db::DbConnection;
use crate::db::models::{CarePlanStepRow, TreatmentRow, to_db};
use crate::domain::care_plan::{Anchor, StepForm, StepKind};
use crate::domain::message_words::{CancelledBy, Facts, cancel_note, placeholder_values};
use crate::domain::time::{boundary_instant, today};
use crate::domain::treatment::price_range_label;
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
    /// Its short variant for late bookings, when it has one.
    pub late_preview: Option<Composed>,
}

/// Step `id` for its editor; `edited` is the wording just typed, previewed instead of the
/// stored one.
pub fn step(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    id: i32,
    edited: Option<&StepForm>,
    base_url: &str,
) -> Result<StepPage, AppError> {
    let step = find_step(conn, id)?;
    let treatment = crate::db::treatments::treatment(conn, step.treatment_id)?;
    let clinic = clinic::load(conn)?;
    // A practitioner who performs this treatment (the first qualified), as a real email would.
    let practitioner = clinic::eligible_practitioners(conn, &treatment)?
        .into_iter()
        .next()
        .map_or_else(|| "your practitioner".to_string(), |p| p.name);
    let shown = match edited {
        Some(e) => CarePlanStepRow {
            subject: e.subject.clone(),
            body: e.body.clone(),
            late_body: e.late_body.clone(),
            ..step.clone()
        },
        None => step.clone(),
    };
    let sample = Sample {
        clinic: &clinic,
        treatment: &treatment,
        practitioner: &practitioner,
        base_url,
        now,
    };
    let preview = sample
        .compose(&shown, &shown.body)
        .map_err(AppError::Internal)?;
    let late_preview = if shown.late_body.trim().is_empty() {
        None
    } else {
        Some(
            sample
                .compose(&shown, &shown.late_body)
                .map_err(AppError::Internal)?,
        )
    };
    Ok(StepPage {
        clinic,
        step,
        treatment: treatment.name,
        preview,
        late_preview,
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
            &crate::db::care_plans::StepUpdate {
                subject: &edit.subject,
                body: &edit.body,
                late_body: &edit.late_body,
                offset_minutes: edit.offset_minutes,
                active: edit.active,
            },
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
                    "late_body": before.late_body,
                })),
                after: Some(json!({
                    "subject": edit.subject,
                    "body": edit.body,
                    "offset_minutes": edit.offset_minutes,
                    "active": edit.active,
                    "late_body": edit.late_body,
                })),
                note: None,
            },
        )?;
        Ok(())
    })
}

/// What the editor's preview fills a step with: a sample patient, the treatment's own price and
/// length, and a practitioner who performs it, a week and a day from now.
struct Sample<'a> {
    clinic: &'a Clinic,
    treatment: &'a TreatmentRow,
    practitioner: &'a str,
    base_url: &'a str,
    now: DateTime<Utc>,
}

impl Sample<'_> {
    fn compose(&self, step: &CarePlanStepRow, body: &str) -> Result<Composed, String> {
        let kind = StepKind::parse(&step.kind).unwrap_or(StepKind::Reminder);
        let tz = self.clinic.tz;
        let day = today(tz, self.now) + Duration::days(8);
        let start = boundary_instant(tz, day, 10 * 60);
        // Read as the patient would when it is sent on time.
        let sent = match Anchor::parse(&step.anchor) {
            Some(Anchor::Start) => start + Duration::minutes(i64::from(step.offset_minutes)),
            _ => self.now,
        };
        let manage_url = format!("{}/appointments/SAMPLE-LINK", self.base_url);
        let book_url = format!("{}/book/{}", self.base_url, self.treatment.slug);
        let mut owned = placeholder_values(&Facts {
            now: sent,
            tz,
            cutoff: self.clinic.cutoff,
            patient_name: "Ann Example",
            treatment_name: &self.treatment.name,
            start,
            duration_minutes: self.treatment.duration_minutes,
            practitioner: self.practitioner,
            price: price_range_label(
                self.clinic.currency,
                self.treatment.price_min_cents,
                self.treatment.price_max_cents,
            ),
            clinic_name: &self.clinic.row.name,
            clinic_phone: &self.clinic.row.phone,
            clinic_address: &self.clinic.row.address,
            manage_url: &manage_url,
            book_url: &book_url,
        });
        owned.push((
            "cancel_note",
            cancel_note(
                CancelledBy::Clinic,
                Some("(the reason staff give)"),
                &self.clinic.row.phone,
            ),
        ));
        let pairs: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let unsubscribe = kind
            .can_opt_out()
            .then(|| format!("{}/unsubscribe/SAMPLE", self.base_url));
        compose(
            &self.clinic.letterhead(),
            &step.subject,
            body,
            &pairs,
            Some(&manage_url),
            unsubscribe.as_deref(),
        )
    }
}
