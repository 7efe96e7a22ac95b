//! Turns an outbox row into an email: the step's editable subject and body with the
//! appointment's details filled in, framed by the Askama templates in templates/email/ (a text
//! part and an HTML part with inline styles, the clinic's name and contact in both).

use askama::Template;
use chrono_tz::Tz;

use crate::db::models::{CarePlanStepRow, OutboxRow};
use crate::db::{DbConnection, appointments, care_plans};
use crate::domain::appointment::Status;
use crate::domain::care_plan::{StepKind, fill};
use crate::domain::time::datetime_label;
use crate::domain::treatment::price_range_label;
use crate::mail::Email;
use crate::service::booking::{AppointmentDetails, details_of};
use crate::service::calendar::appointment_ics;
use crate::service::clinic::{self, Clinic};

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
    Send(Email),
    /// Not to be sent after all (e.g. the patient opted out of follow-ups since it was planned):
    /// the dispatcher marks it cancelled with this reason.
    Skip(String),
}

/// A run of text, linked when it is a URL.
pub struct Segment {
    pub text: String,
    pub href: Option<String>,
}

/// A paragraph, or a list made of lines starting with "- ".
pub enum Block {
    Para(Vec<Segment>),
    List(Vec<Vec<Segment>>),
}

#[derive(Template)]
#[template(path = "email/message.txt")]
struct TextPart<'a> {
    body: &'a str,
    clinic_name: &'a str,
    clinic_address: &'a str,
    clinic_phone: &'a str,
    clinic_email: &'a str,
    manage_url: Option<&'a str>,
    unsubscribe_url: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "email/message.html")]
struct HtmlPart<'a> {
    subject: &'a str,
    blocks: Vec<Block>,
    clinic_name: &'a str,
    clinic_address: &'a str,
    clinic_phone: &'a str,
    clinic_email: &'a str,
    manage_url: Option<&'a str>,
    unsubscribe_url: Option<&'a str>,
}

fn segments(line: &str) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    for (i, word) in line.split(' ').enumerate() {
        let sep = if i == 0 { "" } else { " " };
        let trimmed = word.trim_end_matches(['.', ',', ';', ')']);
        if trimmed.starts_with("http://") || trimmed.starts_with("https://") {
            out.push(Segment {
                text: sep.to_string(),
                href: None,
            });
            out.push(Segment {
                text: trimmed.to_string(),
                href: Some(trimmed.to_string()),
            });
            out.push(Segment {
                text: word[trimmed.len()..].to_string(),
                href: None,
            });
        } else {
            match out.last_mut() {
                Some(last) if last.href.is_none() => {
                    last.text.push_str(sep);
                    last.text.push_str(word);
                }
                _ => out.push(Segment {
                    text: format!("{sep}{word}"),
                    href: None,
                }),
            }
        }
    }
    out
}

/// Paragraphs split on blank lines; a paragraph whose lines all start with "- " is a list.
pub fn blocks(body: &str) -> Vec<Block> {
    body.replace("\r\n", "\n")
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let lines: Vec<&str> = p.lines().map(str::trim).collect();
            if lines.iter().all(|l| l.starts_with("- ")) {
                Block::List(lines.iter().map(|l| segments(&l[2..])).collect())
            } else {
                Block::Para(segments(&lines.join(" ")))
            }
        })
        .collect()
}

/// The subject, text part and HTML part of a step for one appointment.
pub struct Composed {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub fn compose(
    clinic: &Clinic,
    subject_template: &str,
    body_template: &str,
    values: &[(&str, &str)],
    manage_url: Option<&str>,
    unsubscribe_url: Option<&str>,
) -> Result<Composed, String> {
    // A subject is one line whatever the template says (no header injection).
    let subject = fill(subject_template, values).replace(['\r', '\n'], " ");
    let body = fill(body_template, values);
    let c = &clinic.row;
    let text = TextPart {
        body: &body,
        clinic_name: &c.name,
        clinic_address: &c.address,
        clinic_phone: &c.phone,
        clinic_email: &c.email,
        manage_url,
        unsubscribe_url,
    }
    .render()
    .map_err(|e| e.to_string())?;
    let html = HtmlPart {
        subject: &subject,
        blocks: blocks(&body),
        clinic_name: &c.name,
        clinic_address: &c.address,
        clinic_phone: &c.phone,
        clinic_email: &c.email,
        manage_url,
        unsubscribe_url,
    }
    .render()
    .map_err(|e| e.to_string())?;
    Ok(Composed {
        subject,
        text,
        html,
    })
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
        ("patient_name", d.patient.name.clone()),
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

/// Whether the appointment is still in the state this kind of message is about. Planning
/// already cancels what no longer applies; this is the last check before anything is sent.
fn still_relevant(kind: StepKind, status: Status) -> bool {
    match kind {
        StepKind::Confirmation => status != Status::Cancelled,
        StepKind::Preparation | StepKind::Reminder => status == Status::Booked,
        StepKind::Aftercare | StepKind::CheckIn | StepKind::FollowUp => status == Status::Completed,
        StepKind::Missed => status == Status::NoShow,
        StepKind::Cancellation => status == Status::Cancelled,
    }
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
    // The details already carry the patient row, opt-out and unsubscribe token included.
    let patient = &d.patient;
    if kind.can_opt_out() && patient.followups_opt_out {
        return Ok(Rendered::Skip(
            "patient opted out of check-ins and follow-ups".into(),
        ));
    }
    let manage_url = format!("{}/appointments/{}", ctx.base_url, d.appointment.token);
    let book_url = format!("{}/book/{}", ctx.base_url, d.treatment.slug);
    let unsubscribe_url = match (kind.can_opt_out(), &patient.unsubscribe_token) {
        (true, Some(t)) => Some(format!("{}/unsubscribe/{t}", ctx.base_url)),
        _ => None,
    };
    let owned = values(clinic.tz, &clinic, &d, &manage_url, &book_url);
    let pairs: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let show_manage = matches!(
        kind,
        StepKind::Confirmation | StepKind::Preparation | StepKind::Reminder
    );
    let composed = compose(
        &clinic,
        &step.subject,
        &step.body,
        &pairs,
        show_manage.then_some(manage_url.as_str()),
        unsubscribe_url.as_deref(),
    )?;
    let ics = (kind == StepKind::Confirmation)
        .then(|| appointment_ics(&clinic, &d, &manage_url, &ctx.host));
    Ok(Rendered::Send(Email {
        to: row.recipient.clone(),
        subject: composed.subject,
        text: composed.text,
        html: composed.html,
        message_id: format!("{}@{}", row.message_id, ctx.host),
        unsubscribe_url,
        ics,
    }))
}

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
        clinic,
        &step.subject,
        &step.body,
        &pairs,
        Some(&manage_url),
        unsubscribe.as_deref(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_become_paragraphs_lists_and_links() {
        let b =
            blocks("Hello Ann,\n\n- one\n- two https://x.example/a.\n\nSee https://x.example/b");
        assert_eq!(b.len(), 3);
        match &b[1] {
            Block::List(items) => {
                assert_eq!(items.len(), 2);
                assert!(
                    items[1]
                        .iter()
                        .any(|s| s.href.as_deref() == Some("https://x.example/a"))
                );
                assert!(items[1].iter().any(|s| s.text == "."));
            }
            Block::Para(_) => panic!("expected a list"),
        }
        match &b[2] {
            Block::Para(s) => assert_eq!(s.iter().filter(|s| s.href.is_some()).count(), 1),
            Block::List(_) => panic!("expected a paragraph"),
        }
    }
}
