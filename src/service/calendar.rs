//! An appointment as iCalendar. Times are written in UTC, which every calendar converts to the
//! reader's zone correctly, DST included.

use icalendar::{Calendar, Component, Event, EventLike, EventStatus};

use crate::domain::appointment::Status;
use crate::service::booking::AppointmentDetails;
use crate::service::clinic::Clinic;

/// `host` makes the UID globally unique; it is stable across reschedules, so calendars update
/// the event instead of adding a second one.
pub fn appointment_ics(
    clinic: &Clinic,
    d: &AppointmentDetails,
    manage_url: &str,
    host: &str,
) -> String {
    let mut event = Event::new();
    event
        .uid(&format!("appointment-{}@{}", d.appointment.id, host))
        .summary(&format!("{} at {}", d.treatment.name, clinic.row.name))
        .description(&format!(
            "With {}, {}.\nManage or cancel: {}\nClinic: {}",
            d.practitioner.name, d.practitioner.title, manage_url, clinic.row.phone
        ))
        .location(&clinic.row.address)
        .starts(d.starts_at())
        .ends(d.ends_at())
        .url(manage_url)
        .status(if d.status == Status::Cancelled {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        });
    Calendar::new()
        .name(&clinic.row.name)
        .push(event.done())
        .done()
        .to_string()
}

/// The host part of a base URL ("https://clinic.example:8443/x" → "clinic.example:8443").
pub fn host_of(base_url: &str) -> &str {
    base_url
        .split("://")
        .nth(1)
        .unwrap_or(base_url)
        .split('/')
        .next()
        .unwrap_or("carepath")
}
