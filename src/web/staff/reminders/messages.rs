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
    pub kind: String,
    pub recipient: String,
    pub status: String,
    pub due: String,
    pub sent: String,
    pub attempts: i32,
    pub last_error: String,
    pub note: String,
    pub can_retry: bool,
    pub can_cancel: bool,
}

pub fn message_lines(tz: Tz, rows: &[OutboxRow]) -> Vec<MessageLine> {
    rows.iter()
        .map(|r| {
            let status = OutboxStatus::parse(&r.status);
            MessageLine {
                id: r.id,
                appointment_id: r.appointment_id,
                kind: StepKind::parse(&r.kind)
                    .map(|k| k.label().to_string())
                    .unwrap_or_else(|| r.kind.clone()),
                recipient: r.recipient.clone(),
                status: r.status.clone(),
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
        })
        .collect()
}

#[derive(Template)]
#[template(path = "staff/reminders/messages.html")]
struct MessagesPage {
    layout: StaffLayout,
    counts: Vec<(String, i64)>,
    status: String,
    lines: Vec<MessageLine>,
    is_admin: bool,
    page: i64,
    more: bool,
    flash: Option<String>,
    back: String,
}

const PAGE: i64 = 100;
/// Far beyond any real log, and far from overflowing `page * PAGE`.
const MAX_PAGE: i64 = 1_000_000;

pub async fn list(
    user: StaffUser,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    user.require(|r| r.manages_bookings())?;
    let q = Fields::from_query(req.query_string()).unwrap_or_default();
    let filter = OutboxStatus::parse(q.get("status"));
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
    let log = state.db(move |c| svc::log(c, filter, page, PAGE)).await?;
    let flash = match q.get("done") {
        "retry" => Some("The message will be sent again shortly.".to_string()),
        "cancel" => Some("The message was cancelled.".to_string()),
        _ => None,
    };
    render(&MessagesPage {
        layout: StaffLayout::new(&user, &log.clinic.row.name, "Messages", "/staff/messages"),
        counts: log.counts,
        status: filter.map(|s| s.as_str().to_string()).unwrap_or_default(),
        lines: message_lines(log.clinic.tz, &log.rows),
        is_admin: user.role.manages_clinic(),
        page,
        more: log.more,
        flash,
        back: "/staff/messages".into(),
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
