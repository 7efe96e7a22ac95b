//! Patients' data rights in SQL: what is held about one patient, replacing their personal data
//! by placeholders, the privacy settings row, and the retention purges.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::models::*;
use super::schema::{
    appointment_notes, appointments, audit_log, outbox, patients, privacy_settings, staff_sessions,
};
use crate::domain::outbox::OutboxStatus;
use crate::domain::waitlist::OFFER_KIND as WAITLIST_OFFER;

pub fn settings(conn: &mut DbConnection) -> QueryResult<PrivacySettingsRow> {
    privacy_settings::table
        .find(1)
        .select(PrivacySettingsRow::as_select())
        .first(conn)
}

pub struct SettingsUpdate<'a> {
    pub notice_text: Option<&'a str>,
    pub patient_retention_days: Option<i32>,
    pub audit_retention_days: Option<i32>,
    pub session_retention_days: i32,
}

pub fn update_settings(
    conn: &mut DbConnection,
    u: &SettingsUpdate<'_>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(privacy_settings::table.find(1))
        .set((
            privacy_settings::notice_text.eq(u.notice_text),
            privacy_settings::patient_retention_days.eq(u.patient_retention_days),
            privacy_settings::audit_retention_days.eq(u.audit_retention_days),
            privacy_settings::session_retention_days.eq(u.session_retention_days),
            privacy_settings::updated_at.eq(Some(now)),
        ))
        .execute(conn)
}

/// When the patient was erased (None: not erased). NotFound when there is no such patient.
pub fn erased_at(conn: &mut DbConnection, patient_id: i32) -> QueryResult<Option<NaiveDateTime>> {
    patients::table
        .find(patient_id)
        .select(patients::erased_at)
        .first(conn)
}

/// All of a patient's appointments, oldest first.
pub fn appointments_of(
    conn: &mut DbConnection,
    patient_id: i32,
) -> QueryResult<Vec<AppointmentRow>> {
    appointments::table
        .filter(appointments::patient_id.eq(patient_id))
        .order((appointments::starts_at, appointments::id))
        .select(AppointmentRow::as_select())
        .load(conn)
}

/// Every message planned or sent for the patient's appointments, oldest due first.
pub fn messages_of(conn: &mut DbConnection, patient_id: i32) -> QueryResult<Vec<OutboxRow>> {
    let theirs = appointments::table
        .filter(appointments::patient_id.eq(patient_id))
        .select(appointments::id);
    // Waitlist offers hang on the appointment whose time they offer, but went to someone else.
    outbox::table
        .filter(outbox::appointment_id.eq_any(theirs))
        .filter(outbox::kind.ne(WAITLIST_OFFER))
        .order((outbox::due_at, outbox::id))
        .select(OutboxRow::as_select())
        .load(conn)
}

/// Staff notes on the patient's appointments, oldest first.
pub fn notes_of(conn: &mut DbConnection, patient_id: i32) -> QueryResult<Vec<AppointmentNoteRow>> {
    let theirs = appointments::table
        .filter(appointments::patient_id.eq(patient_id))
        .select(appointments::id);
    appointment_notes::table
        .filter(appointment_notes::appointment_id.eq_any(theirs))
        .order((appointment_notes::created_at, appointment_notes::id))
        .select(AppointmentNoteRow::as_select())
        .load(conn)
}

/// The audit entries about the patient: about them, their appointments, or their messages.
pub fn audit_about(conn: &mut DbConnection, patient_id: i32) -> QueryResult<Vec<AuditRow>> {
    let appts = appointments::table
        .filter(appointments::patient_id.eq(patient_id))
        .select(appointments::id.nullable());
    let msgs = outbox::table
        .inner_join(appointments::table)
        .filter(appointments::patient_id.eq(patient_id))
        .filter(outbox::kind.ne(WAITLIST_OFFER))
        .select(outbox::id.nullable());
    audit_log::table
        .filter(
            audit_log::subject_kind
                .eq("patient")
                .and(audit_log::subject_id.eq(Some(patient_id)))
                .or(audit_log::subject_kind
                    .eq("appointment")
                    .and(audit_log::subject_id.eq_any(appts)))
                .or(audit_log::subject_kind
                    .eq("message")
                    .and(audit_log::subject_id.eq_any(msgs))),
        )
        .order((audit_log::at, audit_log::id))
        .select(AuditRow::as_select())
        .load(conn)
}

/// What replaces a patient's personal data.
pub struct Placeholder<'a> {
    pub name: &'a str,
    /// Unique (the email column is): "erased-ID@erased.invalid".
    pub email: &'a str,
}

/// Replaces the patient's personal data and invalidates their links: name and email become the
/// placeholder, the phone goes, every link emailed to them (manage and unsubscribe) is deleted,
/// and each appointment's booking token digest is replaced by `new_token_hash()` (the digest of a
/// secret nobody holds: its manage link then finds nothing) and loses the notes and cancel
/// reasons the patient typed. Appointment facts (when, what, who, status) stay.
pub fn erase(
    conn: &mut DbConnection,
    patient_id: i32,
    p: &Placeholder<'_>,
    mut new_token_hash: impl FnMut() -> String,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let n = diesel::update(patients::table.find(patient_id))
        .set((
            patients::name.eq(p.name),
            patients::email.eq(p.email),
            patients::email_normalized.eq(p.email),
            patients::phone.eq(None::<String>),
            patients::followups_opt_out.eq(true),
            patients::erased_at.eq(Some(now)),
            patients::updated_at.eq(now),
        ))
        .execute(conn)?;
    let ids: Vec<i32> = appointments::table
        .filter(appointments::patient_id.eq(patient_id))
        .select(appointments::id)
        .load(conn)?;
    for id in &ids {
        diesel::update(appointments::table.find(*id))
            .set((
                appointments::token_hash.eq(new_token_hash()),
                appointments::patient_note.eq(None::<String>),
                appointments::cancel_reason.eq(None::<String>),
                appointments::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    super::links::delete_of_patient(conn, patient_id)?;
    // Notes staff wrote about the patient and the addresses messages went to are theirs too.
    diesel::update(appointment_notes::table.filter(appointment_notes::appointment_id.eq_any(&ids)))
        .set(appointment_notes::body.eq("[erased]"))
        .execute(conn)?;
    diesel::update(
        outbox::table
            .filter(outbox::appointment_id.eq_any(&ids))
            .filter(outbox::kind.ne(WAITLIST_OFFER)),
    )
    .set((
        outbox::recipient.eq(p.email),
        outbox::last_error.eq(None::<String>),
        outbox::smtp_reply.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(n)
}

/// Cancels every message of the patient's that hasn't gone out (any kind). A row a dispatcher
/// is sending keeps its lease, which then no longer lets it record the outcome.
pub fn cancel_all_pending(
    conn: &mut DbConnection,
    patient_id: i32,
    note: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let theirs = appointments::table
        .filter(appointments::patient_id.eq(patient_id))
        .select(appointments::id);
    let pending: Vec<&str> = OutboxStatus::PENDING.iter().map(|s| s.as_str()).collect();
    diesel::update(
        outbox::table
            .filter(outbox::appointment_id.eq_any(theirs))
            .filter(outbox::kind.ne(WAITLIST_OFFER))
            .filter(outbox::status.eq_any(pending)),
    )
    .set((
        outbox::status.eq(OutboxStatus::Cancelled.as_str()),
        outbox::note.eq(note),
        outbox::updated_at.eq(now),
    ))
    .execute(conn)
}

/// Patients not yet erased, on record since before `cutoff`, with no appointment starting at or
/// after it (so none recent and none to come).
pub fn past_retention(conn: &mut DbConnection, cutoff: NaiveDateTime) -> QueryResult<Vec<i32>> {
    let recent = appointments::table
        .filter(appointments::starts_at.ge(cutoff))
        .select(appointments::patient_id);
    patients::table
        .filter(patients::erased_at.is_null())
        .filter(patients::created_at.lt(cutoff))
        .filter(patients::id.ne_all(recent))
        .order(patients::id)
        .select(patients::id)
        .load(conn)
}

/// Deletes audit entries older than `cutoff`.
pub fn purge_audit(conn: &mut DbConnection, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(audit_log::table.filter(audit_log::at.lt(cutoff))).execute(conn)
}

/// Deletes staff sessions that expired before `cutoff`.
pub fn purge_sessions(conn: &mut DbConnection, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(staff_sessions::table.filter(staff_sessions::expires_at.lt(cutoff)))
        .execute(conn)
}

/// Rewrites an audit entry's snapshots (erasure takes patient-typed text out of them).
pub fn set_audit_snapshots(
    conn: &mut DbConnection,
    id: i32,
    before: Option<&str>,
    after: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(audit_log::table.find(id))
        .set((
            audit_log::before_json.eq(before),
            audit_log::after_json.eq(after),
        ))
        .execute(conn)
}
