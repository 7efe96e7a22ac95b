//! A patient's screening answers and consent records in their data export, and what erasing
//! them removes (the answers, and where consent came from).

use serde_json::{Value, json};

use crate::db::DbConnection;
use crate::db::models::from_db;
use crate::db::{consent, screening};
use crate::error::AppError;

/// (screening answers, consent records) of these appointments, for the export.
pub fn export(
    c: &mut DbConnection,
    appointment_ids: &[i32],
) -> Result<(Vec<Value>, Vec<Value>), AppError> {
    let mut answers = Vec::new();
    let mut consents = Vec::new();
    for &id in appointment_ids {
        for a in screening::answers_of(c, id)? {
            answers.push(json!({
                "appointment_id": id,
                "question": a.question.text,
                "question_version": a.question.version,
                "answer": a.answer,
                "answered_at": from_db(a.answered_at).to_rfc3339(),
            }));
        }
        if let Some(r) = consent::record_of(c, id)? {
            let text = consent::by_id(c, r.consent_text_id)?;
            consents.push(json!({
                "appointment_id": id,
                "consent_version": text.version,
                "consent_text": text.body,
                "agreed_at": from_db(r.agreed_at).to_rfc3339(),
                "ip": r.ip,
                "user_agent": r.user_agent,
            }));
        }
    }
    Ok((answers, consents))
}

/// Inside the erase transaction.
pub fn erase(c: &mut DbConnection, appointment_ids: &[i32]) -> Result<(), AppError> {
    screening::delete_answers_for(c, appointment_ids)?;
    consent::forget_source(c, appointment_ids)?;
    Ok(())
}
