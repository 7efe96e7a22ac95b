//! The "pick a date and time" page, shared by booking and rescheduling. Which slots are free is
//! `service::availability::open_day`'s answer, the same the API gives; this page only reads the
//! query leniently and says what it could not use.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;
use chrono::NaiveDate;

use super::month::MonthView;
use crate::db::DbConnection;
use crate::domain::booking::PractitionerChoice;
use crate::domain::time::{date_label, parse_date, zone_label};
use crate::error::AppError;
use crate::service::availability::{Day, DayQuery, OpenDay};
use crate::web::forms::Fields;
use crate::web::views::{
    Layout, PractitionerOption, SlotOption, TreatmentCard, practitioner_options, slot_options,
};

/// What the patient asked to see, read leniently: a value that can't be read is named, not fatal.
pub struct SlotQuery {
    pub day: Day,
    pub choice: PractitionerChoice,
    pub problem: Option<String>,
}

impl SlotQuery {
    pub fn read(q: &Fields) -> Self {
        let mut problems = Vec::new();
        let day = match q.get("date") {
            "" => Day::Today,
            s => parse_date(s).map(Day::On).unwrap_or_else(|e| {
                problems.push(format!("The date entered is {e}."));
                Day::Today
            }),
        };
        let choice = PractitionerChoice::parse(q.get("practitioner")).unwrap_or_else(|e| {
            problems.push(format!("{e} Showing every practitioner."));
            PractitionerChoice::Any
        });
        let problem = (!problems.is_empty()).then(|| problems.join(" "));
        Self {
            day,
            choice,
            problem,
        }
    }

    /// A question with nothing to complain about.
    pub fn plain(day: Day, choice: PractitionerChoice) -> Self {
        Self {
            day,
            choice,
            problem: None,
        }
    }

    fn ask(&self) -> DayQuery {
        DayQuery {
            day: self.day,
            choice: self.choice,
            browse: true,
        }
    }
}

/// The slots of the day asked, and what the page must say about the question.
pub struct Slots<T> {
    /// The service's answer (with whatever else it returned alongside).
    pub answer: T,
    /// The practitioner asked for was refused (422): why.
    pub refused: Option<String>,
    problem: Option<String>,
}

impl<T> Slots<T> {
    /// 422 when the practitioner was refused, else `status`.
    pub fn status(&self, status: StatusCode) -> StatusCode {
        if self.refused.is_some() && status.is_success() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            status
        }
    }
}

/// Asks `open` (a service function over one connection) for the day. An unknown or unqualified
/// practitioner is refused exactly as the API refuses it, with its reason; the page then shows
/// everyone's times beneath that reason, so the patient can carry on.
pub fn load<T>(
    c: &mut DbConnection,
    query: SlotQuery,
    open: impl Fn(&mut DbConnection, DayQuery) -> Result<T, AppError>,
) -> Result<Slots<T>, AppError> {
    let ask = query.ask();
    match open(c, ask) {
        Err(AppError::Invalid(f)) if f.get("practitioner").is_some() => Ok(Slots {
            answer: open(c, ask.for_anyone())?,
            refused: f.get("practitioner").map(str::to_string),
            problem: query.problem,
        }),
        other => other.map(|answer| Slots {
            answer,
            refused: None,
            problem: query.problem,
        }),
    }
}

/// A slug from the address that isn't on offer: the page doesn't exist (the API, where it is a
/// field, says 422 instead).
pub fn not_found_treatment(e: AppError) -> AppError {
    match e {
        AppError::Invalid(f) if f.get("treatment").is_some() => AppError::NotFound("treatment"),
        other => other,
    }
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
    /// Where a full day's "Join the waitlist" form posts (booking only; issue 11).
    pub waitlist_action: Option<String>,
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
    slots: Vec<SlotOption>,
    /// "London time, BST": the zone the times are in on that date.
    zone_label: String,
    /// The month calendar (the booking page's; rescheduling has none).
    calendar: Option<MonthView>,
    message: Option<String>,
    /// The practitioner asked for ("any" or an id), for the waitlist form.
    choice_value: String,
}

/// The page with `status` (422 instead of a success when the practitioner was refused);
/// `message` goes first, then the refusal, else what was wrong with the date or the query.
pub fn page<T>(
    status: StatusCode,
    s: &Slots<T>,
    day: &OpenDay,
    target: SlotsTarget,
    message: Option<String>,
) -> Result<HttpResponse, AppError> {
    let body = page_body(s, day, target, message, None)?;
    Ok(HttpResponse::build(s.status(status))
        .content_type("text/html; charset=utf-8")
        .body(body))
}

/// The page's HTML (what the booking page caches).
pub fn page_body<T>(
    s: &Slots<T>,
    day: &OpenDay,
    target: SlotsTarget,
    message: Option<String>,
    calendar: Option<MonthView>,
) -> Result<String, AppError> {
    let pv = day.choice.as_param();
    let link = |d: NaiveDate| {
        // The ISO date by `Display`, not a strftime pattern parsed on every call.
        format!("{}?date={d}&practitioner={pv}", target.date_action)
    };
    let prev = day.date.pred_opt().filter(|d| *d >= day.first);
    let next = day.date.succ_opt().filter(|d| *d <= day.last);
    let message = match (message, s.refused.clone()) {
        (Some(m), Some(r)) if m != r => Some(format!("{m} {r}")),
        (Some(m), _) | (None, Some(m)) => Some(m),
        (None, None) => day
            .moved_into_window
            .then(|| "Please choose a date between today and the end of the booking window.".into())
            .or_else(|| s.problem.clone()),
    };
    let page = SlotsPage {
        layout: Layout::new(&day.clinic, target.heading.clone()),
        treatment: TreatmentCard::new(&day.treatment, day.clinic.currency),
        date_value: day.date.to_string(),
        date_label: date_label(day.date),
        min_date: day.first.to_string(),
        max_date: day.last.to_string(),
        prev_link: prev.map(link),
        next_link: next.map(link),
        next_available: day.next_available.map(|d| (link(d), date_label(d))),
        practitioners: practitioner_options(&day.eligible, day.choice),
        slots: slot_options(day.clinic.tz, &day.slots, day.choice, None),
        zone_label: zone_label(day.clinic.tz, day.date),
        calendar,
        message,
        choice_value: pv.clone(),
        target,
    };
    Ok(page.render()?)
}
