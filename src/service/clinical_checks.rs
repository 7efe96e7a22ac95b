//! The clinical checks a booking makes inside its transaction (a blocking screening answer, the
//! consultation a treatment needs first) and what it writes with the appointment (answers,
//! screening state, the consent agreed). Kept apart from `screening` so booking and planning can
//! use it without importing the pages' side of screening.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};

use crate::db::DbConnection;
use crate::db::consent::{self, NewConsentRecord};
use crate::db::consultations::{self, RequirementRow};
use crate::db::models::{AppointmentRow, TreatmentRow, to_db};
use crate::db::screening::{self, NewScreeningState, QuestionRow};
use crate::domain::errors::FieldErrors;
use crate::domain::screening::{
    AnswerProblem, Asked, ClinicalRefusal, Effect, Flag, Judgement, judge,
};
use crate::error::AppError;
use crate::service::audit::Actor;
use crate::service::catalog_snapshot::CatalogSnapshot;

pub fn asked(questions: &[QuestionRow]) -> Vec<Asked> {
    questions
        .iter()
        .map(|q| Asked {
            id: q.id,
            // The CHECK constraint allows only the three; an unknown one is treated as blocking.
            effect: Effect::parse(&q.effect).unwrap_or(Effect::Block),
        })
        .collect()
}

/// What a booking brings for the clinical checks.
#[derive(Debug, Clone, Default)]
pub struct ClinicalInput {
    /// Answers by question id; `None` books with screening pending.
    pub answers: Option<BTreeMap<i32, bool>>,
    /// The consent the patient gave online (`None`: a booking staff made).
    pub consent: Option<ConsentGiven>,
}

#[derive(Debug, Clone, Default)]
pub struct ConsentGiven {
    /// The version shown to the patient; `None`: the newest.
    pub version: Option<i32>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Checked and ready to be written with the appointment.
pub struct Prepared {
    questions: Vec<QuestionRow>,
    answers: Option<BTreeMap<i32, bool>>,
    judgement: Option<Judgement>,
    consent: Option<(i32, ConsentGiven)>,
}

pub fn answer_errors(problem: AnswerProblem, prefix: &str) -> AppError {
    let mut f = FieldErrors::new();
    match problem {
        AnswerProblem::Unknown(id) => f.add(
            &format!("{prefix}.{id}"),
            "is not one of this treatment's current questions (they may have changed: \
             fetch the treatment again)",
        ),
        AnswerProblem::Missing(ids) => {
            for id in ids {
                f.add(&format!("{prefix}.{id}"), "Please answer this question.");
            }
        }
    }
    AppError::Invalid(f)
}

/// The checks inside the booking transaction, before anything is written: the consultation the
/// treatment needs (online bookings; the desk decides for its own), then the answers. Runs in
/// the same transaction as the insert, so a consultation or a question changed meanwhile is
/// seen.
///
/// The treatment's questions, consent text and requirement come from the catalog as the
/// transaction read it (issue 13); the patient's consultations from the database.
pub fn before_booking(
    c: &mut DbConnection,
    cat: &CatalogSnapshot,
    now: DateTime<Utc>,
    actor: &Actor,
    treatment: &TreatmentRow,
    patient_id: i32,
    input: &ClinicalInput,
) -> Result<Prepared, AppError> {
    let setup = cat.setup(treatment.id);
    let questions = setup.questions.clone();
    let judgement = match &input.answers {
        None => None,
        Some(a) if a.is_empty() && questions.is_empty() => None,
        Some(a) => Some(judge(&asked(&questions), a).map_err(|p| answer_errors(p, "screening"))?),
    };
    if let Some(j) = &judgement
        && !j.blocking.is_empty()
    {
        let texts = questions
            .iter()
            .filter(|q| j.blocking.contains(&q.id))
            .map(|q| q.text.clone())
            .collect();
        return Err(AppError::Clinical(ClinicalRefusal::ScreeningBlocked {
            questions: texts,
        }));
    }
    if !matches!(actor, Actor::Staff { .. }) {
        check_consultation(c, cat, now, patient_id, setup.requirement.as_ref())?;
    }
    let consent = match &input.consent {
        None => None,
        Some(given) => {
            let text = match given.version {
                Some(v) => Some(consent::version(c, treatment.id, v)?.ok_or_else(|| {
                    let mut f = FieldErrors::new();
                    f.add(
                        "consent_version",
                        "is not a version of this treatment's consent",
                    );
                    AppError::Invalid(f)
                })?),
                None => setup.consent.clone(),
            };
            text.map(|t| (t.id, given.clone()))
        }
    };
    Ok(Prepared {
        questions,
        answers: input.answers.clone(),
        judgement,
        consent,
    })
}

/// Refuses when the treatment needs a consultation the patient hasn't had recently enough.
fn check_consultation(
    c: &mut DbConnection,
    cat: &CatalogSnapshot,
    now: DateTime<Utc>,
    patient_id: i32,
    requirement: Option<&RequirementRow>,
) -> Result<(), AppError> {
    let Some(months) = requirement.and_then(|r| r.consultation_months) else {
        return Ok(());
    };
    let since = to_db(crate::domain::screening::consultation_cutoff(now, months));
    let kinds = cat.consultation_treatments.clone();
    if consultations::consulted_since(c, patient_id, since, &kinds)? {
        return Ok(());
    }
    let mut consultation = None;
    for id in kinds {
        let t = crate::db::treatments::treatment(c, id)?;
        if t.active {
            consultation = Some(t.slug);
            break;
        }
    }
    Err(AppError::Clinical(ClinicalRefusal::ConsultationRequired {
        months,
        consultation,
    }))
}

impl Prepared {
    /// The screening state `record` leaves, as `screening::status_name` names it.
    pub fn status_name(&self) -> &'static str {
        match (self.questions.is_empty(), self.judgement.is_some()) {
            (true, _) => "not_asked",
            (false, true) => "answered",
            (false, false) => "pending",
        }
    }

    /// The question keys answered "yes" that `record` stores (what `steps_not_applicable`
    /// would read back).
    pub fn yes_keys(&self) -> Vec<String> {
        let (Some(answers), Some(_)) = (&self.answers, &self.judgement) else {
            return Vec::new();
        };
        answers
            .iter()
            .filter(|(_, yes)| **yes)
            .filter_map(|(id, _)| self.questions.iter().find(|q| q.id == *id))
            .map(|q| q.question_key.clone())
            .collect()
    }

    /// Writes the answers, the screening state and the consent with the new appointment.
    pub fn record(
        self,
        c: &mut DbConnection,
        now: DateTime<Utc>,
        row: &AppointmentRow,
    ) -> Result<(), AppError> {
        let at = to_db(now);
        if let (Some(answers), Some(_)) = (&self.answers, &self.judgement) {
            for (id, yes) in answers {
                screening::insert_answer(c, row.id, *id, *yes, at)?;
            }
        }
        if !self.questions.is_empty() {
            let flag = self.judgement.as_ref().and_then(|j| j.flag);
            screening::insert_state(
                c,
                &NewScreeningState {
                    appointment_id: row.id,
                    status: if self.judgement.is_some() {
                        "answered"
                    } else {
                        "pending"
                    },
                    flag: flag.map(Flag::as_str),
                    flagged_at: flag.map(|_| at),
                    updated_at: at,
                },
            )?;
        }
        if let Some((text_id, given)) = &self.consent {
            consent::insert_record(
                c,
                &NewConsentRecord {
                    appointment_id: row.id,
                    consent_text_id: *text_id,
                    agreed_at: at,
                    ip: given.ip.as_deref(),
                    user_agent: given.user_agent.as_deref(),
                },
            )?;
        }
        Ok(())
    }
}

/// Care plan steps that are not for this appointment: those conditional on a "yes" it didn't give.
pub fn steps_not_applicable(
    c: &mut DbConnection,
    appointment_id: i32,
) -> Result<HashSet<i32>, AppError> {
    let conditions = screening::step_conditions(c)?;
    if conditions.is_empty() {
        return Ok(HashSet::new());
    }
    let yes = screening::yes_keys(c, appointment_id)?;
    Ok(steps_not_for(&conditions, &yes))
}

/// Of the conditional steps `(step id, question key)`, those whose key isn't among the "yes"
/// answers.
pub fn steps_not_for(conditions: &[(i32, String)], yes: &[String]) -> HashSet<i32> {
    conditions
        .iter()
        .filter(|(_, key)| !yes.contains(key))
        .map(|(step, _)| *step)
        .collect()
}
