//! An appointment as iCalendar. Times are written in UTC, which every calendar converts to the
//! reader's zone correctly, DST included.
//!
//! One appointment is one calendar event wherever it comes from (the email's attachment, the
//! manage page's download, the practitioner's feed): the same UID, whatever host served it, and
//! a SEQUENCE raised by each move and by the cancellation (RFC 5546), so calendar apps update
//! the event instead of adding a second one.

use icalendar::{Calendar, Component, Event, EventLike, EventStatus};

use crate::db::models::{AppointmentRow, from_db};
use crate::domain::appointment::Status;
use crate::service::booking::AppointmentDetails;
use crate::service::clinic::Clinic;

/// The product that made the file (RFC 5545 PRODID).
pub const PRODID: &str = "-//Carepath//Clinic bookings//EN";

/// The iTIP method of a calendar file; the attachment's Content-Type names the same one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IcsMethod {
    /// The event as it is now (a booking, a move, a download).
    Publish,
    /// The event is off (a cancellation).
    Cancel,
}

impl IcsMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            IcsMethod::Publish => "PUBLISH",
            IcsMethod::Cancel => "CANCEL",
        }
    }
}

/// The appointment's UID: its id and when it was booked (ids can repeat across databases), with
/// no host in it, so every door gives the same one.
pub fn appointment_uid(a: &AppointmentRow) -> String {
    format!(
        "appointment-{}-{}@carepath",
        a.id,
        from_db(a.created_at).timestamp()
    )
}

/// A calendar with Carepath's PRODID and the method, ready for events.
pub fn calendar(method: Option<IcsMethod>) -> Calendar {
    let mut cal = Calendar::empty();
    cal.append_property(("VERSION", "2.0"))
        .append_property(("PRODID", PRODID))
        .append_property(("CALSCALE", "GREGORIAN"));
    if let Some(m) = method {
        cal.append_property(("METHOD", m.as_str()));
    }
    cal
}

/// The patient's calendar entry for an appointment. A cancelled one is written as a
/// cancellation (`METHOD:CANCEL`, `STATUS:CANCELLED`), with the organizer and attendee RFC 5546
/// asks a cancellation to name.
pub fn appointment_ics(clinic: &Clinic, d: &AppointmentDetails, manage_url: &str) -> String {
    let cancelled = d.status == Status::Cancelled;
    let method = if cancelled {
        IcsMethod::Cancel
    } else {
        IcsMethod::Publish
    };
    let mut event = Event::new();
    event
        .uid(&appointment_uid(&d.appointment))
        .sequence(u32::try_from(d.appointment.ics_sequence).unwrap_or(0))
        .timestamp(from_db(d.appointment.updated_at))
        .summary(&format!("{} at {}", d.treatment.name, clinic.row.name))
        .description(&format!(
            "With {}, {}.\nManage or cancel: {}\nClinic: {}",
            d.practitioner.name, d.practitioner.title, manage_url, clinic.row.phone
        ))
        .location(&clinic.row.address)
        .starts(d.starts_at())
        .ends(d.ends_at())
        .url(manage_url)
        .status(if cancelled {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        });
    if cancelled {
        event
            .add_property("ORGANIZER", format!("mailto:{}", clinic.row.email))
            .add_property("ATTENDEE", format!("mailto:{}", d.patient.email));
    }
    calendar(Some(method))
        .name(&clinic.row.name)
        .push(event.done())
        .done()
        .to_string()
}
