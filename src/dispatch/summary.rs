//! Once a day, when the sending window opens, the clinic gets the list of sessions nobody
//! closed (`service::unclosed`). The day is claimed in the database first, so with several
//! instances it goes once; a failed send gives the day back for the next tick.

use chrono::{DateTime, Utc};

use super::{Dispatcher, blocking};
use crate::db::models::from_db;
use crate::domain::time::datetime_label;
use crate::error::AppError;
use crate::mail::Email;
use crate::mail::summary::{SummaryLine, compose_unclosed};
use crate::service::unclosed::{self, Summary};

/// Sends today's summary if it is due: whether one went.
pub async fn send_unclosed_summary(d: &Dispatcher, now: DateTime<Utc>) -> Result<bool, AppError> {
    let Some(summary) = blocking(&d.pool, move |c| unclosed::claim_summary(c, now)).await? else {
        return Ok(false);
    };
    let email = match email_of(&summary, &d.render.base_url) {
        Ok(e) => e,
        Err(e) => {
            give_back(d, summary).await;
            return Err(AppError::Internal(format!("summary: {e}")));
        }
    };
    if let Err(e) = d.mailer.send(&email).await {
        give_back(d, summary).await;
        return Err(AppError::Internal(format!(
            "the summary of unclosed sessions could not be sent: {e}"
        )));
    }
    Ok(true)
}

async fn give_back(d: &Dispatcher, summary: Summary) {
    if let Err(e) = blocking(&d.pool, move |c| unclosed::release_summary(c, &summary)).await {
        log::error!("could not give back the summary's day: {e}");
    }
}

fn email_of(s: &Summary, base_url: &str) -> Result<Email, String> {
    let tz = s.clinic.tz;
    let lines: Vec<SummaryLine> = s
        .sessions
        .iter()
        .map(|l| SummaryLine {
            when: datetime_label(tz, from_db(l.appointment.starts_at)),
            treatment: l.treatment.name.clone(),
            patient: l.appointment.contact_name.clone(),
            practitioner: l.practitioner.name.clone(),
            status: l.appointment.status.replace('_', " "),
            url: format!("{base_url}/staff/appointments/{}", l.appointment.id),
        })
        .collect();
    let (subject, text, html) = compose_unclosed(&s.clinic.letterhead(), &lines)?;
    Ok(Email {
        to: s.clinic.row.email.clone(),
        subject,
        text,
        html,
        message_id: format!("unclosed-{}@{}", s.day_key(), host_of(base_url)),
        unsubscribe_url: None,
        ics: None,
        reply_to: None,
    })
}

fn host_of(base_url: &str) -> &str {
    base_url
        .split("://")
        .nth(1)
        .and_then(|r| r.split(['/', ':']).next())
        .filter(|h| !h.is_empty())
        .unwrap_or("carepath")
}
