//! The clinic's front page and one page per treatment on offer.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::domain::treatment::{duration_label, price_range_label};
use crate::error::AppError;
use crate::service::catalog;
use crate::web::views::{DayHours, Layout, TreatmentCard, opening_hours};
use crate::web::{AppState, render};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    clinic_email: String,
    treatments: Vec<TreatmentCard>,
    hours: Vec<DayHours>,
    timezone: String,
}

pub async fn home(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let (clinic, treatments) = state.db(catalog::menu).await?;
    render(&HomePage {
        layout: Layout::new(&clinic, "In-office treatments for large pores"),
        clinic_email: clinic.row.email.clone(),
        treatments: treatments
            .iter()
            .map(|t| TreatmentCard::new(t, clinic.currency))
            .collect(),
        hours: opening_hours(&clinic.hours),
        timezone: clinic.row.timezone.clone(),
    })
}

#[derive(Template)]
#[template(path = "treatment.html")]
struct TreatmentPage {
    layout: Layout,
    card: TreatmentCard,
    description: String,
    during: String,
    recovery: String,
    sessions: String,
    duration: String,
    price: String,
    practitioners: Vec<String>,
    has_consent: bool,
    /// Why a consultation comes first, and where to book one.
    consultation_first: Option<(String, Option<String>)>,
}

pub async fn treatment(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let (clinic, offer, months, consultation, has_consent) = state
        .db(move |c| {
            let (clinic, offer) = catalog::offer(c, &slug)?;
            let q = crate::service::screening::questionnaire_of(c, offer.treatment.clone())?;
            let consultation = crate::service::screening::consultation_slug(c)?;
            let has_consent = q.consent.is_some();
            Ok((
                clinic,
                offer,
                q.consultation_months,
                consultation,
                has_consent,
            ))
        })
        .await?;
    let t = &offer.treatment;
    render(&TreatmentPage {
        has_consent,
        consultation_first: months.map(|m| {
            (
                format!(
                    "{} needs a consultation with us within the last {m} months before it can be \
                     booked.",
                    t.name
                ),
                consultation.map(|s| format!("/book/{s}")),
            )
        }),
        layout: Layout::new(&clinic, t.name.clone()),
        card: TreatmentCard::new(t, clinic.currency),
        description: t.description.clone(),
        during: t.during_session.clone(),
        recovery: t.recovery.clone(),
        sessions: t.sessions_note.clone(),
        duration: duration_label(t.duration_minutes),
        price: price_range_label(clinic.currency, t.price_min_cents, t.price_max_cents),
        practitioners: offer
            .practitioners
            .iter()
            .map(|p| format!("{}, {}", p.name, p.title))
            .collect(),
    })
}
