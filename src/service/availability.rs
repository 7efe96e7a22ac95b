//! Loads a day's hours and bookings and asks the domain which slots are free. `open_day` is the
//! one answer to "what can be booked on this day": the booking pages and the API both ask it, so
//! they agree on every refusal.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use super::catalog;
use super::clinic::{self, Clinic, minute_range};
use crate::db::models::{PractitionerRow, TreatmentRow, from_db, to_db};
use crate::db::{DbConnection, appointments};
use crate::domain::availability::{
    BookingRules, Busy, DayContext, PractitionerDay, Timing, free_slots,
};
use crate::domain::booking::{Policy, PractitionerChoice};
use crate::domain::errors::FieldErrors;
use crate::domain::hours::WeeklyHours;
use crate::domain::time::{local_day_bounds, local_parts, today};
use crate::error::AppError;

/// How far ahead to look for the next day with a free slot when the chosen day has none.
const LOOKAHEAD_DAYS: i64 = 21;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotView {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub practitioner_id: i32,
    pub practitioner_name: String,
}

pub fn timing(t: &TreatmentRow) -> Timing {
    Timing {
        duration_minutes: u16::try_from(t.duration_minutes).unwrap_or(u16::MAX),
        buffer_minutes: u16::try_from(t.buffer_minutes).unwrap_or(0),
    }
}

/// Each practitioner's working spans (cut to the clinic's hours) and busy times on a local date.
/// `exclude` leaves one appointment out (the one being rescheduled).
pub fn practitioner_days(
    conn: &mut DbConnection,
    clinic: &Clinic,
    ids: &[i32],
    date: NaiveDate,
    exclude: Option<i32>,
) -> Result<Vec<PractitionerDay>, AppError> {
    let weekday = date.weekday();
    let hours =
        crate::db::practitioners::hours_of(conn, ids, weekday.num_days_from_monday() as i32)?;
    let (day_start, day_end) = local_day_bounds(clinic.tz, date);
    // A day's bookings, plus a margin for anything held across local midnight.
    let from = to_db(day_start - Duration::hours(12));
    let to = to_db(day_end + Duration::hours(12));
    let booked = appointments::busy_between(conn, ids, from, to, exclude)?;
    let off = crate::db::practitioners::time_off_between(conn, ids, from, to)?;
    Ok(ids
        .iter()
        .map(|&id| {
            let mut own = WeeklyHours::default();
            for h in hours.iter().filter(|h| h.practitioner_id == id) {
                if let Ok(r) = minute_range(h.start_minute, h.end_minute) {
                    own.add(weekday, r);
                }
            }
            let mut busy: Vec<Busy> = booked
                .iter()
                .filter(|b| b.0 == id)
                .map(|b| Busy {
                    start: from_db(b.1),
                    end: from_db(b.2),
                })
                .collect();
            busy.extend(
                off.iter()
                    .filter(|o| o.practitioner_id == id)
                    .map(|o| Busy {
                        start: from_db(o.starts_at),
                        end: from_db(o.ends_at),
                    }),
            );
            PractitionerDay {
                practitioner_id: id,
                working: clinic.hours.intersect_day(&own, weekday),
                busy,
            }
        })
        .collect())
}

/// Free slots of a treatment on a local date, for one practitioner or any qualified one.
#[allow(clippy::too_many_arguments)]
pub fn day_slots(
    conn: &mut DbConnection,
    clinic: &Clinic,
    treatment: &TreatmentRow,
    eligible: &[PractitionerRow],
    date: NaiveDate,
    choice: PractitionerChoice,
    now: DateTime<Utc>,
    rules: BookingRules,
    exclude: Option<i32>,
) -> Result<Vec<SlotView>, AppError> {
    let ids: Vec<i32> = match choice {
        PractitionerChoice::Any => eligible.iter().map(|p| p.id).collect(),
        PractitionerChoice::Specific(id) => eligible
            .iter()
            .filter(|p| p.id == id)
            .map(|p| p.id)
            .collect(),
    };
    let ctx = DayContext {
        tz: clinic.tz,
        date,
        now,
        rules,
    };
    if ids.is_empty() || !ctx.within_horizon() || clinic.hours.on(date.weekday()).is_empty() {
        return Ok(Vec::new());
    }
    let days = practitioner_days(conn, clinic, &ids, date, exclude)?;
    let t = timing(treatment);
    // Only times when every device and room the treatment needs is free too (issue 11).
    let slots = super::resources::keep_free(
        conn,
        treatment.id,
        free_slots(&ctx, t, &days),
        |s| (s.start, t.blocks_until(s.start)),
        exclude,
    )?;
    Ok(slots
        .into_iter()
        .map(|s| SlotView {
            start: s.start,
            end: s.end,
            practitioner_id: s.practitioner_id,
            practitioner_name: eligible
                .iter()
                .find(|p| p.id == s.practitioner_id)
                .map(|p| p.name.clone())
                .unwrap_or_default(),
        })
        .collect())
}

/// Which day to open, in the clinic's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Day {
    /// Today; while browsing, the first day from today with a free slot.
    Today,
    On(NaiveDate),
    /// The clinic-local day of this instant (a chosen start, offered again with its neighbours).
    Of(DateTime<Utc>),
}

/// What is asked of `open_day`.
#[derive(Debug, Clone, Copy)]
pub struct DayQuery {
    pub day: Day,
    pub choice: PractitionerChoice,
    /// Browsing (the pages): a day outside the booking window is brought into it, and an empty
    /// day points to the next one with room. Otherwise (the API) exactly the day asked.
    pub browse: bool,
}

impl DayQuery {
    /// The same question for every qualified practitioner.
    pub fn for_anyone(self) -> Self {
        Self {
            choice: PractitionerChoice::Any,
            ..self
        }
    }
}

/// A day's free slots of a treatment, with what they were judged by.
#[derive(Debug, Clone)]
pub struct OpenDay {
    pub clinic: Clinic,
    pub policy: Policy,
    pub treatment: TreatmentRow,
    /// Who performs the treatment: the practitioners one may choose from.
    pub eligible: Vec<PractitionerRow>,
    pub choice: PractitionerChoice,
    pub date: NaiveDate,
    /// The booking window: today to the end of the horizon.
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// Empty outside the booking window.
    pub slots: Vec<SlotView>,
    /// Browsing an empty day: the next one with room, within the window and a few weeks.
    pub next_available: Option<NaiveDate>,
    /// Browsing moved the date asked into the booking window.
    pub moved_into_window: bool,
}

/// A day's free slots of an active treatment named in a request: an unknown treatment is a
/// mistake in `treatment`, an unknown or unqualified practitioner one in `practitioner`.
pub fn requested_day(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    slug: &str,
    query: DayQuery,
) -> Result<OpenDay, AppError> {
    let treatment = catalog::requested(conn, slug)?;
    open_day(conn, now, treatment, query, None)
}

/// A day's free slots of `treatment`; `exclude` leaves one appointment out (the one being
/// rescheduled), so its own time counts as free.
pub fn open_day(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    treatment: TreatmentRow,
    query: DayQuery,
    exclude: Option<i32>,
) -> Result<OpenDay, AppError> {
    let clinic = clinic::load(conn)?;
    let policy = clinic.policy(now);
    let eligible = clinic::eligible_practitioners(conn, &treatment)?;
    let choice = query.choice;
    if let PractitionerChoice::Specific(id) = choice
        && !eligible.iter().any(|p| p.id == id)
    {
        let mut f = FieldErrors::new();
        f.add(
            "practitioner",
            "That practitioner doesn't exist or doesn't perform this treatment.",
        );
        return Err(AppError::Invalid(f));
    }
    let first = today(clinic.tz, policy.now);
    let last = first + Duration::days(i64::from(policy.rules.horizon_days));
    let mut date = match query.day {
        Day::Today => first,
        Day::On(d) => d,
        Day::Of(t) => local_parts(clinic.tz, t).0,
    };
    let mut moved_into_window = false;
    if query.browse && (date < first || date > last) {
        moved_into_window = true;
        date = date.clamp(first, last);
    }
    let slots_on = |c: &mut DbConnection, d: NaiveDate| {
        day_slots(
            c,
            &clinic,
            &treatment,
            &eligible,
            d,
            choice,
            policy.now,
            policy.rules,
            exclude,
        )
    };
    let mut slots = slots_on(conn, date)?;
    let mut next_available = None;
    if query.browse && slots.is_empty() {
        let mut d = date;
        for _ in 0..LOOKAHEAD_DAYS {
            d += Duration::days(1);
            if d > last {
                break;
            }
            if !slots_on(conn, d)?.is_empty() {
                next_available = Some(d);
                break;
            }
        }
        // With no date chosen, open on the first day that has something to offer.
        if query.day == Day::Today
            && let Some(d) = next_available
        {
            date = d;
            slots = slots_on(conn, d)?;
            next_available = None;
        }
    }
    Ok(OpenDay {
        clinic,
        policy,
        treatment,
        eligible,
        choice,
        date,
        first,
        last,
        slots,
        next_available,
        moved_into_window,
    })
}
