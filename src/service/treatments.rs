//! Adding and editing treatments. Existing appointments keep their times: a new duration or
//! buffer applies to bookings made from now on.

use chrono::{DateTime, Utc};
use diesel::Connection;
use serde_json::{Value, json};

use crate::db::DbConnection;
use crate::db::models::TreatmentRow;
use crate::domain::catalog::{TreatmentInput, parse_slug};
use crate::domain::errors::FieldErrors;
use crate::error::AppError;
use crate::service::audit::{self, Actor, Entry};

pub fn snapshot(t: &TreatmentRow) -> Value {
    json!({
        "slug": t.slug,
        "name": t.name,
        "summary": t.summary,
        "description": t.description,
        "during_session": t.during_session,
        "recovery": t.recovery,
        "sessions_note": t.sessions_note,
        "duration_minutes": t.duration_minutes,
        "buffer_minutes": t.buffer_minutes,
        "price_min_cents": t.price_min_cents,
        "price_max_cents": t.price_max_cents,
        "qualifications": t.qualifications,
        "active": t.active,
    })
}

fn slug_taken() -> AppError {
    let mut e = FieldErrors::new();
    e.add(
        "slug",
        "Another treatment already uses this address; choose another.",
    );
    AppError::Invalid(e)
}

pub fn create(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    input: &TreatmentInput,
) -> Result<TreatmentRow, AppError> {
    let slug = parse_slug(&input.slug);
    let values = input.parse(crate::service::clinic::load(conn)?.currency);
    let (slug, values) = match (slug, values) {
        (Ok(s), Ok(v)) => (s, v),
        (s, v) => {
            let mut e = v.err().unwrap_or_default();
            if let Err(m) = s {
                e.add("slug", m);
            }
            return Err(AppError::Invalid(e));
        }
    };
    let result = conn.transaction(|c| {
        if crate::db::treatments::treatment_by_slug(c, &slug)?.is_some() {
            return Err(slug_taken());
        }
        let row = crate::db::treatments::insert_treatment(c, &slug, &values)?;
        audit::record(
            c,
            now,
            actor,
            Entry {
                action: "treatment.create",
                subject_kind: "treatment",
                subject_id: Some(row.id),
                before: None,
                after: Some(snapshot(&row)),
                note: None,
            },
        )?;
        Ok(row)
    });
    match crate::service::changes::committed(result) {
        // Two admins creating the same slug at once: the unique index decides.
        Err(AppError::Db(e)) if crate::db::is_unique_violation(&e) => Err(slug_taken()),
        other => other,
    }
}

pub fn update(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    id: i32,
    input: &TreatmentInput,
) -> Result<TreatmentRow, AppError> {
    let currency = crate::service::clinic::load(conn)?.currency;
    let values = input.parse(currency).map_err(AppError::Invalid)?;
    crate::service::changes::committed(conn.transaction(|c| {
        if crate::db::treatments::lock_treatment(c, id)? == 0 {
            return Err(AppError::NotFound("treatment"));
        }
        let before =
            crate::db::treatments::find_treatment(c, id)?.ok_or(AppError::NotFound("treatment"))?;
        crate::db::treatments::update_treatment(c, id, &values)?;
        let after =
            crate::db::treatments::find_treatment(c, id)?.ok_or(AppError::NotFound("treatment"))?;
        audit::record(
            c,
            now,
            actor,
            Entry {
                action: "treatment.update",
                subject_kind: "treatment",
                subject_id: Some(id),
                before: Some(snapshot(&before)),
                after: Some(snapshot(&after)),
                note: None,
            },
        )?;
        Ok(after)
    }))
}

/// Every treatment, offered or not, for the catalog editor.
pub fn all(conn: &mut DbConnection) -> Result<Vec<TreatmentRow>, AppError> {
    Ok(crate::db::treatments::all_treatments(conn)?)
}

/// One treatment (404 when there is none).
pub fn find(conn: &mut DbConnection, id: i32) -> Result<TreatmentRow, AppError> {
    crate::db::treatments::find_treatment(conn, id)?.ok_or(AppError::NotFound("treatment"))
}
