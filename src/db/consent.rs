//! Consent texts (one row per version, never updated) and what each booking agreed to.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{consent_records, consent_texts};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = consent_texts)]
pub struct ConsentTextRow {
    pub id: i32,
    pub treatment_id: i32,
    pub version: i32,
    pub body: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = consent_records)]
pub struct ConsentRecordRow {
    pub id: i32,
    pub appointment_id: i32,
    pub consent_text_id: i32,
    pub agreed_at: NaiveDateTime,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = consent_records)]
/// `None` is written as NULL (every such column's default): the statement's text then doesn't
/// vary with which fields are empty, so SQLite keeps it prepared (issue 13).
#[diesel(treat_none_as_default_value = false)]
pub struct NewConsentRecord<'a> {
    pub appointment_id: i32,
    pub consent_text_id: i32,
    pub agreed_at: NaiveDateTime,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

/// The treatment's newest consent text.
pub fn current(conn: &mut DbConnection, treatment_id: i32) -> QueryResult<Option<ConsentTextRow>> {
    consent_texts::table
        .filter(consent_texts::treatment_id.eq(treatment_id))
        .order(consent_texts::version.desc())
        .select(ConsentTextRow::as_select())
        .first(conn)
        .optional()
}

/// Every treatment's newest consent text (one statement for the in-memory catalog).
pub fn all_current(conn: &mut DbConnection) -> QueryResult<Vec<ConsentTextRow>> {
    let all: Vec<ConsentTextRow> = consent_texts::table
        .order((consent_texts::treatment_id, consent_texts::version.desc()))
        .select(ConsentTextRow::as_select())
        .load(conn)?;
    let mut newest: Vec<ConsentTextRow> = Vec::new();
    for t in all {
        if newest
            .last()
            .is_none_or(|n| n.treatment_id != t.treatment_id)
        {
            newest.push(t);
        }
    }
    Ok(newest)
}

pub fn version(
    conn: &mut DbConnection,
    treatment_id: i32,
    version: i32,
) -> QueryResult<Option<ConsentTextRow>> {
    consent_texts::table
        .filter(consent_texts::treatment_id.eq(treatment_id))
        .filter(consent_texts::version.eq(version))
        .select(ConsentTextRow::as_select())
        .first(conn)
        .optional()
}

pub fn by_id(conn: &mut DbConnection, id: i32) -> QueryResult<ConsentTextRow> {
    consent_texts::table
        .find(id)
        .select(ConsentTextRow::as_select())
        .first(conn)
}

pub fn insert_text(
    conn: &mut DbConnection,
    treatment_id: i32,
    version: i32,
    body: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(consent_texts::table)
        .values((
            consent_texts::treatment_id.eq(treatment_id),
            consent_texts::version.eq(version),
            consent_texts::body.eq(body),
            consent_texts::created_at.eq(now),
        ))
        .execute(conn)
}

pub fn insert_record(conn: &mut DbConnection, new: &NewConsentRecord<'_>) -> QueryResult<usize> {
    // On the backend's own connection: every online booking writes one.
    super::per_backend!(conn, |c| diesel::insert_into(consent_records::table)
        .values(new)
        .execute(c))
}

pub fn record_of(
    conn: &mut DbConnection,
    appointment_id: i32,
) -> QueryResult<Option<ConsentRecordRow>> {
    consent_records::table
        .filter(consent_records::appointment_id.eq(appointment_id))
        .select(ConsentRecordRow::as_select())
        .first(conn)
        .optional()
}

/// Erasure: where consent came from (address, browser) goes; which version was agreed and
/// when stays with the anonymous appointment.
pub fn forget_source(conn: &mut DbConnection, appointment_ids: &[i32]) -> QueryResult<usize> {
    diesel::update(
        consent_records::table.filter(consent_records::appointment_id.eq_any(appointment_ids)),
    )
    .set((
        consent_records::ip.eq(None::<String>),
        consent_records::user_agent.eq(None::<String>),
    ))
    .execute(conn)
}
