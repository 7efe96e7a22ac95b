//! Admin edits of a treatment's clinical set-up. Questions and consent texts are versioned: an
//! edit retires the current row and inserts the next version, so answers and agreements already
//! given keep pointing at the exact words they saw. Every edit is audited.

use chrono::{DateTime, Utc};
use diesel::Connection;
use serde_json::json;

use crate::db::DbConnection;
use crate::db::consent::{self, ConsentTextRow};
use crate::db::consultations;
use crate::db::models::{TreatmentRow, to_db};
use crate::db::screening::{self, NewQuestion, QuestionRow};
use crate::domain::errors::FieldErrors;
use crate::domain::screening::{Effect, parse_consent_text, parse_months, parse_question_text};
use crate::error::AppError;
use crate::service::audit::{self, Actor, Entry};
use crate::service::changes;

/// Everything the admin page of one treatment's screening shows.
pub struct ClinicalSetup {
    pub treatment: TreatmentRow,
    pub questions: Vec<QuestionRow>,
    pub consent: Option<ConsentTextRow>,
    pub consultation_months: Option<i32>,
    pub is_consultation: bool,
}

pub fn setup(conn: &mut DbConnection, treatment_id: i32) -> Result<ClinicalSetup, AppError> {
    let treatment = match crate::db::treatments::treatment(conn, treatment_id) {
        Ok(t) => t,
        Err(diesel::result::Error::NotFound) => return Err(AppError::NotFound("treatment")),
        Err(e) => return Err(e.into()),
    };
    let req = consultations::requirement(conn, treatment_id)?;
    Ok(ClinicalSetup {
        questions: screening::current(conn, treatment_id)?,
        consent: consent::current(conn, treatment_id)?,
        consultation_months: req.as_ref().and_then(|r| r.consultation_months),
        is_consultation: req.is_some_and(|r| r.is_consultation),
        treatment,
    })
}

fn invalid(field: &str, message: String) -> AppError {
    let mut f = FieldErrors::new();
    f.add(field, message);
    AppError::Invalid(f)
}

fn parse_effect(field: &str, s: &str) -> Result<Effect, AppError> {
    Effect::parse(s).ok_or_else(|| invalid(field, "Choose what a yes does.".into()))
}

fn log(
    c: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    action: &str,
    treatment_id: i32,
    after: serde_json::Value,
) -> Result<(), AppError> {
    audit::record(
        c,
        now,
        actor,
        Entry {
            action,
            subject_kind: "treatment",
            subject_id: Some(treatment_id),
            before: None,
            after: Some(after),
            note: None,
        },
    )?;
    Ok(())
}

/// A new version of a current question (its key and place stay).
pub fn edit_question(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    treatment_id: i32,
    question_id: i32,
    text: &str,
    effect: &str,
    actor: &Actor,
) -> Result<(), AppError> {
    let field = format!("text_{question_id}");
    let text = parse_question_text(text).map_err(|m| invalid(&field, m))?;
    let effect = parse_effect(&format!("effect_{question_id}"), effect)?;
    changes::committed(conn.transaction(|c| {
        let old = screening::question(c, question_id)?
            .filter(|q| q.treatment_id == treatment_id)
            .ok_or(AppError::NotFound("question"))?;
        if old.text == text && old.effect == effect.as_str() {
            return Ok(());
        }
        let at = to_db(now);
        if screening::retire(c, old.id, at)? == 0 {
            return Err(AppError::NotAllowed(
                "That question was changed meanwhile: see its current wording below.".into(),
            ));
        }
        screening::insert_question(
            c,
            &NewQuestion {
                treatment_id,
                question_key: &old.question_key,
                version: old.version + 1,
                position: old.position,
                text: &text,
                effect: effect.as_str(),
                created_at: at,
            },
        )?;
        log(
            c,
            now,
            actor,
            "treatment.screening_question_edit",
            treatment_id,
            json!({"key": old.question_key, "version": old.version + 1, "text": text, "effect": effect.as_str()}),
        )
    }))
}

/// A new question, asked from now on.
pub fn add_question(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    treatment_id: i32,
    text: &str,
    effect: &str,
    actor: &Actor,
) -> Result<(), AppError> {
    let text = parse_question_text(text).map_err(|m| invalid("new_text", m))?;
    let effect = parse_effect("new_effect", effect)?;
    changes::committed(conn.transaction(|c| {
        setup(c, treatment_id)?;
        let n = screening::count_for(c, treatment_id)?;
        let key = format!("custom_{}", n + 1);
        screening::insert_question(
            c,
            &NewQuestion {
                treatment_id,
                question_key: &key,
                version: 1,
                position: 1000 + n as i32,
                text: &text,
                effect: effect.as_str(),
                created_at: to_db(now),
            },
        )?;
        log(
            c,
            now,
            actor,
            "treatment.screening_question_add",
            treatment_id,
            json!({"key": key, "text": text, "effect": effect.as_str()}),
        )
    }))
}

/// Stops asking a question; answers already given keep it.
pub fn retire_question(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    treatment_id: i32,
    question_id: i32,
    actor: &Actor,
) -> Result<(), AppError> {
    changes::committed(conn.transaction(|c| {
        let old = screening::question(c, question_id)?
            .filter(|q| q.treatment_id == treatment_id)
            .ok_or(AppError::NotFound("question"))?;
        if screening::retire(c, old.id, to_db(now))? == 0 {
            return Err(AppError::NotAllowed(
                "That question is no longer asked.".into(),
            ));
        }
        log(
            c,
            now,
            actor,
            "treatment.screening_question_remove",
            treatment_id,
            json!({"key": old.question_key, "version": old.version}),
        )
    }))
}

/// A new version of the consent text; past agreements keep theirs.
pub fn edit_consent(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    treatment_id: i32,
    body: &str,
    actor: &Actor,
) -> Result<(), AppError> {
    let body = parse_consent_text(body).map_err(|m| invalid("consent", m))?;
    changes::committed(conn.transaction(|c| {
        let s = setup(c, treatment_id)?;
        if s.consent.as_ref().is_some_and(|t| t.body == body) {
            return Ok(());
        }
        let version = s.consent.map_or(1, |t| t.version + 1);
        consent::insert_text(c, treatment_id, version, &body, to_db(now))?;
        log(
            c,
            now,
            actor,
            "treatment.consent_edit",
            treatment_id,
            json!({"version": version}),
        )
    }))
}

/// Whether the treatment needs a consultation within N months (empty: no).
pub fn set_consultation_months(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    treatment_id: i32,
    months: &str,
    actor: &Actor,
) -> Result<(), AppError> {
    let months = parse_months(months).map_err(|m| invalid("months", m))?;
    changes::committed(conn.transaction(|c| {
        let s = setup(c, treatment_id)?;
        if s.is_consultation && months.is_some() {
            return Err(invalid(
                "months",
                "The consultation itself can't require a consultation.".into(),
            ));
        }
        consultations::set_requirement(c, treatment_id, s.is_consultation, months)?;
        log(
            c,
            now,
            actor,
            "treatment.consultation_requirement",
            treatment_id,
            json!({"months": months}),
        )
    }))
}
