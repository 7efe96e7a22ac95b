//! Rows as stored, and the structs that insert them. Instants are `NaiveDateTime` holding UTC.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use diesel::prelude::*;

use super::schema::*;

/// UTC instant → stored form. Whole seconds only: SQLite compares the stored text, and every
/// instant the app writes must have the same shape for that to order correctly.
pub fn to_db(t: DateTime<Utc>) -> NaiveDateTime {
    t.trunc_subsecs(0).naive_utc()
}

pub fn from_db(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = clinics)]
pub struct ClinicRow {
    pub id: i32,
    pub name: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub timezone: String,
    pub slot_minutes: i32,
    pub lead_time_minutes: i32,
    pub horizon_days: i32,
    pub cancel_cutoff_hours: i32,
    pub created_at: NaiveDateTime,
    pub mail_window_start: i32,
    pub mail_window_end: i32,
    pub max_active_bookings: i32,
    /// Where replies go (empty: the clinic's email).
    pub reply_to: String,
    /// What patients should do when the clinic is closed (empty: nothing said).
    pub out_of_hours: String,
    /// ISO 4217 code of the prices.
    pub currency: String,
    /// The clinic day the summary of unclosed sessions last went ('YYYY-MM-DD', or empty).
    pub unclosed_summary_on: String,
    /// Waiting patients one freed slot is offered to (issue 11).
    pub waitlist_offers: i32,
    /// How long an offer's claim link works after its email went out.
    pub waitlist_claim_hours: i32,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = clinics)]
pub struct NewClinic<'a> {
    pub name: &'a str,
    pub address: &'a str,
    pub phone: &'a str,
    pub email: &'a str,
    pub timezone: &'a str,
    pub slot_minutes: i32,
    pub lead_time_minutes: i32,
    pub horizon_days: i32,
    pub cancel_cutoff_hours: i32,
    pub created_at: NaiveDateTime,
    pub mail_window_start: i32,
    pub mail_window_end: i32,
    pub reply_to: &'a str,
    pub out_of_hours: &'a str,
    pub currency: &'a str,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = clinic_hours)]
pub struct ClinicHoursRow {
    pub id: i32,
    pub weekday: i32,
    pub open_minute: i32,
    pub close_minute: i32,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = clinic_hours)]
pub struct NewClinicHours {
    pub weekday: i32,
    pub open_minute: i32,
    pub close_minute: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = treatments)]
pub struct TreatmentRow {
    pub id: i32,
    pub slug: String,
    pub name: String,
    pub summary: String,
    pub description: String,
    pub during_session: String,
    pub recovery: String,
    pub sessions_note: String,
    pub duration_minutes: i32,
    pub buffer_minutes: i32,
    pub price_min_cents: i32,
    pub price_max_cents: i32,
    pub qualifications: String,
    pub active: bool,
    pub position: i32,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = treatments)]
pub struct NewTreatment<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub summary: &'a str,
    pub description: &'a str,
    pub during_session: &'a str,
    pub recovery: &'a str,
    pub sessions_note: &'a str,
    pub duration_minutes: i32,
    pub buffer_minutes: i32,
    pub price_min_cents: i32,
    pub price_max_cents: i32,
    pub qualifications: &'a str,
    pub active: bool,
    pub position: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = practitioners)]
pub struct PractitionerRow {
    pub id: i32,
    pub name: String,
    pub title: String,
    pub qualifications: String,
    pub bio: String,
    pub active: bool,
    pub booking_seq: i32,
    /// SHA-256 (hex) of the feed address's secret, when a feed is published.
    pub calendar_token_hash: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = practitioners)]
pub struct NewPractitioner<'a> {
    pub name: &'a str,
    pub title: &'a str,
    pub qualifications: &'a str,
    pub bio: &'a str,
    pub active: bool,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = practitioner_hours)]
pub struct PractitionerHoursRow {
    pub id: i32,
    pub practitioner_id: i32,
    pub weekday: i32,
    pub start_minute: i32,
    pub end_minute: i32,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = practitioner_hours)]
pub struct NewPractitionerHours {
    pub practitioner_id: i32,
    pub weekday: i32,
    pub start_minute: i32,
    pub end_minute: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = time_off)]
pub struct TimeOffRow {
    pub id: i32,
    pub practitioner_id: i32,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub reason: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = time_off)]
pub struct NewTimeOff<'a> {
    pub practitioner_id: i32,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub reason: &'a str,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = patients)]
pub struct PatientRow {
    pub id: i32,
    pub name: String,
    pub email: String,
    pub email_normalized: String,
    pub phone: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub followups_opt_out: bool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = patients)]
/// `None` is written as NULL (every such column's default): the statement's text then doesn't
/// vary with which fields are empty, so SQLite keeps it prepared (issue 13).
#[diesel(treat_none_as_default_value = false)]
pub struct NewPatient<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub email_normalized: &'a str,
    pub phone: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = appointments)]
pub struct AppointmentRow {
    pub id: i32,
    /// SHA-256 (hex) of the manage token the booking was answered with.
    pub token_hash: String,
    pub patient_id: i32,
    pub treatment_id: i32,
    pub practitioner_id: i32,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub blocks_until: NaiveDateTime,
    pub status: String,
    pub patient_note: Option<String>,
    pub cancel_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub checked_in_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub booked_by: String,
    /// The name and phone typed with this booking (shown on its pages and emails).
    pub contact_name: String,
    pub contact_phone: Option<String>,
    /// The email as typed (the record's, up to case: the booking is filed under it).
    pub contact_email: String,
    /// Staff decided this contact stays apart from the patient record.
    pub contact_kept_apart: bool,
    /// The calendar entry's SEQUENCE (raised by each move and by a cancellation).
    pub ics_sequence: i32,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = appointments)]
/// `None` is written as NULL (every such column's default): the statement's text then doesn't
/// vary with which fields are empty, so SQLite keeps it prepared (issue 13).
#[diesel(treat_none_as_default_value = false)]
pub struct NewAppointment<'a> {
    pub token_hash: &'a str,
    pub patient_id: i32,
    pub treatment_id: i32,
    pub practitioner_id: i32,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub blocks_until: NaiveDateTime,
    pub status: &'a str,
    pub patient_note: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub booked_by: &'a str,
    pub contact_name: &'a str,
    pub contact_phone: Option<&'a str>,
    pub contact_email: &'a str,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = staff_users)]
pub struct StaffRow {
    pub id: i32,
    pub email: String,
    pub name: String,
    pub role: String,
    pub practitioner_id: Option<i32>,
    pub password_hash: String,
    pub must_change_password: bool,
    pub active: bool,
    pub failed_logins: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// A printed one-time password stops working at this instant.
    pub password_expires_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = staff_users)]
pub struct NewStaff<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub practitioner_id: Option<i32>,
    pub password_hash: &'a str,
    pub must_change_password: bool,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i32,
    pub at: NaiveDateTime,
    pub actor_kind: String,
    pub actor_id: Option<i32>,
    pub actor_label: String,
    pub action: String,
    pub subject_kind: String,
    pub subject_id: Option<i32>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = audit_log)]
/// `None` is written as NULL (every such column's default): the statement's text then doesn't
/// vary with which fields are empty, so SQLite keeps it prepared (issue 13).
#[diesel(treat_none_as_default_value = false)]
pub struct NewAudit<'a> {
    pub at: NaiveDateTime,
    pub actor_kind: &'a str,
    pub actor_id: Option<i32>,
    pub actor_label: &'a str,
    pub action: &'a str,
    pub subject_kind: &'a str,
    pub subject_id: Option<i32>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub note: Option<&'a str>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = appointment_notes)]
pub struct AppointmentNoteRow {
    pub id: i32,
    pub appointment_id: i32,
    pub staff_id: i32,
    pub body: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = care_plan_steps)]
pub struct CarePlanStepRow {
    pub id: i32,
    pub treatment_id: i32,
    pub position: i32,
    pub kind: String,
    pub anchor: String,
    pub offset_minutes: i32,
    pub subject: String,
    pub body: String,
    pub active: bool,
    pub updated_at: NaiveDateTime,
    /// The short variant for patients booked inside the step's window (empty: none).
    pub late_body: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = care_plan_steps)]
pub struct NewCarePlanStep<'a> {
    pub treatment_id: i32,
    pub position: i32,
    pub kind: &'a str,
    pub anchor: &'a str,
    pub offset_minutes: i32,
    pub subject: &'a str,
    pub body: &'a str,
    pub active: bool,
    pub updated_at: NaiveDateTime,
    pub late_body: &'a str,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: i32,
    pub appointment_id: i32,
    pub step_id: Option<i32>,
    pub kind: String,
    pub dedupe_key: String,
    pub recipient: String,
    pub due_at: NaiveDateTime,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub lease_until: Option<NaiveDateTime>,
    pub leased_by: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub smtp_reply: Option<String>,
    pub message_id: String,
    pub note: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = outbox)]
/// `None` is written as NULL (every such column's default): the statement's text then doesn't
/// vary with which fields are empty, so SQLite keeps it prepared (issue 13).
#[diesel(treat_none_as_default_value = false)]
pub struct NewOutbox<'a> {
    pub appointment_id: i32,
    pub step_id: Option<i32>,
    pub kind: &'a str,
    pub dedupe_key: &'a str,
    pub recipient: &'a str,
    pub due_at: NaiveDateTime,
    pub status: &'a str,
    pub message_id: &'a str,
    pub note: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The privacy notice and the retention periods (one row, id 1).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = privacy_settings)]
pub struct PrivacySettingsRow {
    pub id: i32,
    /// None: the built-in default notice.
    pub notice_text: Option<String>,
    /// None: patients' personal data is kept (retention off).
    pub patient_retention_days: Option<i32>,
    /// None: the audit trail is kept for ever.
    pub audit_retention_days: Option<i32>,
    pub session_retention_days: i32,
    pub updated_at: Option<NaiveDateTime>,
}

/// A link secret minted for an email, as stored: only its digest.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = link_tokens)]
pub struct LinkTokenRow {
    pub token_hash: String,
    pub purpose: String,
    pub appointment_id: Option<i32>,
    pub patient_id: i32,
    pub created_at: NaiveDateTime,
}
