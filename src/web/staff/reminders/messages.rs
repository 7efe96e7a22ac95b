//! The staff's message log: every planned, sent and failed email, and the retry and cancel
//! buttons admins use on one.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono_tz::Tz;

use crate::db::models::{OutboxRow, from_db};
use crate::domain::care_plan::StepKind;
use crate::domain::outbox::OutboxStatus;
use crate::domain::time::datetime_label;
use crate::error::AppError;
use crate::service::messages as svc;
use crate::web::forms::Fields;
use crate::web::staff::auth::{StaffForm, StaffUser};
use crate::web::staff::layout::StaffLayout;
use crate::web::{AppState, render, see_other};

/// One message as the log shows it.
pub struct MessageLine {
    pub id: i32,
    pub appointment_id: i32,
    /// The patient's name, where the list shows messages of many patients.
    pub patient: Option<String>,
    pub kind: String,
    pub recipient: String,
    pub status: String,
    pub status_label: &'static str,
    pub due: String,
    pub sent: String,
    pub attempts: i32,
    pub last_error: String,
    pub note: String,
    pub can_retry: bool,
    pub can_cancel: bool,
}

pub fn message_lines(tz: Tz, rows: &[OutboxRow]) -> Vec<MessageLine> {
    rows.iter().map(|r| message_line(tz, r, None)).collect()
}

fn message_line(tz: Tz, r: &OutboxRow, patient: Option<String>) -> MessageLine {
    let status = OutboxStatus::parse(&r.status);
    MessageLine {
        id: r.id,
        appointment_id: r.appointment_id,
        patient,
        kind: StepKind::parse(&r.kind)
            .map(|k| k.label().to_string())
            .unwrap_or_else(|| r.kind.clone()),
        recipient: r.recipient.clone(),
        status: r.status.clone(),
        status_label: status.map(status_label).unwrap_or("Unknown"),
        due: datetime_label(tz, from_db(r.due_at)),
        sent: r
            .sent_at
            .map(|t| datetime_label(tz, from_db(t)))
            .unwrap_or_default(),
        attempts: r.attempts,
        last_error: r.last_error.clone().unwrap_or_default(),
        note: r.note.clone().unwrap_or_default(),
        can_retry: status.is_some_and(OutboxStatus::can_retry),
        can_cancel: status.is_some_and(OutboxStatus::can_cancel),
    }
}

/// A filter choice: its value in the query and what the list calls it.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
}

fn status_label(s: OutboxStatus) -> &'static str {
    match s {
        OutboxStatus::Planned => "Planned",
        OutboxStatus::Failed => "Failed, will retry",
        OutboxStatus::Sent => "Sent",
        OutboxStatus::Dead => "Gave up",
        OutboxStatus::Cancelled => "Not sent (cancelled)",
    }
}

#[derive(Template)]
#[template(path = "staff/reminders/messages.html")]
struct MessagesPage {
    layout: StaffLayout,
    counts: Vec<(String, i64)>,
    status: String,
    kind: String,
    patient: String,
    statuses: Vec<Choice>,
    kinds: Vec<Choice>,
    lines: Vec<MessageLine>,
    is_admin: bool,
    page: i64,
    more: bool,
    /// The filters as a query string (`status=…&amp;kind=…&amp;patient=…`), URL-encoded and with
    /// its `&` already written as HTML, for the paging links.
    query: String,
    flash: Option<String>,
    back: String,
}

const PAGE: i64 = 50;
/// Far beyond any real log, and far from overflowing `page * PAGE`.
const MAX_PAGE: i64 = 1_000_000;

pub async fn list(
    user: StaffUser,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    user.require(|r| r.manages_bookings())?;
    let q = Fields::from_query(req.query_string()).unwrap_or_default();
    let filter = svc::LogFilter {
        status: OutboxStatus::parse(q.get("status")),
        kind: StepKind::parse(q.get("kind")),
        patient: q.get("patient").trim().to_lowercase(),
    };
    let page = match q.get("page") {
        "" => 0,
        p => p
            .parse::<i64>()
            .ok()
            .filter(|n| (0..=MAX_PAGE).contains(n))
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "The page number must be a whole number from 0 to {MAX_PAGE}."
                ))
            })?,
    };
    let status = filter.status.map(|s| s.as_str()).unwrap_or_default();
    let kind = filter.kind.map(|k| k.as_str()).unwrap_or_default();
    let patient = q.get("patient").trim().to_string();
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("status", status)
        .append_pair("kind", kind)
        .append_pair("patient", &patient)
        .finish();
    let f = filter.clone();
    let log = state.db(move |c| svc::log(c, &f, page, PAGE)).await?;
    let flash = match q.get("done") {
        "retry" => Some("The message will be sent again shortly.".to_string()),
        "cancel" => Some("That message won't be sent. The appointment is unchanged.".to_string()),
        _ => None,
    };
    let tz = log.clinic.tz;
    render(&MessagesPage {
        layout: StaffLayout::new(&user, &log.clinic.row.name, "Messages", "/staff/messages"),
        counts: log
            .counts
            .into_iter()
            .map(|(s, n)| {
                let label = OutboxStatus::parse(&s).map(status_label).unwrap_or("Other");
                (label.to_string(), n)
            })
            .collect(),
        status: status.to_string(),
        kind: kind.to_string(),
        statuses: OutboxStatus::ALL
            .into_iter()
            .map(|s| Choice {
                value: s.as_str(),
                label: status_label(s),
            })
            .collect(),
        kinds: StepKind::ALL
            .into_iter()
            .map(|k| Choice {
                value: k.as_str(),
                label: k.label(),
            })
            .collect(),
        lines: log
            .rows
            .iter()
            .map(|(r, name)| message_line(tz, r, Some(name.clone())))
            .collect(),
        is_admin: user.role.manages_clinic(),
        page,
        more: log.more,
        flash,
        back: format!("/staff/messages?{query}"),
        patient,
        query: query.replace('&', "&amp;"),
    })
}

async fn act(
    form: StaffForm,
    state: web::Data<AppState>,
    id: i32,
    retry: bool,
) -> Result<HttpResponse, AppError> {
    let user = form.user;
    user.require(|r| r.manages_clinic())?;
    let now = state.clock.now();
    let actor = user.actor();
    state
        .db(move |c| {
            if retry {
                svc::retry(c, now, &actor, id)
            } else {
                svc::cancel(c, now, &actor, id)
            }
        })
        .await?;
    let to = crate::web::staff::safe_staff_path(form.fields.get("back"))
        .filter(|b| b.starts_with("/staff/"))
        .unwrap_or("/staff/messages")
        .to_string();
    let sep = if to.contains('?') { '&' } else { '?' };
    Ok(see_other(&format!(
        "{to}{sep}done={}",
        if retry { "retry" } else { "cancel" }
    )))
}

pub async fn retry(
    form: StaffForm,
    state: web::Data<AppState>,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    act(form, state, id.into_inner(), true).await
}

pub async fn cancel(
    form: StaffForm,
    state: web::Data<AppState>,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    act(form, state, id.into_inner(), false).await
}
