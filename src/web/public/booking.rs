//! Booking in three steps: pick a time (slots), give your details, see the confirmation.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};

use super::month;
use super::screening;
use super::slots::{self, SlotQuery, SlotsTarget, not_found_treatment};
use crate::db::models::{PractitionerRow, TreatmentRow};
use crate::domain::booking::{PatientInput, PractitionerChoice, parse_patient};
use crate::domain::errors::FieldErrors;
use crate::domain::time::{datetime_label, local_parts, parse_instant, rfc3339_local};
use crate::error::AppError;
use crate::service::audit::Actor;
use crate::service::availability::{self, Day, DayQuery, SlotView};
use crate::service::booking::{self as svc, BookCommand};
use crate::service::catalog::{self, Offer};
use crate::service::clinic::Clinic;
use crate::service::clinical_checks::ClinicalInput;
use crate::service::screening::{self as screening_svc, Assessment};
use crate::web::consent_source::consent_given;
use crate::web::forms::Fields;
use crate::web::outcome::{Refusal, answer_with};
use crate::web::views::{Layout, SlotOption, TreatmentCard, slot_options};
use crate::web::{AppState, render_status};

fn booking_target(t: &TreatmentRow) -> SlotsTarget {
    SlotsTarget {
        heading: format!("Book: {}", t.name),
        date_action: format!("/book/{}", t.slug),
        pick_action: format!("/book/{}/details", t.slug),
        pick_method: "get",
        pick_label: "Continue to your details",
        back_link: format!("/treatments/{}", t.slug),
        back_label: "About this treatment",
        waitlist_action: Some(format!("/waitlist/{}", t.slug)),
    }
}

/// Step 2: a date, an optional practitioner, and that day's free times.
pub async fn pick_slot(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let slug = slug.into_inner();
    // The hottest page of the site: served from the page cache between writes.
    let key = format!("book/{slug}?{}", req.query_string());
    let minute = now.timestamp().div_euclid(60);
    if let Some(body) = state.page_cache.get(&key, minute) {
        return Ok(html(StatusCode::OK, body));
    }
    let generation = state.page_cache.generation();
    let fields = Fields::from_query(req.query_string()).unwrap_or_default();
    let month = month::parse_month(fields.get("month"));
    let query = SlotQuery::read(&fields);
    let s = state
        .read(move |c| {
            slots::load(c, query, |c, q| {
                availability::booking_page(c, now, &slug, q, month)
            })
        })
        .await
        .map_err(not_found_treatment)?;
    let page = &s.answer;
    let day = &page.day;
    let target = booking_target(&day.treatment);
    let calendar = month::month_view(
        &target.date_action,
        day.choice,
        day.date,
        page.month,
        (day.first, day.last),
        &page.free,
    );
    let body = web::Bytes::from(slots::page_body(&s, day, target, None, Some(calendar))?);
    let status = s.status(StatusCode::OK);
    if status.is_success() {
        state.page_cache.put(key, generation, minute, body.clone());
    }
    Ok(html(status, body))
}

fn html(status: StatusCode, body: web::Bytes) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body)
}

/// The booking form's hidden trap field (see details.html).
const HONEYPOT: &str = "website";

/// What a robot that filled the trap is shown: like a confirmation, with nothing behind it.
#[derive(Template)]
#[template(path = "received.html")]
struct Received;

#[derive(Template)]
#[template(path = "details.html")]
struct DetailsPage {
    layout: Layout,
    treatment: TreatmentCard,
    action: String,
    start_value: String,
    when: String,
    practitioner_value: String,
    practitioner_label: String,
    /// Offered instead of the chosen time when it was just taken.
    alternatives: Vec<SlotOption>,
    name: String,
    email: String,
    phone: String,
    note: String,
    consent: bool,
    errors: FieldErrors,
    message: Option<String>,
    back_link: String,
    /// The screening step's answers, carried to the booking.
    answers: Vec<screening::Hidden>,
    /// The consent text's version shown (recorded with the booking), and its page.
    consent_version: Option<i32>,
    consent_url: String,
}

struct DetailsInput {
    start: DateTime<Utc>,
    choice: PractitionerChoice,
    fields: Fields,
    errors: FieldErrors,
    message: Option<String>,
    alternatives: bool,
}

/// What the details page shows besides the patient's input.
struct DetailsContext {
    clinic: Clinic,
    treatment: TreatmentRow,
    eligible: Vec<PractitionerRow>,
    alternatives: Vec<SlotView>,
    consent_version: Option<i32>,
}

impl DetailsContext {
    fn of_offer(clinic: Clinic, offer: Offer, consent_version: Option<i32>) -> Self {
        Self {
            clinic,
            treatment: offer.treatment,
            eligible: offer.practitioners,
            alternatives: Vec::new(),
            consent_version,
        }
    }
}

/// The details form again, after the patient's input was refused.
async fn details_page(
    state: &AppState,
    slug: String,
    status: StatusCode,
    input: DetailsInput,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let (start, choice, alternatives) = (input.start, input.choice, input.alternatives);
    let ctx = state
        .db(move |c| {
            if alternatives {
                // The rest of that day, for the time that was just taken.
                let q = DayQuery {
                    day: Day::Of(start),
                    choice,
                    browse: true,
                };
                let day = availability::requested_day(c, now, &slug, q)?;
                let consent_version = screening_svc::consent_version(c, day.treatment.id)?;
                Ok(DetailsContext {
                    clinic: day.clinic,
                    treatment: day.treatment,
                    eligible: day.eligible,
                    alternatives: day.slots,
                    consent_version,
                })
            } else {
                let (clinic, offer) = catalog::offer(c, &slug)?;
                let consent_version = screening_svc::consent_version(c, offer.treatment.id)?;
                Ok(DetailsContext::of_offer(clinic, offer, consent_version))
            }
        })
        .await
        .map_err(not_found_treatment)?;
    details_html(status, ctx, input)
}

fn details_html(
    status: StatusCode,
    ctx: DetailsContext,
    input: DetailsInput,
) -> Result<HttpResponse, AppError> {
    let (clinic, t) = (&ctx.clinic, &ctx.treatment);
    let f = &input.fields;
    let practitioner_label = match input.choice {
        PractitionerChoice::Any => "Any available practitioner".to_string(),
        PractitionerChoice::Specific(id) => ctx
            .eligible
            .iter()
            .find(|p| p.id == id)
            .map(|p| format!("{}, {}", p.name, p.title))
            .unwrap_or_else(|| "Unknown practitioner".into()),
    };
    let page = DetailsPage {
        layout: Layout::new(clinic, format!("Your details: {}", t.name)),
        action: format!("/book/{}", t.slug),
        start_value: rfc3339_local(clinic.tz, input.start),
        when: datetime_label(clinic.tz, input.start),
        practitioner_value: input.choice.as_param(),
        practitioner_label,
        alternatives: slot_options(clinic.tz, &ctx.alternatives, input.choice, None),
        name: f.get("name").to_string(),
        email: f.get("email").to_string(),
        phone: f.get("phone").to_string(),
        note: f.get("note").to_string(),
        consent: f.checked("consent"),
        errors: input.errors,
        message: input.message,
        back_link: format!(
            "/book/{}?date={}&practitioner={}",
            t.slug,
            local_parts(clinic.tz, input.start).0.format("%Y-%m-%d"),
            input.choice.as_param()
        ),
        answers: f
            .with_prefix("q_")
            .into_iter()
            .map(|(name, value)| screening::Hidden { name, value })
            .collect(),
        consent_version: ctx.consent_version,
        consent_url: format!("/treatments/{}/consent", t.slug),
        treatment: TreatmentCard::new(t, clinic.currency),
    };
    render_status(status, &page)
}

/// Re-shows the slot page when the chosen time can't be used at all.
async fn back_to_slots(
    state: &AppState,
    slug: String,
    choice: PractitionerChoice,
    day: Day,
    status: StatusCode,
    message: String,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let s = state
        .db(move |c| {
            slots::load(c, SlotQuery::plain(day, choice), |c, q| {
                availability::requested_day(c, now, &slug, q)
            })
        })
        .await
        .map_err(not_found_treatment)?;
    let day = &s.answer;
    slots::page(
        status,
        &s,
        day,
        booking_target(&day.treatment),
        Some(message),
    )
}

/// Step 3: the patient's details for the chosen time.
pub async fn details(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let q = Fields::from_query(req.query_string()).unwrap_or_default();
    let choice =
        PractitionerChoice::parse(q.get("practitioner")).unwrap_or(PractitionerChoice::Any);
    let Ok(start) = parse_instant(q.get("start")) else {
        return back_to_slots(
            &state,
            slug,
            choice,
            Day::Today,
            StatusCode::BAD_REQUEST,
            "Please choose one of the times below.".into(),
        )
        .await;
    };
    let now = state.clock.now();
    let s = slug.clone();
    match state
        .db(move |c| screening_svc::choose_time(c, now, &s, start, choice))
        .await
    {
        Ok((clinic, offer, q)) => {
            if !q.questions.is_empty() {
                // The screening step comes first; its answers lead on to the details.
                let step = screening::Step {
                    clinic: &clinic,
                    questionnaire: &q,
                    start,
                    choice,
                };
                let (f, e) = (Fields::default(), FieldErrors::new());
                return screening::step_page(step, StatusCode::OK, &f, &e, None);
            }
            let consent_version = q.consent.as_ref().map(|c| c.version);
            let input = DetailsInput {
                start,
                choice,
                fields: Fields::default(),
                errors: FieldErrors::new(),
                message: None,
                alternatives: false,
            };
            details_html(
                StatusCode::OK,
                DetailsContext::of_offer(clinic, offer, consent_version),
                input,
            )
        }
        Err(e) => {
            let r = Refusal::from_error(e, |p| p.message().to_string())?;
            back_to_slots(&state, slug, choice, Day::Of(start), r.status, r.message).await
        }
    }
}

/// The screening step's answers: the details form when they allow an online booking, the kind
/// page when one rules it out (nothing is stored either way), the questions again when some
/// are unanswered or the questions changed meanwhile.
pub async fn details_answered(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let fields = Fields::parse(&body)?;
    let choice =
        PractitionerChoice::parse(fields.get("practitioner")).unwrap_or(PractitionerChoice::Any);
    let Ok(start) = parse_instant(fields.get("start")) else {
        return back_to_slots(
            &state,
            slug,
            choice,
            Day::Today,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Please choose one of the times below.".into(),
        )
        .await;
    };
    let now = state.clock.now();
    let s = slug.clone();
    let (clinic, offer, q, consultation) = match state
        .db(move |c| {
            let (clinic, offer, q) = screening_svc::choose_time(c, now, &s, start, choice)?;
            let consultation = screening_svc::consultation_slug(c)?;
            Ok((clinic, offer, q, consultation))
        })
        .await
    {
        Ok(v) => v,
        Err(e) => {
            let r = Refusal::from_error(e, |p| p.message().to_string())?;
            return back_to_slots(&state, slug, choice, Day::Of(start), r.status, r.message).await;
        }
    };
    let mut errors = FieldErrors::new();
    let answers = screening::answers_in(&fields, &mut errors).unwrap_or_default();
    let step = screening::Step {
        clinic: &clinic,
        questionnaire: &q,
        start,
        choice,
    };
    match screening_svc::assess(&q, &answers) {
        _ if !errors.is_empty() => {
            let m = Some("Please answer each question.".into());
            screening::step_page(step, StatusCode::UNPROCESSABLE_ENTITY, &fields, &errors, m)
        }
        Assessment::Unanswered(names) => {
            for id in names {
                errors.add(&screening::field_name(id), "Please answer this question.");
            }
            let m = Some("Please answer each question.".into());
            screening::step_page(step, StatusCode::UNPROCESSABLE_ENTITY, &fields, &errors, m)
        }
        Assessment::Changed => {
            let m = Some("Our questions have just been updated: please answer them again.".into());
            let empty = Fields::default();
            screening::step_page(step, StatusCode::CONFLICT, &empty, &errors, m)
        }
        Assessment::Refused(r) => {
            let t = &q.treatment;
            screening::refused_page(&clinic, &t.slug, &t.name, &r, consultation.as_deref())
        }
        Assessment::Clear => {
            let consent_version = q.consent.as_ref().map(|c| c.version);
            let input = DetailsInput {
                start,
                choice,
                fields,
                errors,
                message: None,
                alternatives: false,
            };
            details_html(
                StatusCode::OK,
                DetailsContext::of_offer(clinic, offer, consent_version),
                input,
            )
        }
    }
}

/// The booking itself. Success goes to the confirmation page (303, so a reload can't rebook).
pub async fn submit(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let fields = Fields::parse(&body)?;
    if !fields.get(HONEYPOT).is_empty() {
        // A robot filled the hidden field: it sees a plausible page; nothing is stored or sent.
        log::info!("booking form honeypot filled; nothing stored");
        return crate::web::render(&Received);
    }
    let choice =
        PractitionerChoice::parse(fields.get("practitioner")).unwrap_or(PractitionerChoice::Any);
    let Ok(start) = parse_instant(fields.get("start")) else {
        return back_to_slots(
            &state,
            slug,
            choice,
            Day::Today,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Please choose one of the times below.".into(),
        )
        .await;
    };
    let mut errors = FieldErrors::new();
    let input = PatientInput {
        name: fields.get("name"),
        email: fields.get("email"),
        phone: fields.get("phone"),
        note: fields.get("note"),
        consent: fields.checked("consent"),
    };
    let answers = screening::answers_in(&fields, &mut errors);
    let consent_version = fields.get("consent_version").trim().parse::<i32>().ok();
    let parsed = parse_patient(&input, &mut errors);
    let Some(part) = parsed.filter(|_| errors.is_empty()) else {
        let message = Some("Please check the highlighted fields.".into());
        let input = DetailsInput {
            start,
            choice,
            fields,
            errors,
            message,
            alternatives: false,
        };
        return details_page(&state, slug, StatusCode::UNPROCESSABLE_ENTITY, input).await;
    };
    let cmd = BookCommand {
        actor: Actor::Patient {
            label: "patient via booking page".into(),
        },
        treatment_slug: slug.clone(),
        start,
        practitioner: choice,
        patient: part.patient,
        note: part.note,
        clinical: ClinicalInput {
            answers,
            consent: Some(consent_given(&req, consent_version)),
        },
        waitlist_offer: None,
    };
    let now = state.clock.now();
    let result = state.db(move |c| svc::book(c, now, &cmd)).await;
    if let Err(AppError::Clinical(r)) = &result {
        // Stopped for the patient's safety: the kind page, with what to do instead.
        let r = r.clone();
        let s = slug.clone();
        let (clinic, q, consultation) = state
            .db(move |c| {
                let (clinic, q) = screening_svc::questionnaire(c, &s)?;
                Ok((clinic, q, screening_svc::consultation_slug(c)?))
            })
            .await?;
        let t = &q.treatment;
        return screening::refused_page(&clinic, &t.slug, &t.name, &r, consultation.as_deref());
    }
    answer_with(
        result,
        |b| format!("/appointments/{}/confirmation", b.token.as_str()),
        |r| async move {
            if r.errors.get("treatment").is_some() {
                return Err(AppError::NotFound("treatment"));
            }
            // Taken meanwhile: the rest of that day is offered, the details kept.
            let taken = r.status == StatusCode::CONFLICT;
            let input = DetailsInput {
                start,
                choice,
                fields,
                errors: if taken { errors } else { r.errors },
                message: Some(if taken {
                    r.message
                } else {
                    "Please check the highlighted fields.".into()
                }),
                alternatives: taken,
            };
            details_page(&state, slug, r.status, input).await
        },
        |p| format!("{} Your details are kept below.", p.message()),
    )
    .await
}
