//! Health screening before a session: what a "yes" to each question does, how a set of answers
//! is judged, and the refusals that stop an online booking (a blocking answer, a missing
//! consultation). Pure rules; the questions themselves are the clinic's, stored and versioned.

use std::collections::BTreeMap;

use chrono::{DateTime, Months, Utc};

/// What a "yes" to a question does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Stops the online booking: the patient is asked to book a consultation or call.
    Block,
    /// The booking goes ahead, flagged for the practitioner to review before the session.
    Review,
    /// Recorded for the practitioner; changes nothing.
    Info,
}

impl Effect {
    pub const ALL: [Effect; 3] = [Effect::Block, Effect::Review, Effect::Info];

    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Block => "block",
            Effect::Review => "review",
            Effect::Info => "info",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Effect::Block => "Yes stops online booking",
            Effect::Review => "Yes flags for practitioner review",
            Effect::Info => "Information only",
        }
    }
}

/// Why an appointment is on the practitioner's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// A "review" answer at booking (or later).
    Review,
    /// A blocking answer given after the booking was made: someone should call the patient.
    Call,
}

impl Flag {
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Review => "review",
            Flag::Call => "call",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "review" => Some(Flag::Review),
            "call" => Some(Flag::Call),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Flag::Review => "Answers to review before the session",
            Flag::Call => "Call the patient: an answer rules out this treatment as booked",
        }
    }
}

/// A question as it is being asked: its current version's id and what "yes" does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asked {
    pub id: i32,
    pub effect: Effect,
}

/// What a complete set of answers means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// Ids of the questions answered "yes" whose effect blocks.
    pub blocking: Vec<i32>,
    pub flag: Option<Flag>,
}

/// Why a set of answers can't be judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerProblem {
    /// An id that is not one of the questions being asked now (an old version, or another
    /// treatment's question).
    Unknown(i32),
    /// Some answers given, not all: each question must be answered.
    Missing(Vec<i32>),
}

/// Judges answers to the questions being asked. Every question must be answered; an empty
/// set of answers is not judged here (the booking is then "screening pending").
pub fn judge(asked: &[Asked], answers: &BTreeMap<i32, bool>) -> Result<Judgement, AnswerProblem> {
    if let Some(id) = answers
        .keys()
        .find(|id| !asked.iter().any(|q| q.id == **id))
    {
        return Err(AnswerProblem::Unknown(*id));
    }
    let missing: Vec<i32> = asked
        .iter()
        .filter(|q| !answers.contains_key(&q.id))
        .map(|q| q.id)
        .collect();
    if !missing.is_empty() {
        return Err(AnswerProblem::Missing(missing));
    }
    let yes = |effect: Effect| {
        asked
            .iter()
            .filter(move |q| q.effect == effect && answers.get(&q.id) == Some(&true))
    };
    Ok(Judgement {
        blocking: yes(Effect::Block).map(|q| q.id).collect(),
        flag: yes(Effect::Review).next().map(|_| Flag::Review),
    })
}

/// The flag answers given after booking set: a blocking "yes" can no longer stop the booking,
/// so it asks staff to call; cancelling stays a person's decision.
pub fn later_flag(j: &Judgement) -> Option<Flag> {
    if j.blocking.is_empty() {
        j.flag
    } else {
        Some(Flag::Call)
    }
}

/// A page's yes/no answer.
pub fn parse_yes_no(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" => Some(true),
        "no" | "false" => Some(false),
        _ => None,
    }
}

/// Refusals that stop an online booking for the patient's safety. Nothing is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClinicalRefusal {
    /// A "yes" to a question that rules out booking online.
    ScreeningBlocked { questions: Vec<String> },
    /// The treatment needs a consultation within this many months first; `consultation` is
    /// the address (slug) of the treatment to book for it, when the clinic offers one online.
    ConsultationRequired {
        months: i32,
        consultation: Option<String>,
    },
}

impl ClinicalRefusal {
    /// The API's stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            ClinicalRefusal::ScreeningBlocked { .. } => "screening_blocked",
            ClinicalRefusal::ConsultationRequired { .. } => "consultation_required",
        }
    }

    pub fn message(&self) -> String {
        match self {
            ClinicalRefusal::ScreeningBlocked { .. } => {
                "From your answers, we'd like to talk with you before booking this treatment. \
                 Nothing has been booked. Please book a consultation or call us."
                    .into()
            }
            ClinicalRefusal::ConsultationRequired { months, .. } => format!(
                "This treatment needs a consultation with us first (within the last {months} \
                 months). Nothing has been booked. Please book a consultation first, or call us."
            ),
        }
    }
}

/// The earliest consultation that still counts for a treatment needing one within `months`.
pub fn consultation_cutoff(now: DateTime<Utc>, months: i32) -> DateTime<Utc> {
    now.checked_sub_months(Months::new(months.max(0) as u32))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// A consultation requirement as typed by an admin: empty for none, else 1–36 months.
pub fn parse_months(s: &str) -> Result<Option<i32>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    match s.parse::<i32>() {
        Ok(m) if (1..=36).contains(&m) => Ok(Some(m)),
        _ => Err("Enter a number of months from 1 to 36, or leave it empty for none.".into()),
    }
}

/// A question's wording as typed by an admin.
pub fn parse_question_text(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("Write the question.".into());
    }
    if s.chars().count() > 500 {
        return Err("A question can be at most 500 characters.".into());
    }
    if s.chars().any(|c| super::input::refused_char(c, false)) {
        return Err("A question cannot contain control or invisible formatting characters.".into());
    }
    Ok(s.to_string())
}

/// Consent wording as typed by an admin.
pub fn parse_consent_text(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("Write the consent text.".into());
    }
    if s.chars().count() > 20_000 {
        return Err("The consent text can be at most 20,000 characters.".into());
    }
    if s.chars().any(|c| super::input::refused_char(c, true)) {
        return Err("The text cannot contain control or invisible formatting characters.".into());
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked() -> Vec<Asked> {
        vec![
            Asked {
                id: 1,
                effect: Effect::Block,
            },
            Asked {
                id: 2,
                effect: Effect::Review,
            },
            Asked {
                id: 3,
                effect: Effect::Info,
            },
        ]
    }

    #[test]
    fn judges_complete_answers() {
        let all_no: BTreeMap<i32, bool> = [(1, false), (2, false), (3, true)].into();
        assert_eq!(
            judge(&asked(), &all_no),
            Ok(Judgement {
                blocking: vec![],
                flag: None
            })
        );
        let review: BTreeMap<i32, bool> = [(1, false), (2, true), (3, false)].into();
        assert_eq!(judge(&asked(), &review).unwrap().flag, Some(Flag::Review));
        let block: BTreeMap<i32, bool> = [(1, true), (2, true), (3, false)].into();
        let j = judge(&asked(), &block).unwrap();
        assert_eq!(j.blocking, vec![1]);
        assert_eq!(later_flag(&j), Some(Flag::Call));
    }

    #[test]
    fn refuses_unknown_and_partial_answers() {
        let partial: BTreeMap<i32, bool> = [(1, false)].into();
        assert_eq!(
            judge(&asked(), &partial),
            Err(AnswerProblem::Missing(vec![2, 3]))
        );
        let unknown: BTreeMap<i32, bool> = [(9, false)].into();
        assert_eq!(judge(&asked(), &unknown), Err(AnswerProblem::Unknown(9)));
    }

    #[test]
    fn months_and_cutoff() {
        assert_eq!(parse_months(""), Ok(None));
        assert_eq!(parse_months("6"), Ok(Some(6)));
        assert!(parse_months("0").is_err());
        assert!(parse_months("x").is_err());
        let now = "2030-08-31T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            consultation_cutoff(now, 6),
            "2030-02-28T10:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }
}
