//! Clinical safety around a booking: the treatment's screening questions and consent text, the
//! checks made inside the booking transaction (blocking answers, the consultation a treatment
//! needs first), answers given later through the manage link, and the practitioner's review.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::json;

use super::booking::{self, AppointmentDetails};
use super::clinic::{self, Clinic};
use crate::db::consent::{self, ConsentRecordRow, ConsentTextRow};
use crate::db::consultations::{self, ConsultationRow, NewConsultation};
use crate::db::models::{AppointmentRow, TreatmentRow, from_db, to_db};
use crate::db::screening::{self, AnswerWithQuestion, QuestionRow, ScreeningStateRow};
use crate::db::{DbConnection, appointments};
use crate::domain::appointment::Status;
use crate::domain::errors::FieldErrors;
use crate::domain::screening::{AnswerProblem, Asked, ClinicalRefusal, Flag, judge, later_flag};
use crate::error::AppError;
use crate::service::audit::{self, Actor, Entry};
use crate::service::changes;
use crate::service::desk::Reach;
use diesel::Connection;

/// What a treatment asks before it is booked.
#[derive(Debug, Clone)]
pub struct Questionnaire {
    pub treatment: TreatmentRow,
    pub questions: Vec<QuestionRow>,
    pub consent: Option<ConsentTextRow>,
    /// Needs a consultation within this many months.
    pub consultation_months: Option<i32>,
}

impl Questionnaire {
    pub fn asked(&self) -> Vec<Asked> {
        super::clinical_checks::asked(&self.questions)
    }
}

pub fn questionnaire_of(
    conn: &mut DbConnection,
    treatment: TreatmentRow,
) -> Result<Questionnaire, AppError> {
    let questions = screening::current(conn, treatment.id)?;
    let consent = consent::current(conn, treatment.id)?;
    let consultation_months =
        consultations::requirement(conn, treatment.id)?.and_then(|r| r.consultation_months);
    Ok(Questionnaire {
        treatment,
        questions,
        consent,
        consultation_months,
    })
}

/// What the booking page's screening step makes of the answers given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assessment {
    Clear,
    /// These questions (ids) still need an answer.
    Unanswered(Vec<i32>),
    /// An answer to a question no longer asked: the questions changed meanwhile.
    Changed,
    Refused(ClinicalRefusal),
}

/// Judges the screening step's answers (the booking judges them again in its transaction).
pub fn assess(q: &Questionnaire, answers: &BTreeMap<i32, bool>) -> Assessment {
    match judge(&q.asked(), answers) {
        Err(AnswerProblem::Missing(ids)) => Assessment::Unanswered(ids),
        Err(AnswerProblem::Unknown(_)) => Assessment::Changed,
        Ok(j) if !j.blocking.is_empty() => Assessment::Refused(ClinicalRefusal::ScreeningBlocked {
            questions: q
                .questions
                .iter()
                .filter(|x| j.blocking.contains(&x.id))
                .map(|x| x.text.clone())
                .collect(),
        }),
        Ok(_) => Assessment::Clear,
    }
}

/// The version of a treatment's consent text a booking form shows now.
pub fn consent_version(c: &mut DbConnection, treatment_id: i32) -> Result<Option<i32>, AppError> {
    Ok(consent::current(c, treatment_id)?.map(|t| t.version))
}

/// The time step's offer with its questionnaire (the booking's screening step).
pub fn choose_time(
    c: &mut DbConnection,
    now: DateTime<Utc>,
    slug: &str,
    start: DateTime<Utc>,
    choice: crate::domain::booking::PractitionerChoice,
) -> Result<(Clinic, crate::service::catalog::Offer, Questionnaire), AppError> {
    let (clinic, offer) = booking::choose_time(c, now, slug, start, choice)?;
    let q = questionnaire_of(c, offer.treatment.clone())?;
    Ok((clinic, offer, q))
}

/// The slug of the consultation treatment patients can book online, if any.
pub fn consultation_slug(c: &mut DbConnection) -> Result<Option<String>, AppError> {
    for id in consultations::consultation_treatments(c)? {
        let t = crate::db::treatments::treatment(c, id)?;
        if t.active {
            return Ok(Some(t.slug));
        }
    }
    Ok(None)
}

/// An active treatment's questionnaire, by the address of its page.
pub fn questionnaire(
    conn: &mut DbConnection,
    slug: &str,
) -> Result<(Clinic, Questionnaire), AppError> {
    let treatment = crate::db::treatments::active_treatment_by_slug(conn, slug)?
        .ok_or(AppError::NotFound("treatment"))?;
    Ok((clinic::load(conn)?, questionnaire_of(conn, treatment)?))
}

/// Every active treatment's questionnaire, in menu order (the API's treatment list).
pub fn all(conn: &mut DbConnection) -> Result<Vec<Questionnaire>, AppError> {
    crate::db::treatments::active_treatments(conn)?
        .into_iter()
        .map(|t| questionnaire_of(conn, t))
        .collect()
}

/// A consent text by version, for its own page (`None`: the newest).
pub fn consent_text(
    conn: &mut DbConnection,
    slug: &str,
    version: Option<i32>,
) -> Result<(Clinic, TreatmentRow, ConsentTextRow), AppError> {
    let treatment = crate::db::treatments::active_treatment_by_slug(conn, slug)?
        .ok_or(AppError::NotFound("treatment"))?;
    let text = match version {
        Some(v) => consent::version(conn, treatment.id, v)?,
        None => consent::current(conn, treatment.id)?,
    }
    .ok_or(AppError::NotFound("consent text"))?;
    Ok((clinic::load(conn)?, treatment, text))
}

/// The questionnaire of a booking made without answers, reached by its manage link.
pub struct LaterScreening {
    pub clinic: Clinic,
    pub details: AppointmentDetails,
    pub questions: Vec<QuestionRow>,
    /// `None`: nothing to answer (no questions for this treatment).
    pub state: Option<ScreeningStateRow>,
}

impl LaterScreening {
    pub fn pending(&self) -> bool {
        self.state.as_ref().is_some_and(|s| s.status == "pending")
            && self.details.status == Status::Booked
    }
}

pub fn later(conn: &mut DbConnection, token: &str) -> Result<LaterScreening, AppError> {
    let (clinic, details) = booking::lookup(conn, token)?;
    let questions = screening::current(conn, details.treatment.id)?;
    let state = screening::state_of(conn, details.appointment.id)?;
    Ok(LaterScreening {
        clinic,
        details,
        questions,
        state,
    })
}

/// An appointment's screening as the API names it: "pending", "answered" or "not_asked".
pub fn status_name(conn: &mut DbConnection, appointment_id: i32) -> Result<&'static str, AppError> {
    Ok(match screening::state_of(conn, appointment_id)? {
        Some(s) if s.status == "pending" => "pending",
        Some(_) => "answered",
        None => "not_asked",
    })
}

/// Whether an appointment's screening is still pending (the confirmation page links to it).
pub fn is_pending(conn: &mut DbConnection, appointment_id: i32) -> Result<bool, AppError> {
    Ok(screening::state_of(conn, appointment_id)?.is_some_and(|s| s.status == "pending"))
}

/// Answers given after booking. A blocking "yes" flags the appointment for a call; it cancels
/// nothing. Returns the flag set.
pub fn answer_later(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    token: &str,
    answers: &BTreeMap<i32, bool>,
) -> Result<Option<Flag>, AppError> {
    let clinic = clinic::load(conn)?;
    let d = booking::details(conn, token)?;
    let id = d.appointment.id;
    changes::committed(conn.transaction(|c| {
        appointments::lock(c, id)?;
        let row = appointments::by_id(c, id)?;
        if row.status != Status::Booked.as_str() {
            return Err(AppError::NotAllowed(
                "This appointment is no longer booked, so there is nothing to answer.".into(),
            ));
        }
        let state = screening::state_of(c, id)?;
        if !state.as_ref().is_some_and(|s| s.status == "pending") {
            return Err(AppError::NotAllowed(
                "These questions have already been answered. If something has changed, please \
                 call us."
                    .into(),
            ));
        }
        let questions = screening::current(c, row.treatment_id)?;
        let j = judge(&super::clinical_checks::asked(&questions), answers)
            .map_err(|p| super::clinical_checks::answer_errors(p, "q"))?;
        let flag = later_flag(&j);
        let at = to_db(now);
        for (qid, yes) in answers {
            screening::insert_answer(c, id, *qid, *yes, at)?;
        }
        screening::mark_answered(c, id, flag.map(Flag::as_str), at)?;
        audit::record(
            c,
            now,
            &Actor::Patient {
                label: "patient via manage link".into(),
            },
            Entry {
                action: "appointment.screening_answered",
                subject_kind: "appointment",
                subject_id: Some(id),
                before: None,
                after: Some(json!({"flag": flag.map(Flag::as_str)})),
                note: None,
            },
        )?;
        // A "yes" may bring in a preparation step that depends on it.
        crate::service::planning::on_rescheduled(c, &clinic, now, &row)?;
        Ok(flag)
    }))
}

/// Which of these appointments wait for screening answers (the day view's badge).
pub fn pending_among(c: &mut DbConnection, ids: &[i32]) -> Result<HashSet<i32>, AppError> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(screening::pending_among(c, ids)?.into_iter().collect())
}

/// Everything clinical the staff appointment page shows.
pub struct AppointmentClinical {
    pub state: Option<ScreeningStateRow>,
    pub reviewed_by: Option<String>,
    pub answers: Vec<AnswerWithQuestion>,
    pub consent: Option<(ConsentRecordRow, ConsentTextRow)>,
    pub consultations: Vec<ConsultationRow>,
    pub consultation_months: Option<i32>,
    /// The treatments a consultation recorded here may clear.
    pub clearable: Vec<(i32, String)>,
}

impl AppointmentClinical {
    pub fn flag(&self) -> Option<Flag> {
        self.state
            .as_ref()
            .and_then(|s| s.flag.as_deref())
            .and_then(Flag::parse)
    }

    pub fn open_flag(&self) -> bool {
        self.flag().is_some() && self.state.as_ref().is_some_and(|s| s.reviewed_at.is_none())
    }
}

pub fn clinical_of(
    c: &mut DbConnection,
    row: &AppointmentRow,
) -> Result<AppointmentClinical, AppError> {
    let state = screening::state_of(c, row.id)?;
    let reviewed_by = match state.as_ref().and_then(|s| s.reviewed_by) {
        Some(id) => Some(
            crate::db::staff::by_id(c, id)?
                .map(|s| s.name)
                .unwrap_or_else(|| format!("staff #{id}")),
        ),
        None => None,
    };
    let consent = match consent::record_of(c, row.id)? {
        Some(r) => {
            let text = consent::by_id(c, r.consent_text_id)?;
            Some((r, text))
        }
        None => None,
    };
    Ok(AppointmentClinical {
        reviewed_by,
        answers: screening::answers_of(c, row.id)?,
        consent,
        consultations: consultations::of_patient(c, row.patient_id)?,
        consultation_months: consultations::requirement(c, row.treatment_id)?
            .and_then(|r| r.consultation_months),
        clearable: clearable(c)?,
        state,
    })
}

/// A practitioner (or an admin) has looked at the flagged answers. Audited.
pub fn mark_reviewed(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    id: i32,
    actor: &Actor,
    reach: Reach,
) -> Result<(), AppError> {
    let Actor::Staff { id: staff_id, .. } = actor else {
        return Err(AppError::Forbidden(
            "Only staff can review screening answers.".into(),
        ));
    };
    let staff_id = *staff_id;
    conn.transaction(|c| {
        let row = crate::service::desk::appointment::visible(c, id, reach)?;
        if screening::mark_reviewed(c, row.id, staff_id, to_db(now))? == 0 {
            return Err(AppError::NotAllowed(
                "There is no open screening flag on this appointment.".into(),
            ));
        }
        audit::record(
            c,
            now,
            actor,
            Entry {
                action: "appointment.screening_reviewed",
                subject_kind: "appointment",
                subject_id: Some(row.id),
                before: None,
                after: Some(json!({"reviewed": true})),
                note: None,
            },
        )?;
        Ok(())
    })
}

/// A consultation or patch test done in person, recorded on one of the patient's appointments.
pub fn record_consultation(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    id: i32,
    kind: &str,
    cleared: Option<i32>,
    actor: &Actor,
    reach: Reach,
) -> Result<(), AppError> {
    if !matches!(kind, "consultation" | "patch_test") {
        let mut f = FieldErrors::new();
        f.add("kind", "Choose a consultation or a patch test.");
        return Err(AppError::Invalid(f));
    }
    let staff_id = match actor {
        Actor::Staff { id, .. } => Some(*id),
        _ => None,
    };
    conn.transaction(|c| {
        let row = crate::service::desk::appointment::visible(c, id, reach)?;
        if let Some(t) = cleared {
            let ok = kind == "consultation"
                && crate::db::treatments::active_treatments(c)?
                    .iter()
                    .any(|x| x.id == t);
            if !ok {
                let mut f = FieldErrors::new();
                f.add(
                    "cleared",
                    "Choose a treatment on offer (a consultation clears one; a patch test doesn't).",
                );
                return Err(AppError::Invalid(f));
            }
        }
        let at = to_db(now);
        consultations::insert(
            c,
            &NewConsultation {
                patient_id: row.patient_id,
                kind,
                done_at: at,
                appointment_id: Some(row.id),
                cleared_treatment_id: cleared,
                recorded_by: staff_id,
                created_at: at,
            },
        )?;
        audit::record(
            c,
            now,
            actor,
            Entry {
                action: "patient.consultation_recorded",
                subject_kind: "appointment",
                subject_id: Some(row.id),
                before: None,
                after: Some(
                    json!({"kind": kind, "patient_id": row.patient_id, "cleared_treatment_id": cleared}),
                ),
                note: None,
            },
        )?;
        Ok(())
    })
}

/// A flagged appointment waiting for a practitioner's review.
pub struct FlaggedLine {
    pub appointment_id: i32,
    pub starts_at: DateTime<Utc>,
    pub patient: String,
    pub treatment: String,
    pub practitioner: String,
    pub flag: Flag,
    pub flagged_at: Option<NaiveDateTime>,
}

/// Open flags, soonest appointment first; a practitioner sees their own (`own`).
pub fn flagged(conn: &mut DbConnection, own: Option<i32>) -> Result<Vec<FlaggedLine>, AppError> {
    let mut out = Vec::new();
    for s in screening::open_flags(conn)? {
        let row = appointments::by_id(conn, s.appointment_id)?;
        if own.is_some_and(|p| p != row.practitioner_id) || row.status == "cancelled" {
            continue;
        }
        let d = booking::details_of(conn, row)?;
        out.push(FlaggedLine {
            appointment_id: d.appointment.id,
            starts_at: from_db(d.appointment.starts_at),
            patient: d.patient.name.clone(),
            treatment: d.treatment.name.clone(),
            practitioner: d.practitioner.name.clone(),
            flag: s
                .flag
                .as_deref()
                .and_then(Flag::parse)
                .unwrap_or(Flag::Review),
            flagged_at: s.flagged_at,
        });
    }
    out.sort_by_key(|l| l.starts_at);
    Ok(out)
}

/// Where an email's "book" link of this appointment points.
pub enum BookLink {
    /// Its own treatment.
    Own,
    /// A consultation's follow-up: the treatment it cleared the patient for.
    Cleared(String),
    /// A consultation that cleared nothing: its follow-up has nothing to offer.
    NothingCleared,
}

/// The follow-up of a completed consultation links to booking the treatment it cleared.
pub fn book_link(
    c: &mut DbConnection,
    row: &AppointmentRow,
    follow_up: bool,
) -> Result<BookLink, AppError> {
    let is_consultation =
        consultations::requirement(c, row.treatment_id)?.is_some_and(|r| r.is_consultation);
    if !is_consultation || !follow_up {
        return Ok(BookLink::Own);
    }
    Ok(match consultations::cleared_by_appointment(c, row.id)? {
        Some(t) => BookLink::Cleared(crate::db::treatments::treatment(c, t)?.slug),
        None => BookLink::NothingCleared,
    })
}

/// The treatments a consultation can clear (the staff form's choices).
pub fn clearable(c: &mut DbConnection) -> Result<Vec<(i32, String)>, AppError> {
    let consultation = consultations::consultation_treatments(c)?;
    Ok(crate::db::treatments::active_treatments(c)?
        .into_iter()
        .filter(|t| !consultation.contains(&t.id))
        .map(|t| (t.id, t.name))
        .collect())
}

/// Whether the reminder should ask for the screening answers again.
pub fn reminder_asks_again(c: &mut DbConnection, appointment_id: i32) -> Result<bool, AppError> {
    is_pending(c, appointment_id)
}
