use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono_tz::Tz;

use crate::db::models::{OutboxRow, from_db};
use crate::db::outbox;
use crate::domain::time::datetime_label;
use crate::error::AppError;
use crate::service::clinic;
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
        .map(|r| MessageLine {
            id: r.id,
            appointment_id: r.appointment_id,
            kind: crate::domain::care_plan::StepKind::parse(&r.kind)
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
            can_retry: r.status == "dead" || r.status == "failed",
            can_cancel: r.status == "planned" || r.status == "failed",
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

pub async fn list(
    user: StaffUser,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    user.require(|r| r.manages_bookings())?;
    let q = Fields::from_query(req.query_string()).unwrap_or_default();
    let status = match q.get("status") {
        s @ ("planned" | "failed" | "sent" | "dead" | "cancelled") => s.to_string(),
        _ => String::new(),
    };
    let page = q.get("page").parse::<i64>().unwrap_or(0).max(0);
    let s = status.clone();
    let (clinic, counts, rows) = state
        .db(move |c| {
            let filter = (!s.is_empty()).then_some(s.as_str());
            Ok((
                clinic::load(c)?,
                outbox::status_counts(c)?,
                outbox::recent(c, filter, PAGE + 1, page * PAGE)?,
            ))
        })
        .await?;
    let more = rows.len() as i64 > PAGE;
    let rows = &rows[..rows.len().min(PAGE as usize)];
    let flash = match q.get("done") {
        "retry" => Some("The message will be sent again shortly.".to_string()),
        "cancel" => Some("The message was cancelled.".to_string()),
        _ => None,
    };
    render(&MessagesPage {
        layout: StaffLayout::new(&user, &clinic.row.name, "Messages", "/staff/messages"),
        counts,
        status,
        lines: message_lines(clinic.tz, rows),
        is_admin: user.role.manages_clinic(),
        page,
        more,
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
    let back = form.fields.get("back");
    let to = if back.starts_with("/staff/") && !back.starts_with("//") {
        back.to_string()
    } else {
        "/staff/messages".into()
    };
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
