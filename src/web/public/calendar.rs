//! The appointment as an .ics file. Times are written in UTC, which every calendar converts to
//! the reader's zone correctly, DST included.

use actix_web::{HttpResponse, web};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};

use crate::domain::appointment::Status;
use crate::error::AppError;
use crate::service::booking as svc;
use crate::service::clinic;
use crate::web::AppState;

pub async fn ics(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let t = token.clone();
    let (clinic, d) = state
        .db(move |c| Ok((clinic::load(c)?, svc::details(c, &t)?)))
        .await?;
    let manage = state.manage_url(&token);
    let host = state
        .base_url
        .split("://")
        .nth(1)
        .unwrap_or("carepath")
        .split('/')
        .next()
        .unwrap_or("carepath");
    let mut event = Event::new();
    event
        // Stable across reschedules, so calendars update the event instead of adding one.
        .uid(&format!("appointment-{}@{}", d.appointment.id, host))
        .summary(&format!("{} at {}", d.treatment.name, clinic.row.name))
        .description(&format!(
            "With {}, {}.\nManage or cancel: {}\nClinic: {}",
            d.practitioner.name, d.practitioner.title, manage, clinic.row.phone
        ))
        .location(&clinic.row.address)
        .starts(d.starts_at())
        .ends(d.ends_at())
        .url(&manage);
    if d.status == Status::Cancelled {
        event.status(EventStatus::Cancelled);
    } else {
        event.status(EventStatus::Confirmed);
    }
    let cal = Calendar::new()
        .name(&clinic.row.name)
        .push(event.done())
        .done();
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"appointment.ics\"",
        ))
        .body(cal.to_string()))
}
