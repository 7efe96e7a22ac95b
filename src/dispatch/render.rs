//! Turns a claimed outbox row into an email: loads the appointment and its care plan step, checks
//! the message still applies, and composes it (`mail::compose`) with the appointment's details.

use chrono_tz::Tz;

use crate::db::models::{CarePlanStepRow, OutboxRow};
use crate::db::{DbConnection, appointments, care_plans};
use crate::domain::care_plan::StepKind;
use crate::domain::outbox::still_relevant;
use crate::domain::time::datetime_label;
use crate::domain::treatment::price_range_label;
use crate::mail::Email;
use crate::mail::compose::compose;
use crate::service::booking::{AppointmentDetails, details_of};
use crate::service::calendar::appointment_ics;
use crate::service::clinic::{self, Clinic};
use crate::service::links::{self, Grant};
use crate::service::screening::BookLink;

/// What rendering needs from outside the database.
#[derive(Debug, Clone)]
pub struct RenderContext {
    pub base_url: String,
    /// Host part of Message-IDs.
    pub host: String,
}

/// What to do with a claimed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rendered {
    /// The email, and the link secrets minted for it: the dispatcher stores them (`links::store`)
    /// before the email is sent. Rendering itself only reads.
    Send(Email, Vec<Grant>),
    /// Not to be sent after all (e.g. the patient opted out of follow-ups since it was planned):
    /// the dispatcher marks it cancelled with this reason.
    Skip(String),
}

/// The placeholder values for an appointment.
fn values(
    tz: Tz,
    clinic: &Clinic,
    d: &AppointmentDetails,
    manage_url: &str,
    book_url: &str,
) -> Vec<(&'static str, String)> {
    vec![
        ("patient_name", d.contact.name.clone()),
        ("treatment", d.treatment.name.to_lowercase()),
        ("treatment_name", d.treatment.name.clone()),
        ("when", datetime_label(tz, d.starts_at())),
        ("practitioner", d.practitioner.name.clone()),
        (
            "price",
            price_range_label(d.treatment.price_min_cents, d.treatment.price_max_cents),
        ),
        ("clinic_name", clinic.row.name.clone()),
        ("clinic_phone", clinic.row.phone.clone()),
        ("clinic_address", clinic.row.address.clone()),
        ("manage_url", manage_url.to_string()),
        ("book_url", book_url.to_string()),
    ]
}

/// A reminder for a booking whose health questions are unanswered asks for them again
/// (issue 10); every other message is the step's text as written.
fn with_screening_request(
    conn: &mut DbConnection,
    kind: StepKind,
    d: &AppointmentDetails,
    body: &str,
    manage_url: &str,
) -> Result<String, String> {
    if kind != StepKind::Reminder
        || !crate::service::screening::reminder_asks_again(conn, d.appointment.id)
            .map_err(|e| e.to_string())?
    {
        return Ok(body.to_string());
    }
    Ok(format!(
        "{body}\n\nBefore your visit, please answer our health questions (if you are unsure \
         about any answer, call us on {{clinic_phone}}): {manage_url}/screening"
    ))
}

/// Renders a claimed outbox row. An `Err` is a failure to retry like a send failure.
pub fn render(
    conn: &mut DbConnection,
    row: &OutboxRow,
    ctx: &RenderContext,
) -> Result<Rendered, String> {
    let kind =
        StepKind::parse(&row.kind).ok_or_else(|| format!("unknown message kind '{}'", row.kind))?;
    let step: CarePlanStepRow = match row.step_id {
        Some(id) => care_plans::step(conn, id)
            .map_err(|e| e.to_string())?
            .ok_or("its care plan step was deleted")?,
        None => return Err("message has no care plan step".into()),
    };
    let clinic = clinic::load(conn).map_err(|e| e.to_string())?;
    let appt = appointments::by_id(conn, row.appointment_id).map_err(|e| e.to_string())?;
    let d = details_of(conn, appt).map_err(|e| e.to_string())?;
    if !still_relevant(kind, d.status) {
        return Ok(Rendered::Skip(format!(
            "appointment is {}",
            d.status.label().to_lowercase()
        )));
    }
    // The details already carry the patient row, opt-out included.
    let patient = &d.patient;
    if kind.can_opt_out() && patient.followups_opt_out {
        return Ok(Rendered::Skip(
            "patient opted out of check-ins and follow-ups".into(),
        ));
    }
    // A consultation's follow-up links to the treatment it cleared (issue 10); decided before
    // any link secret is minted, since one that cleared nothing isn't sent.
    let follow_up = kind == StepKind::FollowUp;
    let book_url = match crate::service::screening::book_link(conn, &d.appointment, follow_up)
        .map_err(|e| e.to_string())?
    {
        BookLink::Own => format!("{}/book/{}", ctx.base_url, d.treatment.slug),
        BookLink::Cleared(slug) => format!("{}/book/{slug}", ctx.base_url),
        BookLink::NothingCleared => {
            return Ok(Rendered::Skip(
                "the consultation cleared no treatment to book".into(),
            ));
        }
    };
    // Each email gets its own link secrets: no token is kept to build links from later, only
    // digests, so these are new ones for this appointment (or patient), stored before sending.
    let show_manage = matches!(
        kind,
        StepKind::Confirmation | StepKind::Preparation | StepKind::Reminder
    );
    // The confirmation's .ics carries it too (a confirmation shows it anyway).
    let carries_manage =
        show_manage || step.subject.contains("{manage_url}") || step.body.contains("{manage_url}");
    let mut grants = Vec::new();
    let manage_url = if carries_manage {
        let (manage, grant) = links::mint_manage(&d.appointment);
        grants.push(grant);
        format!("{}/appointments/{}", ctx.base_url, manage.as_str())
    } else {
        // Not in this email: no secret is minted for it.
        String::new()
    };
    let unsubscribe_url = kind.can_opt_out().then(|| {
        let (token, grant) = links::mint_unsubscribe(patient.id);
        grants.push(grant);
        format!("{}/unsubscribe/{}", ctx.base_url, token.as_str())
    });
    let owned = values(clinic.tz, &clinic, &d, &manage_url, &book_url);
    let pairs: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let body = with_screening_request(conn, kind, &d, &step.body, &manage_url)?;
    let composed = compose(
        &clinic.letterhead(),
        &step.subject,
        &body,
        &pairs,
        show_manage.then_some(manage_url.as_str()),
        unsubscribe_url.as_deref(),
    )?;
    let ics = (kind == StepKind::Confirmation)
        .then(|| appointment_ics(&clinic, &d, &manage_url, &ctx.host));
    Ok(Rendered::Send(
        Email {
            to: row.recipient.clone(),
            subject: composed.subject,
            text: composed.text,
            html: composed.html,
            message_id: format!("{}@{}", row.message_id, ctx.host),
            unsubscribe_url,
            ics,
        },
        grants,
    ))
}
