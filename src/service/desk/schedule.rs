//! Loads a day or a week of the schedule and lays it out on the grid: one lane per practitioner
//! and day, each appointment placed by its local start and end.

use std::collections::{BTreeMap, BTreeSet};

use crate::service::resources::{self, ResourceRow};

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use chrono_tz::Tz;

use super::{Reach, status_of};
use crate::db::DbConnection;
/// An appointment with the names beside it, as the schedule and a patient's history list it.
pub use crate::db::appointments::schedule::Listed;
use crate::db::models::{PractitionerHoursRow, PractitionerRow, from_db, to_db};
use crate::domain::appointment::Status;
use crate::domain::hours::{MinuteRange, WeeklyHours, weekday_from_index};
use crate::domain::time::{local_day_bounds, today};
use crate::domain::wall_clock::{WallSpan, Window, gaps, wall_span};
use crate::error::AppError;
use crate::service::clinic::{self, Clinic, minute_range};

/// Whose schedule to show, already limited to what the viewer may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Everyone,
    One(i32),
}

impl Who {
    /// What a viewer with `reach` sees when asking for `asked`: a practitioner always sees
    /// only their own (asking for someone else is refused).
    pub fn limited(asked: Who, reach: Reach) -> Result<Who, AppError> {
        match (reach, asked) {
            (Reach::Everyone, w) => Ok(w),
            (Reach::Own(Some(own)), Who::Everyone) => Ok(Who::One(own)),
            (Reach::Own(Some(own)), Who::One(p)) if p == own => Ok(Who::One(own)),
            _ => Err(AppError::Forbidden(
                "You can only see your own schedule.".into(),
            )),
        }
    }
}

/// Which practitioners get a lane on each day when showing everyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lanes {
    /// Every active practitioner, working that day or not (the day view: stable columns).
    Everyone,
    /// Only those working that day or holding an appointment (the week view: narrow days).
    Working,
}

#[derive(Debug, Clone)]
pub struct Day {
    pub date: NaiveDate,
    /// The clinic's opening hours that day (empty: closed).
    pub open: Vec<MinuteRange>,
}

#[derive(Debug, Clone)]
pub struct Lane {
    pub date: NaiveDate,
    /// Nobody: a day no one works, shown as one closed lane.
    pub practitioner: Option<PractitionerRow>,
    /// The parts of the window the practitioner doesn't work.
    pub off: Vec<WallSpan>,
    pub time_off: Vec<(WallSpan, String)>,
}

#[derive(Debug, Clone)]
pub struct Block {
    pub lane: usize,
    pub span: WallSpan,
    /// The buffer after it that still holds the practitioner (`blocks_until`), if any.
    pub buffer: Option<WallSpan>,
    pub status: Status,
    pub item: Listed,
}

#[derive(Debug, Clone)]
pub struct Schedule {
    pub tz: Tz,
    pub days: Vec<Day>,
    pub window: Window,
    pub lanes: Vec<Lane>,
    pub blocks: Vec<Block>,
    /// Cancelled appointments, listed beside the grid: they no longer hold their time, and a
    /// new booking may sit where they were.
    pub cancelled: Vec<Listed>,
    /// The devices and rooms each shown appointment holds, by appointment id (issue 11).
    pub held: BTreeMap<i32, Vec<ResourceRow>>,
}

fn working_hours(rows: &[PractitionerHoursRow], id: i32) -> WeeklyHours {
    let mut own = WeeklyHours::default();
    for h in rows.iter().filter(|h| h.practitioner_id == id) {
        if let (Some(day), Ok(r)) = (
            weekday_from_index(h.weekday),
            minute_range(h.start_minute, h.end_minute),
        ) {
            own.add(day, r);
        }
    }
    own
}

/// Who gets a lane on a day.
struct LaneChoice<'a> {
    who: Who,
    lanes: Lanes,
    /// Practitioners holding an appointment that day: they always get a lane, so nothing
    /// booked is ever hidden (say, with someone who no longer works that day).
    booked: &'a BTreeSet<i32>,
}

/// A day's lanes, each with the hours its practitioner works (cut to the clinic's hours); one
/// lane of nobody when no one is shown.
fn day_lanes<'p>(
    clinic: &Clinic,
    practitioners: &'p [PractitionerRow],
    hours: &[PractitionerHoursRow],
    date: NaiveDate,
    choice: &LaneChoice<'_>,
) -> Vec<(Option<&'p PractitionerRow>, Vec<MinuteRange>)> {
    let weekday = date.weekday();
    let lanes: Vec<_> = practitioners
        .iter()
        .filter_map(|p| {
            let working = clinic
                .hours
                .intersect_day(&working_hours(hours, p.id), weekday);
            let shown = match (choice.who, choice.lanes) {
                (Who::One(_), _) => true,
                (Who::Everyone, Lanes::Everyone) => p.active,
                (Who::Everyone, Lanes::Working) => p.active && !working.is_empty(),
            };
            (shown || choice.booked.contains(&p.id)).then_some((Some(p), working))
        })
        .collect();
    if lanes.is_empty() {
        vec![(None, Vec::new())]
    } else {
        lanes
    }
}

/// The schedule of consecutive local `days` (one for the day view, seven for the week).
pub fn load(
    conn: &mut DbConnection,
    clinic: &Clinic,
    days: &[NaiveDate],
    who: Who,
    lanes: Lanes,
) -> Result<Schedule, AppError> {
    let tz = clinic.tz;
    let (Some(&first), Some(&last)) = (days.first(), days.last()) else {
        return Err(AppError::Internal("a schedule of no days".into()));
    };
    let from = local_day_bounds(tz, first).0;
    let to = local_day_bounds(tz, last).1;
    let practitioners: Vec<PractitionerRow> = match who {
        Who::Everyone => crate::db::practitioners::all_practitioners_by_id(conn)?,
        Who::One(id) => match crate::db::practitioners::practitioner(conn, id) {
            Ok(p) => vec![p],
            Err(diesel::result::Error::NotFound) => {
                return Err(AppError::NotFound("practitioner"));
            }
            Err(e) => return Err(e.into()),
        },
    };
    let ids: Vec<i32> = practitioners.iter().map(|p| p.id).collect();
    let only = match who {
        Who::Everyone => None,
        Who::One(_) => Some(ids.as_slice()),
    };
    let listed =
        crate::db::appointments::schedule::overlapping(conn, to_db(from), to_db(to), only)?;
    let off_rows = crate::db::practitioners::time_off_between(conn, &ids, to_db(from), to_db(to))?;
    let hours = crate::db::practitioners::all_practitioner_hours(conn)?;

    let (cancelled, active): (Vec<Listed>, Vec<Listed>) = listed
        .into_iter()
        .partition(|l| l.appointment.status == Status::Cancelled.as_str());

    let mut out_days = Vec::new();
    let mut out_lanes: Vec<(Lane, Vec<MinuteRange>)> = Vec::new();
    let mut blocks = Vec::new();
    for &date in days {
        let open = clinic.hours.on(date.weekday()).to_vec();
        // Each appointment of the day, with where it falls on the day's wall clock.
        let todays: Vec<(WallSpan, &Listed)> = active
            .iter()
            .filter_map(|l| {
                wall_span(
                    tz,
                    date,
                    from_db(l.appointment.starts_at),
                    from_db(l.appointment.ends_at),
                )
                .map(|s| (s, l))
            })
            .collect();
        let booked: BTreeSet<i32> = todays
            .iter()
            .map(|(_, l)| l.appointment.practitioner_id)
            .collect();
        let shown = LaneChoice {
            who,
            lanes,
            booked: &booked,
        };
        for (p, working) in day_lanes(clinic, &practitioners, &hours, date, &shown) {
            let lane = out_lanes.len();
            for (span, l) in &todays {
                if p.is_some_and(|p| p.id == l.appointment.practitioner_id) {
                    let a = &l.appointment;
                    blocks.push(Block {
                        lane,
                        span: *span,
                        buffer: (a.blocks_until > a.ends_at)
                            .then(|| {
                                wall_span(tz, date, from_db(a.ends_at), from_db(a.blocks_until))
                            })
                            .flatten(),
                        status: status_of(&l.appointment)?,
                        item: (*l).clone(),
                    });
                }
            }
            let time_off = p
                .map(|p| {
                    off_rows
                        .iter()
                        .filter(|o| o.practitioner_id == p.id)
                        .filter_map(|o| {
                            wall_span(tz, date, from_db(o.starts_at), from_db(o.ends_at))
                                .map(|s| (s, o.reason.clone()))
                        })
                        .collect()
                })
                .unwrap_or_default();
            out_lanes.push((
                Lane {
                    date,
                    practitioner: p.cloned(),
                    off: Vec::new(),
                    time_off,
                },
                working,
            ));
        }
        out_days.push(Day { date, open });
    }
    let window = Window::covering(
        out_days
            .iter()
            .flat_map(|d| d.open.iter().map(|&r| WallSpan::from(r)))
            .chain(blocks.iter().map(|b| b.span)),
    );
    let lanes = out_lanes
        .into_iter()
        .map(|(mut lane, working)| {
            lane.off = gaps(window, &working);
            lane
        })
        .collect();
    let shown: Vec<i32> = blocks.iter().map(|b| b.item.appointment.id).collect();
    let held = resources::held_by(conn, &shown)?;
    Ok(Schedule {
        tz,
        days: out_days,
        window,
        lanes,
        blocks,
        cancelled,
        held,
    })
}

/// The day view: the day shown and its schedule.
pub struct DayView {
    pub clinic: Clinic,
    /// As asked, or today.
    pub date: NaiveDate,
    pub today: NaiveDate,
    /// `None` for an account that sees nobody's schedule.
    pub schedule: Option<Schedule>,
    /// Every device and room, for the filter.
    pub resources: Vec<ResourceRow>,
}

/// `date` (default: today in the clinic's zone) with a lane for every active practitioner;
/// with `resource`, only the appointments holding that device or room.
pub fn day(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    date: Option<NaiveDate>,
    who: Option<Who>,
    resource: Option<i32>,
) -> Result<DayView, AppError> {
    let clinic = clinic::load(conn)?;
    let today = today(clinic.tz, now);
    let date = date.unwrap_or(today);
    let mut schedule = match who {
        Some(who) => Some(load(conn, &clinic, &[date], who, Lanes::Everyone)?),
        None => None,
    };
    if let (Some(s), Some(r)) = (schedule.as_mut(), resource) {
        let held = &s.held;
        s.blocks.retain(|b| {
            held.get(&b.item.appointment.id)
                .is_some_and(|rs| rs.iter().any(|x| x.id == r))
        });
    }
    Ok(DayView {
        clinic,
        date,
        today,
        schedule,
        resources: resources::all(conn)?,
    })
}

/// The day view page's data: `day`, and which of its appointments still wait for a screening
/// review (one call, so the page and the query-plan report run the same statements).
pub fn day_page(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    date: Option<NaiveDate>,
    who: Option<Who>,
    resource: Option<i32>,
) -> Result<(DayView, std::collections::HashSet<i32>), AppError> {
    let view = day(conn, now, date, who, resource)?;
    let ids: Vec<i32> = view
        .schedule
        .iter()
        .flat_map(|s| s.blocks.iter().map(|b| b.item.appointment.id))
        .collect();
    let pending = crate::service::screening::pending_among(conn, &ids)?;
    Ok((view, pending))
}

/// The week view: Monday to Sunday around the day asked, and whom one may pick.
pub struct WeekView {
    pub clinic: Clinic,
    pub monday: NaiveDate,
    pub today: NaiveDate,
    /// `None` for an account that sees nobody's schedule.
    pub schedule: Option<Schedule>,
    /// The active practitioners, for the picker.
    pub practitioners: Vec<PractitionerRow>,
}

/// The week holding `date` (default: today in the clinic's zone), with lanes only for those
/// working or booked each day.
pub fn week(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    date: Option<NaiveDate>,
    who: Option<Who>,
) -> Result<WeekView, AppError> {
    let clinic = clinic::load(conn)?;
    let today = today(clinic.tz, now);
    let date = date.unwrap_or(today);
    let monday = date - Days::new(u64::from(date.weekday().num_days_from_monday()));
    let days: Vec<NaiveDate> = (0..7).map(|i| monday + Days::new(i)).collect();
    let schedule = match who {
        Some(who) => Some(load(conn, &clinic, &days, who, Lanes::Working)?),
        None => None,
    };
    Ok(WeekView {
        practitioners: crate::db::practitioners::active_practitioners(conn)?,
        clinic,
        monday,
        today,
        schedule,
    })
}
