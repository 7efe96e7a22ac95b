//! Turns a claimed outbox row into an email: loads the appointment and its care plan step, checks
//! the message still applies, and composes it (`mail::compose`) with the appointment's details.

use chrono::{DateTime, Duration, Utc};

use super::loaded::Loaded;
use crate::db::models::{CarePlanStepRow, OutboxRow};
use crate::db::{DbConnection, audit};
use crate::domain::care_plan::{Anchor, StepKind};
use crate::domain::message_words::{
    CancelledBy, Facts, cancel_note, is_late, past_change_cutoff, placeholder_values,
};
use crate::domain::outbox::still_relevant;
use crate::domain::treatment::price_range_label;
use crate::mail::Email;
use crate::mail::compose::compose;
use crate::service::booking::AppointmentDetails;
use crate::service::calendar::appointment_ics;
use crate::service::clinic::Clinic;
use crate::service::links;

pub use super::rendered::{RenderContext, Rendered};
use crate::service::planning::is_move_notice;
use crate::service::screening::BookLink;

/// The placeholder values for an appointment, as true at `now`.
fn values(
    now: DateTime<Utc>,
    clinic: &Clinic,
    d: &AppointmentDetails,
    manage_url: &str,
    book_url: &str,
) -> Vec<(&'static str, String)> {
    placeholder_values(&Facts {
        now,
        tz: clinic.tz,
        cutoff: clinic.cutoff,
        patient_name: &d.contact.name,
        treatment_name: &d.treatment.name,
        start: d.starts_at(),
        duration_minutes: d.treatment.duration_minutes,
        practitioner: &d.practitioner.name,
        price: price_range_label(
            clinic.currency,
            d.treatment.price_min_cents,
            d.treatment.price_max_cents,
        ),
        clinic_name: &clinic.row.name,
        clinic_phone: &clinic.row.phone,
        clinic_address: &clinic.row.address,
        manage_url,
        book_url,
    })
}

/// A reminder for a booking whose health questions are unanswered asks for them again
/// (issue 10, `screening::reminder_asks_again`); every other message is the step's text as written.
fn with_screening_request(
    loaded: &Loaded,
    kind: StepKind,
    d: &AppointmentDetails,
    body: &str,
    manage_url: &str,
) -> String {
    if kind != StepKind::Reminder || !loaded.screening_pending(d.appointment.id) {
        return body.to_string();
    }
    format!(
        "{body}\n\nBefore your visit, please answer our health questions (if you are unsure \
         about any answer, call us on {{clinic_phone}}): {manage_url}/screening"
    )
}

/// Renders a claimed outbox row. An `Err` is a failure to retry like a send failure.
pub fn render(
    conn: &mut DbConnection,
    row: &OutboxRow,
    ctx: &RenderContext,
) -> Result<Rendered, String> {
    render_batch(conn, std::slice::from_ref(row), ctx)
        .pop()
        .unwrap_or_else(|| Err("nothing was rendered".into()))
}

/// Renders claimed rows, in order, from rows read for all of them at once (`Loaded`).
pub fn render_batch(
    conn: &mut DbConnection,
    rows: &[OutboxRow],
    ctx: &RenderContext,
) -> Vec<Result<Rendered, String>> {
    match Loaded::read(conn, rows) {
        Ok(loaded) => rows
            .iter()
            .map(|row| render_one(conn, &loaded, row, ctx))
            .collect(),
        Err(e) => rows.iter().map(|_| Err(e.to_string())).collect(),
    }
}

fn render_one(
    conn: &mut DbConnection,
    loaded: &Loaded,
    row: &OutboxRow,
    ctx: &RenderContext,
) -> Result<Rendered, String> {
    // A waitlist offer (issue 11) is about a freed time, not the appointment it came from.
    if row.kind == crate::domain::waitlist::OFFER_KIND {
        return super::waitlist::render(conn, row, ctx);
    }
    let kind =
        StepKind::parse(&row.kind).ok_or_else(|| format!("unknown message kind '{}'", row.kind))?;
    let step: &CarePlanStepRow = match row.step_id {
        Some(id) => loaded.step(id).ok_or("its care plan step was deleted")?,
        None => return Err("message has no care plan step".into()),
    };
    let clinic = &loaded.clinic;
    let d = loaded.details(conn, row.appointment_id)?;
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
    // Only a consultation's follow-up reads more (what it cleared).
    let book_link = if follow_up && loaded.is_consultation(d.appointment.treatment_id) {
        crate::service::screening::book_link(conn, &d.appointment, follow_up)
            .map_err(|e| e.to_string())?
    } else {
        BookLink::Own
    };
    let book_url = match book_link {
        // A follow-up of a course session proposes the course's next one (issue 11): the booking
        // page opened on the first date the interval allows, with the same practitioner.
        BookLink::Own => match d.course.as_ref().and_then(|c| c.next_from) {
            Some(from) if follow_up => format!(
                "{}/book/{}?date={}&practitioner={}",
                ctx.base_url,
                d.treatment.slug,
                from.max(crate::domain::time::today(clinic.tz, ctx.now))
                    .format("%Y-%m-%d"),
                d.practitioner.id
            ),
            _ => format!("{}/book/{}", ctx.base_url, d.treatment.slug),
        },
        BookLink::Cleared(slug) => format!("{}/book/{slug}", ctx.base_url),
        BookLink::NothingCleared => {
            return Ok(Rendered::Skip(
                "the consultation cleared no treatment to book".into(),
            ));
        }
    };
    let now = ctx.now;
    let moved = kind == StepKind::Confirmation && is_move_notice(&row.dedupe_key);
    let (subject, body) = wording(step, d.starts_at(), now, moved);
    let manage_kind = matches!(
        kind,
        StepKind::Confirmation | StepKind::Preparation | StepKind::Reminder
    );
    // The button only while it can still change something; after the cut-off the words say
    // to call instead.
    let show_manage = manage_kind && !past_change_cutoff(now, d.starts_at(), clinic.cutoff);
    // Each email gets its own link secrets: no token is kept to build links from later, only
    // digests, so these are new ones for this appointment (or patient), stored before sending.
    // The calendar file of a confirmation or cancellation carries the manage link too.
    let carries_manage = manage_kind
        || kind == StepKind::Cancellation
        || subject.contains("{manage_url}")
        || body.contains("{manage_url}");
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
    let mut owned = values(now, clinic, &d, &manage_url, &book_url);
    if kind == StepKind::Cancellation {
        let by = cancelled_by(conn, d.appointment.id)?;
        owned.push((
            "cancel_note",
            cancel_note(
                by,
                d.appointment.cancel_reason.as_deref(),
                &clinic.row.phone,
            ),
        ));
    }
    let pairs: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let body = with_screening_request(loaded, kind, &d, &body, &manage_url);
    let composed = compose(
        &clinic.letterhead(),
        &subject,
        &body,
        &pairs,
        show_manage.then_some(manage_url.as_str()),
        unsubscribe_url.as_deref(),
    )?;
    let ics = matches!(kind, StepKind::Confirmation | StepKind::Cancellation)
        .then(|| appointment_ics(clinic, &d, &manage_url));
    Ok(Rendered::Send(
        Email {
            to: row.recipient.clone(),
            subject: composed.subject,
            text: composed.text,
            html: composed.html,
            message_id: format!("{}@{}", row.message_id, ctx.host),
            unsubscribe_url,
            ics,
            reply_to: Some(clinic.letterhead().reply_to.to_string()),
        },
        grants,
    ))
}

/// The subject and body templates this message uses: the step's, its short variant when the
/// patient no longer has the time the full text assumes (booked or moved inside the step's
/// window), or the notice of a move.
fn wording(
    step: &CarePlanStepRow,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
    moved: bool,
) -> (String, String) {
    if moved {
        let body = match step.body.split_once("\n\n") {
            Some((greeting, rest)) => format!("{greeting}\n\n{MOVED_LEAD}\n\n{rest}"),
            None => format!("{MOVED_LEAD}\n\n{}", step.body),
        };
        return (MOVED_SUBJECT.to_string(), body);
    }
    let intended = Anchor::parse(&step.anchor)
        .filter(|a| *a == Anchor::Start)
        .map(|_| start + Duration::minutes(i64::from(step.offset_minutes)));
    let late = intended.is_some_and(|i| is_late(now, i));
    if late && !step.late_body.trim().is_empty() {
        (step.subject.clone(), step.late_body.clone())
    } else {
        (step.subject.clone(), step.body.clone())
    }
}

/// The subject of the notice sent when an appointment moves (the confirmation's text follows,
/// with the new time).
const MOVED_SUBJECT: &str = "Your {treatment} has moved to {when}";
const MOVED_LEAD: &str = "Your appointment has moved. The new time is below; the attached calendar file updates the entry already in your calendar.";

/// Who cancelled, from the audit trail of the cancellation: staff are the clinic.
fn cancelled_by(conn: &mut DbConnection, appointment_id: i32) -> Result<CancelledBy, String> {
    let trail =
        audit::for_subject(conn, "appointment", appointment_id).map_err(|e| e.to_string())?;
    let staff = trail
        .iter()
        .rev()
        .find(|a| a.action == "appointment.cancel")
        .is_some_and(|a| a.actor_kind == "staff");
    Ok(if staff {
        CancelledBy::Clinic
    } else {
        CancelledBy::Patient
    })
}
