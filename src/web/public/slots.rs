//! The "pick a date and time" page, shared by booking and rescheduling.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;
use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::db::DbConnection;
use crate::db::models::{PractitionerRow, TreatmentRow};
use crate::domain::booking::Policy;
use crate::domain::booking::PractitionerChoice;
use crate::domain::time::{date_label, parse_date, today};
use crate::error::AppError;
use crate::service::availability::{SlotView, day_slots};
use crate::service::clinic::{self, Clinic};
use crate::web::forms::Fields;
use crate::web::views::{
    Layout, PractitionerOption, SlotOption, TreatmentCard, practitioner_options, slot_options,
};

/// How far ahead to look for the next day with a free slot when the chosen day has none.
const LOOKAHEAD_DAYS: i64 = 21;

/// What the patient asked to see, read leniently: a bad value is named, not fatal.
pub struct SlotQuery {
    pub date: Option<NaiveDate>,
    pub choice: PractitionerChoice,
    pub problem: Option<String>,
}

impl SlotQuery {
    pub fn read(q: &Fields) -> Self {
        let mut problems = Vec::new();
        let date = match q.get("date") {
            "" => None,
            s => parse_date(s)
                .map_err(|e| problems.push(format!("The date entered is {e}.")))
                .ok(),
        };
        let choice = PractitionerChoice::parse(q.get("practitioner")).unwrap_or_else(|e| {
            problems.push(format!("{e} Showing every practitioner."));
            PractitionerChoice::Any
        });
        let problem = (!problems.is_empty()).then(|| problems.join(" "));
        Self {
            date,
            choice,
            problem,
        }
    }
}

/// A day's slots plus what the page needs around them.
pub struct SlotsData {
    pub clinic: Clinic,
    pub eligible: Vec<PractitionerRow>,
    pub choice: PractitionerChoice,
    pub date: NaiveDate,
    pub slots: Vec<SlotView>,
    pub next_available: Option<NaiveDate>,
    pub problem: Option<String>,
    pub policy: Policy,
}

pub fn load(
    c: &mut DbConnection,
    now: DateTime<Utc>,
    treatment: &TreatmentRow,
    query: SlotQuery,
    exclude: Option<i32>,
) -> Result<SlotsData, AppError> {
    let clinic = clinic::load(c)?;
    let policy = clinic.policy(now);
    let eligible = clinic::eligible_practitioners(c, treatment)?;
    let mut problem = query.problem;
    let mut choice = query.choice;
    if let PractitionerChoice::Specific(id) = choice
        && !eligible.iter().any(|p| p.id == id)
    {
        problem = Some(
            "That practitioner doesn't perform this treatment; showing everyone who does.".into(),
        );
        choice = PractitionerChoice::Any;
    }
    let first = today(clinic.tz, policy.now);
    let last = first + Duration::days(i64::from(policy.rules.horizon_days));
    let asked = query.date.is_some();
    let mut date = query.date.unwrap_or(first);
    if date < first || date > last {
        problem =
            Some("Please choose a date between today and the end of the booking window.".into());
        date = date.clamp(first, last);
    }
    let slots_on = |c: &mut DbConnection, d: NaiveDate| {
        day_slots(
            c,
            &clinic,
            treatment,
            &eligible,
            d,
            choice,
            policy.now,
            policy.rules,
            exclude,
        )
    };
    let mut slots = slots_on(c, date)?;
    let mut next_available = None;
    if slots.is_empty() {
        let mut d = date;
        for _ in 0..LOOKAHEAD_DAYS {
            d += Duration::days(1);
            if d > last {
                break;
            }
            if !slots_on(c, d)?.is_empty() {
                next_available = Some(d);
                break;
            }
        }
        // With no date chosen, open on the first day that has something to offer.
        if !asked && let Some(d) = next_available {
            date = d;
            slots = slots_on(c, d)?;
            next_available = None;
        }
    }
    Ok(SlotsData {
        clinic,
        eligible,
        choice,
        date,
        slots,
        next_available,
        problem,
        policy,
    })
}

/// Where the page's forms go: booking and rescheduling differ only in these.
pub struct SlotsTarget {
    pub heading: String,
    pub date_action: String,
    pub pick_action: String,
    pub pick_method: &'static str,
    pub pick_label: &'static str,
    pub back_link: String,
    pub back_label: &'static str,
}

#[derive(Template)]
#[template(path = "slots.html")]
pub struct SlotsPage {
    layout: Layout,
    target: SlotsTarget,
    treatment: TreatmentCard,
    date_value: String,
    date_label: String,
    min_date: String,
    max_date: String,
    prev_link: Option<String>,
    next_link: Option<String>,
    next_available: Option<(String, String)>,
    practitioners: Vec<PractitionerOption>,
    practitioner_value: String,
    slots: Vec<SlotOption>,
    message: Option<String>,
}

pub fn page(
    status: StatusCode,
    data: &SlotsData,
    treatment: &TreatmentRow,
    target: SlotsTarget,
    message: Option<String>,
) -> Result<HttpResponse, AppError> {
    let body = page_body(data, treatment, target, message)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

/// The page's HTML (what the booking page caches).
pub fn page_body(
    data: &SlotsData,
    treatment: &TreatmentRow,
    target: SlotsTarget,
    message: Option<String>,
) -> Result<String, AppError> {
    let policy = data.policy;
    let tz = data.clinic.tz;
    let first = today(tz, policy.now);
    let last = first + Duration::days(i64::from(policy.rules.horizon_days));
    let pv = data.choice.as_param();
    let link = |d: NaiveDate| {
        format!(
            "{}?date={}&practitioner={}",
            target.date_action,
            d.format("%Y-%m-%d"),
            pv
        )
    };
    let prev = data.date.pred_opt().filter(|d| *d >= first);
    let next = data.date.succ_opt().filter(|d| *d <= last);
    let page = SlotsPage {
        layout: Layout::new(&data.clinic, target.heading.clone()),
        treatment: TreatmentCard::from(treatment),
        date_value: data.date.format("%Y-%m-%d").to_string(),
        date_label: date_label(data.date),
        min_date: first.format("%Y-%m-%d").to_string(),
        max_date: last.format("%Y-%m-%d").to_string(),
        prev_link: prev.map(link),
        next_link: next.map(link),
        next_available: data.next_available.map(|d| (link(d), date_label(d))),
        practitioners: practitioner_options(&data.eligible, data.choice),
        practitioner_value: pv.clone(),
        slots: slot_options(tz, &data.slots, data.choice, None),
        message: message.or_else(|| data.problem.clone()),
        target,
    };
    Ok(page.render()?)
}
