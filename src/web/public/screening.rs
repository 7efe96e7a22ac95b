//! The health questions: the booking flow's screening step (between the time and the details),
//! the kind page a blocking answer or a missing consultation leads to, the consent text's own
//! page, and the questionnaire of a booking made without answers (reached by its manage link).

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};

use crate::domain::booking::PractitionerChoice;
use crate::domain::errors::FieldErrors;
use crate::domain::screening::{ClinicalRefusal, Flag, parse_yes_no};
use crate::domain::time::{date_label, datetime_label, rfc3339_local};
use crate::error::AppError;
use crate::service::clinic::Clinic;
use crate::service::screening::{self, Questionnaire};
use crate::web::forms::Fields;
use crate::web::outcome::answer;
use crate::web::views::Layout;
use crate::web::{AppState, render, render_status};

/// The name of a question's yes/no field: `q_<id>` (the id of the version asked).
pub fn field_name(id: i32) -> String {
    format!("q_{id}")
}

/// The answers in a form: `None` when it carries none (a booking then waits for them).
/// A value other than yes/no is named by its field.
pub fn answers_in(fields: &Fields, errors: &mut FieldErrors) -> Option<BTreeMap<i32, bool>> {
    let mut out = BTreeMap::new();
    for (name, value) in fields.with_prefix("q_") {
        let Some(id) = name.strip_prefix("q_").and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        match parse_yes_no(&value) {
            Some(b) => {
                out.insert(id, b);
            }
            None => errors.add(&name, "Please answer yes or no."),
        }
    }
    (!out.is_empty() || !errors.is_empty()).then_some(out)
}

pub struct Hidden {
    pub name: String,
    pub value: String,
}

pub struct QuestionView {
    pub name: String,
    pub text: String,
    pub yes: bool,
    pub no: bool,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "screening.html")]
struct ScreeningPage {
    layout: Layout,
    heading: String,
    treatment_name: String,
    when: String,
    action: String,
    hidden: Vec<Hidden>,
    questions: Vec<QuestionView>,
    submit_label: &'static str,
    message: Option<String>,
    back_link: Option<String>,
}

fn question_views(q: &Questionnaire, fields: &Fields, errors: &FieldErrors) -> Vec<QuestionView> {
    q.questions
        .iter()
        .map(|x| {
            let name = field_name(x.id);
            let given = parse_yes_no(fields.get(&name));
            QuestionView {
                error: errors.get(&name).map(str::to_string),
                yes: given == Some(true),
                no: given == Some(false),
                text: x.text.clone(),
                name,
            }
        })
        .collect()
}

/// Where the booking's screening step stands.
pub struct Step<'a> {
    pub clinic: &'a Clinic,
    pub questionnaire: &'a Questionnaire,
    pub start: DateTime<Utc>,
    pub choice: PractitionerChoice,
}

/// The booking's screening step, fresh or again with what needs answering.
pub fn step_page(
    s: Step<'_>,
    status: StatusCode,
    fields: &Fields,
    errors: &FieldErrors,
    message: Option<String>,
) -> Result<HttpResponse, AppError> {
    let t = &s.questionnaire.treatment;
    let page = ScreeningPage {
        layout: Layout::new(s.clinic, format!("Health questions: {}", t.name)),
        heading: "A few health questions".into(),
        treatment_name: t.name.clone(),
        when: datetime_label(s.clinic.tz, s.start),
        action: format!("/book/{}/details", t.slug),
        hidden: vec![
            Hidden {
                name: "start".into(),
                value: rfc3339_local(s.clinic.tz, s.start),
            },
            Hidden {
                name: "practitioner".into(),
                value: s.choice.as_param(),
            },
        ],
        questions: question_views(s.questionnaire, fields, errors),
        submit_label: "Continue to your details",
        message,
        back_link: Some(format!(
            "/book/{}?date={}&practitioner={}",
            t.slug,
            crate::domain::time::local_parts(s.clinic.tz, s.start)
                .0
                .format("%Y-%m-%d"),
            s.choice.as_param()
        )),
    };
    render_status(status, &page)
}

#[derive(Template)]
#[template(path = "screening_refused.html")]
struct RefusedPage {
    layout: Layout,
    heading: String,
    message: String,
    questions: Vec<String>,
    consultation_link: Option<String>,
    treatment_name: String,
    back_link: String,
}

/// The kind page for an online booking stopped for the patient's safety: why, and what to do
/// instead (a consultation, or the phone). Nothing was booked.
pub fn refused_page(
    clinic: &Clinic,
    slug: &str,
    treatment_name: &str,
    refusal: &ClinicalRefusal,
    consultation_slug: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let (heading, questions, consultation) = match refusal {
        ClinicalRefusal::ScreeningBlocked { questions } => (
            "Let's talk before you book",
            questions.clone(),
            consultation_slug.map(str::to_string),
        ),
        ClinicalRefusal::ConsultationRequired { consultation, .. } => (
            "A consultation comes first",
            Vec::new(),
            consultation.clone(),
        ),
    };
    let page = RefusedPage {
        layout: Layout::new(clinic, heading),
        heading: heading.into(),
        message: refusal.message(),
        questions,
        consultation_link: consultation
            .filter(|c| c != slug)
            .map(|c| format!("/book/{c}")),
        treatment_name: treatment_name.into(),
        back_link: format!("/treatments/{slug}"),
    };
    // 200: this is an answer for the patient, not an error in what they typed.
    render(&page)
}

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentPage {
    layout: Layout,
    slug: String,
    treatment_name: String,
    version: i32,
    dated: String,
    paragraphs: Vec<String>,
}

/// `GET /treatments/{slug}/consent[?version=N]`: the consent text, newest or a given version.
pub async fn consent(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let version = query
        .iter()
        .find(|(k, _)| k == "version")
        .map(|(_, v)| {
            v.parse::<i32>()
                .map_err(|_| AppError::NotFound("consent text"))
        })
        .transpose()?;
    let slug = slug.into_inner();
    let (clinic, t, text) = state
        .db(move |c| screening::consent_text(c, &slug, version))
        .await?;
    render(&ConsentPage {
        layout: Layout::new(&clinic, format!("Consent: {}", t.name)),
        slug: t.slug.clone(),
        treatment_name: t.name.clone(),
        version: text.version,
        dated: date_label(crate::domain::time::local_parts(clinic.tz, text.created_at.and_utc()).0),
        paragraphs: text
            .body
            .split("\n\n")
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "screening_later.html")]
struct LaterDonePage {
    layout: Layout,
    flash: Option<String>,
    a_label: String,
    message: Option<String>,
    manage_url: String,
}

/// `GET /appointments/{token}/screening`: the questions of a booking made without answers.
pub async fn later_form(
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let done = query
        .iter()
        .find(|(k, _)| k == "done")
        .map(|(_, v)| v.clone());
    later_page(
        &state,
        token.into_inner(),
        StatusCode::OK,
        Fields::default(),
        FieldErrors::new(),
        None,
        done,
    )
    .await
}

async fn later_page(
    state: &AppState,
    token: String,
    status: StatusCode,
    fields: Fields,
    errors: FieldErrors,
    message: Option<String>,
    done: Option<String>,
) -> Result<HttpResponse, AppError> {
    let t = token.clone();
    let s = state.db(move |c| screening::later(c, &t)).await?;
    let tz = s.clinic.tz;
    let a_label = format!(
        "{} on {}",
        s.details.treatment.name,
        datetime_label(tz, s.details.starts_at())
    );
    let manage_url = format!("/appointments/{token}");
    if !s.pending() {
        let flash = match done.as_deref() {
            Some("call") => Some(Flag::Call),
            Some("review") => Some(Flag::Review),
            Some(_) => None,
            None => None,
        };
        let flash = match (done.is_some(), flash) {
            (true, Some(Flag::Call)) => Some(
                "Thank you. From your answers we need to talk with you before your session: \
                 the clinic will call you. Your appointment stays booked meanwhile; if you have \
                 any doubt, call us."
                    .to_string(),
            ),
            (true, _) => Some("Thank you: your answers are with the clinic.".to_string()),
            (false, _) => None,
        };
        let message = (flash.is_none()).then(|| {
            if s.state.is_some() {
                "These questions have been answered. If anything has changed, please call us."
                    .to_string()
            } else {
                "There are no health questions to answer for this appointment.".to_string()
            }
        });
        return render_status(
            status,
            &LaterDonePage {
                layout: Layout::new(&s.clinic, "Health questions"),
                flash,
                a_label,
                message,
                manage_url,
            },
        );
    }
    let q = Questionnaire {
        treatment: s.details.treatment.clone(),
        questions: s.questions.clone(),
        consent: None,
        consultation_months: None,
    };
    let page = ScreeningPage {
        layout: Layout::new(&s.clinic, "Health questions"),
        heading: "Health questions for your appointment".into(),
        treatment_name: s.details.treatment.name.clone(),
        when: datetime_label(tz, s.details.starts_at()),
        action: format!("/appointments/{token}/screening"),
        hidden: Vec::new(),
        questions: question_views(&q, &fields, &errors),
        submit_label: "Send my answers",
        message,
        back_link: None,
    };
    render_status(status, &page)
}

/// `POST /appointments/{token}/screening`: the answers. A blocking "yes" flags the appointment
/// for the clinic to call; it cancels nothing.
pub async fn later_answer(
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let fields = Fields::parse(&body)?;
    let mut errors = FieldErrors::new();
    let answers = answers_in(&fields, &mut errors).unwrap_or_default();
    if !errors.is_empty() {
        let m = Some("Please answer each question.".to_string());
        return later_page(
            &state,
            token,
            StatusCode::UNPROCESSABLE_ENTITY,
            fields,
            errors,
            m,
            None,
        )
        .await;
    }
    let now = state.clock.now();
    let t = token.clone();
    let result = state
        .db(move |c| screening::answer_later(c, now, &t, &answers))
        .await;
    let tk = token.clone();
    answer(
        result,
        move |flag| {
            let done = match flag {
                Some(f) => f.as_str(),
                None => "clear",
            };
            format!("/appointments/{tk}/screening?done={done}")
        },
        |r| {
            // Field names come back as q.<id>: the form's are q_<id>.
            let mut errors = FieldErrors::new();
            for (k, v) in r.errors.iter() {
                errors.add(&k.replacen("q.", "q_", 1), v.clone());
            }
            let message = Some(if r.status == StatusCode::UNPROCESSABLE_ENTITY {
                "Please answer each question.".to_string()
            } else {
                r.message
            });
            later_page(&state, token, r.status, fields, errors, message, None)
        },
    )
    .await
}
