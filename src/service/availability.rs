//! Loads a day's hours and bookings and asks the domain which slots are free. `open_day` is the
//! one answer to "what can be booked on this day": the booking pages and the API both ask it, so
//! they agree on every refusal.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};

use super::catalog;
use super::catalog_snapshot::{self, CatalogSnapshot};
use super::clinic::Clinic;
use crate::db::models::{PractitionerRow, TreatmentRow, from_db, to_db};
use crate::db::{DbConnection, appointments};
use crate::domain::availability::{
    BookingRules, Busy, DayContext, PractitionerDay, Slot, Timing, free_slots,
};
use crate::domain::booking::{Policy, PractitionerChoice};
use crate::domain::errors::FieldErrors;
use crate::domain::free_days::{
    FreeDay, PractitionerRange, days_with_room, free_days_where, next_free_day, slots_on,
};
use crate::domain::resources::Needs;
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

/// Everything that holds `ids` over the local dates `from..=to`, read in one query, with each
/// practitioner's working week (cut to the clinic's hours) from the catalog in memory.
/// `exclude` leaves one appointment out (the one being rescheduled).
pub fn practitioner_ranges(
    conn: &mut DbConnection,
    cat: &CatalogSnapshot,
    ids: &[i32],
    from: NaiveDate,
    to: NaiveDate,
    exclude: Option<i32>,
) -> Result<Vec<PractitionerRange>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let tz = cat.clinic.tz;
    // Slots start on the days asked, so what ends before the first day's local midnight can't
    // touch one; after the last day, a slot's buffer may run past midnight: a margin.
    let start = to_db(local_day_bounds(tz, from).0);
    let end = to_db(local_day_bounds(tz, to).1 + Duration::hours(12));
    let spans = appointments::busy::busy_spans(conn, ids, start, end, exclude)?;
    Ok(ids
        .iter()
        .map(|&id| {
            let busy = spans
                .iter()
                .filter(|b| b.0 == id)
                .map(|b| Busy {
                    start: from_db(b.1),
                    end: from_db(b.2),
                })
                .collect();
            PractitionerRange::new(id, cat.working_week(id), busy)
        })
        .collect())
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
    let cat = catalog_snapshot::current(conn)?;
    Ok(practitioner_ranges(conn, &cat, ids, date, date, exclude)?
        .iter()
        .map(|r| r.day(clinic.tz, date))
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
    let cat = catalog_snapshot::current(conn)?;
    let days: Vec<PractitionerDay> = practitioner_ranges(conn, &cat, &ids, date, date, exclude)?
        .iter()
        .map(|r| r.day(clinic.tz, date))
        .collect();
    let t = timing(treatment);
    // Only times when every device and room the treatment needs is free too (issue 11).
    let slots = super::resources::keep_free(
        conn,
        &cat,
        treatment.id,
        free_slots(&ctx, t, &days),
        |s| (s.start, s.end, t.blocks_until(s.start)),
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
    let cat = catalog_snapshot::current(conn)?;
    let treatment = catalog::requested_in(&cat, slug)?;
    open_day_in(conn, &cat, now, treatment, query, None)
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
    let cat = catalog_snapshot::current(conn)?;
    open_day_in(conn, &cat, now, treatment, query, exclude)
}

/// `open_day` with the catalog already read (one freshness check per request).
fn open_day_in(
    conn: &mut DbConnection,
    cat: &CatalogSnapshot,
    now: DateTime<Utc>,
    treatment: TreatmentRow,
    query: DayQuery,
    exclude: Option<i32>,
) -> Result<OpenDay, AppError> {
    let clinic = cat.clinic.clone();
    let policy = clinic.policy(now);
    let eligible = cat.eligible(&treatment);
    let choice = query.choice;
    let ids = chosen(&eligible, choice)?;
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
    let ctx = DayContext {
        tz: clinic.tz,
        date,
        now: policy.now,
        rules: policy.rules,
    };
    let timing = timing(&treatment);
    // The day itself first (one query); only an empty day, while browsing, reads the weeks after
    // it — in one more query, laid out day by day in one pass — for the next day with room.
    let ranges = practitioner_ranges(conn, cat, &ids, date, date, exclude)?;
    // Only times when every device and room the treatment needs is free too (issue 11).
    let free_resources = |c: &mut DbConnection, v: Vec<SlotView>| {
        super::resources::keep_free(
            c,
            cat,
            treatment.id,
            v,
            |s| (s.start, s.end, timing.blocks_until(s.start)),
            exclude,
        )
    };
    let mut slots = free_resources(
        conn,
        views(slots_on(&ctx, timing, &ranges, date), &eligible),
    )?;
    let mut next_available = None;
    let to = (date + Duration::days(LOOKAHEAD_DAYS)).min(last);
    if query.browse && slots.is_empty() && to > date {
        let from = date + Duration::days(1);
        let ahead = practitioner_ranges(conn, cat, &ids, from, to, exclude)?;
        let needs = needs_over(conn, cat, treatment.id, from, to, exclude)?;
        let free = free_days_where(&ctx, timing, &ahead, from, to, |s| {
            resources_free(&needs, timing, s)
        });
        next_available = next_free_day(&free, date);
        // With no date chosen, open on the first day that has something to offer.
        if query.day == Day::Today
            && let Some(d) = next_available
        {
            date = d;
            slots = free_resources(conn, views(slots_on(&ctx, timing, &ahead, d), &eligible))?;
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

/// The practitioners asked for: all eligible ones for "any", or the one named, who must be
/// eligible (a mistake in `practitioner` otherwise).
fn chosen(eligible: &[PractitionerRow], choice: PractitionerChoice) -> Result<Vec<i32>, AppError> {
    match choice {
        PractitionerChoice::Any => Ok(eligible.iter().map(|p| p.id).collect()),
        PractitionerChoice::Specific(id) if eligible.iter().any(|p| p.id == id) => Ok(vec![id]),
        PractitionerChoice::Specific(_) => {
            let mut f = FieldErrors::new();
            f.add(
                "practitioner",
                "That practitioner doesn't exist or doesn't perform this treatment.",
            );
            Err(AppError::Invalid(f))
        }
    }
}

fn views(slots: Vec<Slot>, eligible: &[PractitionerRow]) -> Vec<SlotView> {
    slots
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
        .collect()
}

/// A month of a treatment's availability: how many free slots each day has.
#[derive(Debug, Clone)]
pub struct Month {
    pub clinic: Clinic,
    pub treatment: TreatmentRow,
    pub choice: PractitionerChoice,
    /// Every day of the month, in order (days outside the booking window have no free slots).
    pub days: Vec<FreeDay>,
    /// The first day after the month with a free slot, within the booking window and a few weeks.
    pub next_available: Option<NaiveDate>,
}

/// Free days of the month that `month` falls in, for one practitioner or any qualified one: one
/// query for the month (and the weeks after it, for the next free day), one pass over its days.
pub fn month(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    slug: &str,
    month: NaiveDate,
    choice: PractitionerChoice,
) -> Result<Month, AppError> {
    let cat = catalog_snapshot::current(conn)?;
    let treatment = catalog::requested_in(&cat, slug)?;
    let clinic = cat.clinic.clone();
    let eligible = cat.eligible(&treatment);
    let ids = chosen(&eligible, choice)?;
    let policy = clinic.policy(now);
    let first_day = month.with_day(1).unwrap_or(month);
    let next_month = first_day
        .checked_add_months(Months::new(1))
        .unwrap_or(first_day);
    let last_day = next_month.pred_opt().unwrap_or(first_day);
    let window_end =
        today(clinic.tz, policy.now) + Duration::days(i64::from(policy.rules.horizon_days));
    let look_to = (last_day + Duration::days(LOOKAHEAD_DAYS))
        .min(window_end)
        .max(last_day);
    let ranges = practitioner_ranges(conn, &cat, &ids, first_day, look_to, None)?;
    let ctx = DayContext {
        tz: clinic.tz,
        date: first_day,
        now: policy.now,
        rules: policy.rules,
    };
    // Devices and rooms too (issue 11): one read of what is held over the whole range.
    let needs = needs_over(conn, &cat, treatment.id, first_day, look_to, None)?;
    let t = timing(&treatment);
    let all = free_days_where(&ctx, t, &ranges, first_day, look_to, |s| {
        resources_free(&needs, t, s)
    });
    let next_available = next_free_day(&all, last_day);
    let days = all.into_iter().filter(|d| d.date <= last_day).collect();
    Ok(Month {
        clinic,
        treatment,
        choice,
        days,
        next_available,
    })
}

/// The booking page's data: the day it opens on (as `requested_day` browses it) and the days
/// of the month shown in its calendar that have a free slot.
#[derive(Debug, Clone)]
pub struct PageDays {
    pub day: OpenDay,
    /// The calendar's month (its first day): the one asked for when it lies in the booking
    /// window, else the day's own.
    pub month: NaiveDate,
    /// The month's days with at least one free slot, by the same rules as the day's slots.
    pub free: Vec<NaiveDate>,
}

/// The booking page in one catalog read and one read of what holds the practitioners and the
/// devices and rooms: the month shown in the calendar together with the day (usually inside
/// it). From that, in memory: the day's slots, the month's days with room (each day stopping
/// at its first free slot; the calendar shows no counts) and, for an empty day, the next day
/// with room (read apart only when it reaches past what was read).
pub fn booking_page(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    slug: &str,
    query: DayQuery,
    month: Option<NaiveDate>,
) -> Result<PageDays, AppError> {
    let cat = catalog_snapshot::current(conn)?;
    let treatment = catalog::requested_in(&cat, slug)?;
    if query.day == Day::Today {
        // With no date asked, the day opened may move on to the next one with room, and the
        // calendar's month with it: the day first, then its month.
        let day = open_day_in(conn, &cat, now, treatment, query, None)?;
        return month_of(conn, &cat, day, month);
    }
    let clinic = cat.clinic.clone();
    let tz = clinic.tz;
    let policy = clinic.policy(now);
    let eligible = cat.eligible(&treatment);
    let choice = query.choice;
    let ids = chosen(&eligible, choice)?;
    let first = today(tz, policy.now);
    let last = first + Duration::days(i64::from(policy.rules.horizon_days));
    let mut date = match query.day {
        Day::On(d) => d,
        Day::Of(t) => local_parts(tz, t).0,
        Day::Today => first,
    };
    let moved_into_window = query.browse && (date < first || date > last);
    if moved_into_window {
        date = date.clamp(first, last);
    }
    let (first_day, last_day) = calendar_month(first, last, date, month);
    let (from, to) = (first_day.min(date), last_day.max(date));
    let ranges = practitioner_ranges(conn, &cat, &ids, from, to, None)?;
    // Devices and rooms too (issue 11): one read of what is held over the same days.
    let needs = needs_over(conn, &cat, treatment.id, from, to, None)?;
    let t = timing(&treatment);
    let keep = |s: &Slot| resources_free(&needs, t, s);
    let ctx = DayContext {
        tz,
        date,
        now: policy.now,
        rules: policy.rules,
    };
    let mut day_slots = slots_on(&ctx, t, &ranges, date);
    day_slots.retain(|s| keep(s));
    let slots = views(day_slots, &eligible);
    let mut next_available = None;
    let ahead_to = (date + Duration::days(LOOKAHEAD_DAYS)).min(last);
    if query.browse && slots.is_empty() && ahead_to > date {
        let ahead_from = date + Duration::days(1);
        let free = if ahead_to <= to {
            days_with_room(&ctx, t, &ranges, ahead_from, ahead_to, keep)
        } else {
            let ahead = practitioner_ranges(conn, &cat, &ids, ahead_from, ahead_to, None)?;
            let needs = needs_over(conn, &cat, treatment.id, ahead_from, ahead_to, None)?;
            days_with_room(&ctx, t, &ahead, ahead_from, ahead_to, |s| {
                resources_free(&needs, t, s)
            })
        };
        next_available = free.first().copied();
    }
    let free = days_with_room(&ctx, t, &ranges, first_day, last_day, keep);
    Ok(PageDays {
        day: OpenDay {
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
        },
        month: first_day,
        free,
    })
}

/// The calendar's month (first and last day): the one asked for when it lies in the booking
/// window `first..=last`, else the month of `date`.
fn calendar_month(
    first: NaiveDate,
    last: NaiveDate,
    date: NaiveDate,
    month: Option<NaiveDate>,
) -> (NaiveDate, NaiveDate) {
    let window_months = (first.with_day(1), last.with_day(1));
    let month = month
        .filter(|m| Some(*m) >= window_months.0 && Some(*m) <= window_months.1)
        .unwrap_or(date);
    let first_day = month.with_day(1).unwrap_or(month);
    let last_day = first_day
        .checked_add_months(Months::new(1))
        .and_then(|m| m.pred_opt())
        .unwrap_or(first_day);
    (first_day, last_day)
}

/// The page of a day already opened: its calendar month's days with room, read apart.
fn month_of(
    conn: &mut DbConnection,
    cat: &CatalogSnapshot,
    day: OpenDay,
    month: Option<NaiveDate>,
) -> Result<PageDays, AppError> {
    let (first_day, last_day) = calendar_month(day.first, day.last, day.date, month);
    let ids = chosen(&day.eligible, day.choice)?;
    let ranges = practitioner_ranges(conn, cat, &ids, first_day, last_day, None)?;
    let ctx = DayContext {
        tz: day.clinic.tz,
        date: first_day,
        now: day.policy.now,
        rules: day.policy.rules,
    };
    // Devices and rooms too (issue 11), as `month` counts them: one read over the month.
    let needs = needs_over(conn, cat, day.treatment.id, first_day, last_day, None)?;
    let t = timing(&day.treatment);
    let free = days_with_room(&ctx, t, &ranges, first_day, last_day, |s| {
        resources_free(&needs, t, s)
    });
    Ok(PageDays {
        day,
        month: first_day,
        free,
    })
}

/// What `treatment` needs and what of it is held over the local dates `from..=to` (with the
/// margin a buffer may reach past midnight), read once for a month or a look-ahead.
fn needs_over(
    conn: &mut DbConnection,
    cat: &CatalogSnapshot,
    treatment_id: i32,
    from: NaiveDate,
    to: NaiveDate,
    exclude: Option<i32>,
) -> Result<Needs, AppError> {
    let tz = cat.clinic.tz;
    let start = local_day_bounds(tz, from).0 - Duration::hours(12);
    let end = local_day_bounds(tz, to).1 + Duration::hours(12);
    super::resources::needs_around_in(conn, cat, treatment_id, start, end, exclude)
}

/// Whether every device and room a slot needs is open and free for it.
fn resources_free(needs: &Needs, timing: Timing, s: &Slot) -> bool {
    needs.kinds.is_empty()
        || needs
            .pick(s.start, s.end, timing.blocks_until(s.start))
            .is_some()
}
