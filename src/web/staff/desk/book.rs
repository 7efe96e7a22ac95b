//! Phone bookings: choose a treatment, a date and a practitioner (or anyone), then one of the
//! free times and the patient's details. Success goes to the staff appointment page (303).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;

use super::query_date;
use super::views::{
    OptionView, TimeOption, day_param, practitioner_choices, slot_message, time_options,
};
use crate::domain::booking::PractitionerChoice;
use crate::domain::errors::FieldErrors;
use crate::domain::time::{date_label, parse_instant};
use crate::domain::treatment::{duration_label, price_range_label};
use crate::error::AppError;
use crate::service::booking;
use crate::service::desk::phone::{self, PhoneBookingInput, PhoneForm};
use crate::web::forms::Fields;
use crate::web::outcome::answer_with;
use crate::web::staff::auth::{StaffForm, StaffUser};
use crate::web::staff::layout::StaffLayout;
use crate::web::{AppState, render_status};

/// The form as typed, kept to be shown again.
#[derive(Debug, Clone, Default)]
struct Typed {
    treatment: String,
    date: String,
    practitioner: String,
    start: String,
    name: String,
    email: String,
    phone: String,
    note: String,
    consent: bool,
}

impl Typed {
    fn read(f: &Fields) -> Self {
        Self {
            treatment: f.get("treatment").trim().to_string(),
            date: f.get("date").trim().to_string(),
            practitioner: f.get("practitioner").trim().to_string(),
            start: f.get("start").trim().to_string(),
            name: f.get("name").to_string(),
            email: f.get("email").to_string(),
            phone: f.get("phone").to_string(),
            note: f.get("note").to_string(),
            consent: f.checked("consent"),
        }
    }

    fn input(&self) -> PhoneBookingInput<'_> {
        PhoneBookingInput {
            treatment: &self.treatment,
            practitioner: &self.practitioner,
            start: &self.start,
            name: &self.name,
            email: &self.email,
            phone: &self.phone,
            note: &self.note,
            consent: self.consent,
        }
    }
}

#[derive(Template)]
#[template(path = "staff/desk/book.html")]
struct BookPage {
    layout: StaffLayout,
    treatments: Vec<OptionView>,
    chosen: Option<String>,
    about: String,
    date_value: String,
    date_label: String,
    prev_link: String,
    next_link: String,
    practitioners: Vec<OptionView>,
    practitioner_value: String,
    times: Vec<TimeOption>,
    t: Typed,
    errors: FieldErrors,
    message: Option<String>,
}

async fn page(
    state: &AppState,
    user: &StaffUser,
    t: Typed,
    errors: FieldErrors,
    mut message: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let mut problems: Vec<String> = Vec::new();
    let date = query_date(&t.date).unwrap_or_else(|e| {
        problems.push(e);
        None
    });
    let choice = PractitionerChoice::parse(&t.practitioner).unwrap_or_else(|e| {
        problems.push(e);
        PractitionerChoice::Any
    });
    let (slug, start) = (t.treatment.clone(), parse_instant(&t.start).ok());
    let PhoneForm {
        clinic,
        treatments,
        date,
        chosen,
    } = state
        .db(move |c| phone::form(c, now, &slug, date, choice, start))
        .await?;
    if !t.treatment.is_empty() && chosen.is_none() {
        problems.push("That treatment isn't offered; please choose one from the list.".into());
    }
    if let Some((_, free)) = &chosen {
        problems.extend(free.problem.clone());
    }
    if !problems.is_empty() {
        message = Some(match message {
            Some(m) => format!("{m} {}", problems.join(" ")),
            None => problems.join(" "),
        });
    }
    let status = if status == StatusCode::OK && message.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        status
    };
    let link = |d: Option<NaiveDate>| {
        let d = d.unwrap_or(date);
        let q = serde_urlencoded::to_string([
            ("treatment", t.treatment.as_str()),
            ("date", &day_param(d)),
            ("practitioner", &t.practitioner),
            ("name", &t.name),
            ("email", &t.email),
            ("phone", &t.phone),
        ])
        .unwrap_or_default();
        format!("/staff/book?{q}")
    };
    let (prev_link, next_link) = (link(date.pred_opt()), link(date.succ_opt()));
    let treatment_options = std::iter::once(OptionView {
        value: String::new(),
        label: "Choose a treatment…".into(),
        selected: chosen.is_none(),
    })
    .chain(treatments.iter().map(|x| OptionView {
        value: x.slug.clone(),
        label: x.name.clone(),
        selected: chosen.as_ref().is_some_and(|(c, _)| c.slug == x.slug),
    }))
    .collect();
    let page = BookPage {
        layout: StaffLayout::new(user, &clinic.row.name, "Phone booking", "/staff/book"),
        treatments: treatment_options,
        about: chosen
            .as_ref()
            .map(|(tr, _)| {
                format!(
                    "{}, {}",
                    duration_label(tr.duration_minutes),
                    price_range_label(tr.price_min_cents, tr.price_max_cents)
                )
            })
            .unwrap_or_default(),
        date_value: day_param(date),
        date_label: date_label(date),
        prev_link,
        next_link,
        practitioners: match &chosen {
            Some((_, free)) => practitioner_choices(&free.eligible, free.choice),
            None => practitioner_choices(&[], PractitionerChoice::Any),
        },
        practitioner_value: chosen
            .as_ref()
            .map(|(_, free)| free.choice.as_param())
            .unwrap_or_else(|| "any".into()),
        times: chosen
            .as_ref()
            .map(|(_, free)| time_options(clinic.tz, &free.slots, &t.start))
            .unwrap_or_default(),
        chosen: chosen.as_ref().map(|(tr, _)| tr.name.clone()),
        t,
        errors,
        message,
    };
    render_status(status, &page)
}

pub async fn form(
    user: StaffUser,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    user.require(|r| r.manages_bookings())?;
    let t = Typed::read(&Fields::from_query(req.query_string())?);
    page(&state, &user, t, FieldErrors::new(), None, StatusCode::OK).await
}

pub async fn submit(form: StaffForm, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    form.user.require(|r| r.manages_bookings())?;
    let user = &form.user;
    let mut t = Typed::read(&form.fields);
    let cmd = match phone::parse(&t.input(), user.actor()) {
        Ok(cmd) => cmd,
        Err(errors) => {
            let message = Some("Please check the highlighted fields; nothing was booked.".into());
            return page(
                &state,
                user,
                t,
                errors,
                message,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let now = state.clock.now();
    let result = state.db(move |c| booking::book(c, now, &cmd)).await;
    answer_with(
        result,
        |b| format!("/staff/appointments/{}?done=booked", b.appointment.id),
        |r| async move {
            let (errors, message) = if r.status == StatusCode::CONFLICT {
                // The time shown again is gone; everything else typed stays.
                let mut errors = FieldErrors::new();
                errors.add("start", r.message.as_str());
                t.start.clear();
                let message = format!(
                    "{} The patient's details are kept below; nothing was booked.",
                    r.message
                );
                (errors, message)
            } else {
                let message = "Please check the highlighted fields; nothing was booked.";
                (r.errors, message.to_string())
            };
            page(&state, &form.user, t, errors, Some(message), r.status).await
        },
        |p| slot_message(p).to_string(),
    )
    .await
}
