//! The API's response bodies as types: each thing the API shows (a treatment, a practitioner,
//! a slot, a booking) has one shape, built in one place, wherever it appears.

use chrono_tz::Tz;
use serde::Serialize;

use crate::db::models::PractitionerRow;
use crate::domain::time::rfc3339_local;
use crate::domain::treatment::price_range_label;
use crate::service::availability::SlotView;
use crate::service::booking::AppointmentDetails;
use crate::service::catalog::Offer;
use crate::service::screening::Questionnaire;

/// A treatment on offer, with who performs it.
#[derive(Debug, Serialize)]
pub struct Treatment<'a> {
    slug: &'a str,
    name: &'a str,
    summary: &'a str,
    description: &'a str,
    during_session: &'a str,
    recovery: &'a str,
    sessions: &'a str,
    duration_minutes: i32,
    buffer_minutes: i32,
    price: Price,
    qualifications: Vec<&'a str>,
    practitioners: Vec<Practitioner<'a>>,
    /// The current screening questions: answer each by `id` in a booking's `screening`.
    screening: Vec<ScreeningQuestion<'a>>,
    /// The consent text's current version (`consent_version` in a booking), if it has one.
    consent_version: Option<i32>,
    consent_url: String,
    /// Needs a completed consultation within this many months before it can be booked.
    consultation_required_months: Option<i32>,
}

#[derive(Debug, Serialize)]
pub struct ScreeningQuestion<'a> {
    id: i32,
    text: &'a str,
    /// "block" (a yes stops the booking), "review" (flags it) or "info".
    effect: &'a str,
}

impl<'a> Treatment<'a> {
    /// Adds the treatment's screening questions, consent version and consultation requirement.
    pub fn with_clinical(mut self, q: Option<&'a Questionnaire>) -> Self {
        if let Some(q) = q {
            self.screening = q
                .questions
                .iter()
                .map(|x| ScreeningQuestion {
                    id: x.id,
                    text: &x.text,
                    effect: &x.effect,
                })
                .collect();
            self.consent_version = q.consent.as_ref().map(|c| c.version);
            self.consultation_required_months = q.consultation_months;
        }
        self
    }
}

#[derive(Debug, Serialize)]
pub struct Price {
    currency: &'static str,
    min_cents: i32,
    max_cents: i32,
    label: String,
}

/// A practitioner as a treatment lists them.
#[derive(Debug, Serialize)]
pub struct Practitioner<'a> {
    id: i32,
    name: &'a str,
    title: &'a str,
}

/// A practitioner as a slot or a booking names them.
#[derive(Debug, Serialize)]
pub struct PractitionerRef<'a> {
    id: i32,
    name: &'a str,
}

impl<'a> From<&'a Offer> for Treatment<'a> {
    fn from(o: &'a Offer) -> Self {
        let t = &o.treatment;
        Self {
            slug: &t.slug,
            name: &t.name,
            summary: &t.summary,
            description: &t.description,
            during_session: &t.during_session,
            recovery: &t.recovery,
            sessions: &t.sessions_note,
            duration_minutes: t.duration_minutes,
            buffer_minutes: t.buffer_minutes,
            price: Price {
                currency: o.currency.code,
                min_cents: t.price_min_cents,
                max_cents: t.price_max_cents,
                label: price_range_label(o.currency, t.price_min_cents, t.price_max_cents),
            },
            qualifications: t
                .qualifications
                .split(',')
                .map(str::trim)
                .filter(|q| !q.is_empty())
                .collect(),
            practitioners: o.practitioners.iter().map(Practitioner::from).collect(),
            screening: Vec::new(),
            consent_version: None,
            consent_url: format!("/treatments/{}/consent", t.slug),
            consultation_required_months: None,
        }
    }
}

impl<'a> From<&'a PractitionerRow> for Practitioner<'a> {
    fn from(p: &'a PractitionerRow) -> Self {
        Self {
            id: p.id,
            name: &p.name,
            title: &p.title,
        }
    }
}

/// `GET /api/v1/treatments`
#[derive(Debug, Serialize)]
pub struct TreatmentList<'a> {
    pub treatments: Vec<Treatment<'a>>,
}

/// A free slot, in the clinic's local time with its offset.
#[derive(Debug, Serialize)]
pub struct Slot<'a> {
    start: String,
    end: String,
    practitioner: PractitionerRef<'a>,
}

impl<'a> Slot<'a> {
    pub fn new(tz: Tz, s: &'a SlotView) -> Self {
        Self {
            start: rfc3339_local(tz, s.start),
            end: rfc3339_local(tz, s.end),
            practitioner: PractitionerRef {
                id: s.practitioner_id,
                name: &s.practitioner_name,
            },
        }
    }
}

/// `GET /api/v1/availability`
#[derive(Debug, Serialize)]
pub struct Availability<'a> {
    pub treatment: &'a str,
    pub date: String,
    pub timezone: &'a str,
    pub slots: Vec<Slot<'a>>,
}

/// A booking as its patient (or their integration) sees it.
#[derive(Debug, Serialize)]
pub struct Booking<'a> {
    id: i32,
    status: &'static str,
    treatment: &'a str,
    start: String,
    end: String,
    practitioner: PractitionerRef<'a>,
    patient: Patient<'a>,
    note: Option<&'a str>,
    cancel_reason: Option<&'a str>,
    manage_url: String,
    /// "pending" (answer at `screening_url`), "answered" or "not_asked".
    screening: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    screening_url: Option<String>,
    /// Its place in a treatment course (absent for treatments without one).
    #[serde(skip_serializing_if = "Option::is_none")]
    course: Option<Course>,
}

#[derive(Debug, Serialize)]
pub struct Course {
    id: i32,
    session: usize,
    sessions: i32,
    ended: bool,
    /// The first date (clinic calendar, YYYY-MM-DD) the next session may have, while
    /// sessions remain.
    next_from: Option<String>,
    /// Booked past the course's maximum interval: how many days after the previous session.
    /// Allowed; said so the client can say it gently (absent when on time).
    #[serde(skip_serializing_if = "Option::is_none")]
    late_days: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct Patient<'a> {
    name: &'a str,
    email: &'a str,
    phone: Option<&'a str>,
}

impl<'a> Booking<'a> {
    pub fn new(tz: Tz, d: &'a AppointmentDetails, manage_url: String) -> Self {
        Self {
            id: d.appointment.id,
            status: d.status.as_str(),
            treatment: &d.treatment.slug,
            start: rfc3339_local(tz, d.starts_at()),
            end: rfc3339_local(tz, d.ends_at()),
            practitioner: PractitionerRef {
                id: d.practitioner.id,
                name: &d.practitioner.name,
            },
            // What was submitted with this booking, never the stored record.
            patient: Patient {
                name: &d.contact.name,
                email: &d.contact.email,
                phone: d.contact.phone.as_deref(),
            },
            note: d.appointment.patient_note.as_deref(),
            cancel_reason: d.appointment.cancel_reason.as_deref(),
            manage_url,
            screening: "not_asked",
            screening_url: None,
            course: d.course.as_ref().map(|c| Course {
                id: c.course_id,
                session: c.n,
                sessions: c.of,
                ended: c.ended,
                next_from: c.next_from.map(|d| d.format("%Y-%m-%d").to_string()),
                late_days: c.late_days,
            }),
        }
    }

    /// The booking's screening state; a pending one links to its questionnaire page.
    pub fn with_screening(mut self, status: &'static str) -> Self {
        self.screening = status;
        if status == "pending" {
            self.screening_url = Some(format!("{}/screening", self.manage_url));
        }
        self
    }
}
