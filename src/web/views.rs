//! Values pre-formatted for templates, so templates only place text.

use chrono_tz::Tz;

use crate::db::models::{PractitionerRow, TreatmentRow};
use crate::domain::booking::PractitionerChoice;
use crate::domain::hours::{WeeklyHours, weekday_name};
use crate::domain::money::Currency;
use crate::domain::time::{rfc3339_local, time_label};
use crate::domain::treatment::{duration_label, price_range_label};
use crate::service::availability::SlotView;
use crate::service::clinic::Clinic;

/// What the shared page frame shows.
pub struct Layout {
    pub title: String,
    pub clinic_name: String,
    pub clinic_phone: String,
    pub clinic_address: String,
}

impl Layout {
    pub fn new(clinic: &Clinic, title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            clinic_name: clinic.row.name.clone(),
            clinic_phone: clinic.row.phone.clone(),
            clinic_address: clinic.row.address.clone(),
        }
    }
}

pub struct TreatmentCard {
    pub slug: String,
    pub name: String,
    pub summary: String,
    pub duration: String,
    pub price: String,
}

impl TreatmentCard {
    pub fn new(t: &TreatmentRow, currency: Currency) -> Self {
        Self {
            slug: t.slug.clone(),
            name: t.name.clone(),
            summary: t.summary.clone(),
            duration: duration_label(t.duration_minutes),
            price: price_range_label(currency, t.price_min_cents, t.price_max_cents),
        }
    }
}

pub struct DayHours {
    pub day: &'static str,
    pub hours: String,
}

pub fn opening_hours(hours: &WeeklyHours) -> Vec<DayHours> {
    use chrono::Weekday::*;
    [Mon, Tue, Wed, Thu, Fri, Sat, Sun]
        .into_iter()
        .map(|d| {
            let spans = hours.on(d);
            DayHours {
                day: weekday_name(d),
                hours: if spans.is_empty() {
                    "Closed".into()
                } else {
                    spans
                        .iter()
                        .map(|r| r.label())
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            }
        })
        .collect()
}

pub struct SlotOption {
    /// The start as sent back by the form: RFC 3339 with the clinic's offset.
    pub value: String,
    pub label: String,
    pub practitioner: String,
    pub practitioner_name: String,
    pub checked: bool,
}

/// Slots for a form. With "any practitioner" each time is offered once.
pub fn slot_options(
    tz: Tz,
    slots: &[SlotView],
    choice: PractitionerChoice,
    checked: Option<&str>,
) -> Vec<SlotOption> {
    let mut out: Vec<SlotOption> = Vec::new();
    for s in slots {
        let value = rfc3339_local(tz, s.start);
        if choice == PractitionerChoice::Any && out.last().is_some_and(|o| o.value == value) {
            continue;
        }
        out.push(SlotOption {
            checked: checked == Some(value.as_str()),
            value,
            label: time_label(tz, s.start),
            practitioner: choice.as_param(),
            practitioner_name: match choice {
                PractitionerChoice::Any => String::new(),
                PractitionerChoice::Specific(_) => s.practitioner_name.clone(),
            },
        });
    }
    out
}

pub struct PractitionerOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub fn practitioner_options(
    eligible: &[PractitionerRow],
    choice: PractitionerChoice,
) -> Vec<PractitionerOption> {
    let mut out = vec![PractitionerOption {
        value: "any".into(),
        label: "Any available practitioner".into(),
        selected: choice == PractitionerChoice::Any,
    }];
    out.extend(eligible.iter().map(|p| PractitionerOption {
        value: p.id.to_string(),
        label: format!("{} — {}", p.name, p.title),
        selected: choice == PractitionerChoice::Specific(p.id),
    }));
    out
}

/// An appointment as the patient sees it.
pub struct AppointmentSummary {
    pub treatment_name: String,
    pub treatment_slug: String,
    pub when: String,
    pub ends: String,
    pub practitioner: String,
    pub price: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub patient_name: String,
    pub patient_email: String,
    pub note: Option<String>,
    pub cancel_reason: Option<String>,
    pub manage_url: String,
    pub ics_url: String,
    pub recovery: String,
    /// "Session 2 of 3" for a session of a treatment course.
    pub course: Option<String>,
    /// Said gently when this session comes later than the course recommends.
    pub course_note: Option<String>,
    /// The next session of the course: (from when, the booking page opened on that date with
    /// the same practitioner).
    pub next_session: Option<(String, String)>,
}

pub fn appointment_summary(
    tz: Tz,
    currency: Currency,
    d: &crate::service::booking::AppointmentDetails,
    manage_url: String,
) -> AppointmentSummary {
    AppointmentSummary {
        treatment_name: d.treatment.name.clone(),
        treatment_slug: d.treatment.slug.clone(),
        when: crate::domain::time::datetime_label(tz, d.starts_at()),
        ends: time_label(tz, d.ends_at()),
        practitioner: format!("{}, {}", d.practitioner.name, d.practitioner.title),
        price: price_range_label(
            currency,
            d.treatment.price_min_cents,
            d.treatment.price_max_cents,
        ),
        status: d.status.as_str(),
        status_label: d.status.label(),
        // What was typed with this booking, never the stored record.
        patient_name: d.contact.name.clone(),
        patient_email: d.contact.email.clone(),
        note: d.appointment.patient_note.clone(),
        cancel_reason: d.appointment.cancel_reason.clone(),
        ics_url: format!("{manage_url}/calendar.ics"),
        manage_url,
        recovery: d.treatment.recovery.clone(),
        course: d.course.as_ref().map(|c| c.label()),
        course_note: d.course.as_ref().and_then(|c| c.late_days).map(|days| {
            format!(
                "It has been {days} days since your previous session, a little longer than \
                 your course recommends. That's fine: your practitioner may adjust the plan."
            )
        }),
        next_session: d.course.as_ref().and_then(|c| c.next_from).map(|date| {
            (
                crate::domain::time::date_label(date),
                format!(
                    "/book/{}?date={}&practitioner={}",
                    d.treatment.slug,
                    date.format("%Y-%m-%d"),
                    d.practitioner.id
                ),
            )
        }),
    }
}
