//! Free slots: the clinic's and practitioner's hours on the clinic's wall clock, minus what is
//! already booked or blocked, on a fixed grid, within the lead time and the booking horizon.
//!
//! Slots are laid out in local time (a 09:00 opening is 09:00 on DST days too) and each one is
//! then pinned to a UTC instant. A wall time skipped by a spring-forward change offers no slot; a
//! wall time repeated by an autumn change offers its first occurrence only, so a patient never
//! sees two "01:30" slots.

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;

use super::hours::MinuteRange;
use super::time::{
    LocalInstant, boundary_instant, local_parts, resolve_local, today, uniform_day_start,
};

/// The booking rules a clinic sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingRules {
    /// Slots start on multiples of this many minutes after local midnight.
    pub grid_minutes: u16,
    /// The earliest a slot may start, counted from now.
    pub lead_time: Duration,
    /// How many days ahead (local dates, today = 0) patients may book.
    pub horizon_days: u32,
}

impl Default for BookingRules {
    fn default() -> Self {
        Self {
            grid_minutes: 15,
            lead_time: Duration::minutes(60),
            horizon_days: 90,
        }
    }
}

/// How long a treatment holds its practitioner: the session, then a buffer (cleaning,
/// notes) during which nothing else may start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    pub duration_minutes: u16,
    pub buffer_minutes: u16,
}

impl Timing {
    pub fn end(&self, start: DateTime<Utc>) -> DateTime<Utc> {
        start + Duration::minutes(i64::from(self.duration_minutes))
    }

    pub fn blocks_until(&self, start: DateTime<Utc>) -> DateTime<Utc> {
        self.end(start) + Duration::minutes(i64::from(self.buffer_minutes))
    }
}

/// A span of time a practitioner is not free: an appointment (with its buffer) or time off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Busy {
    fn overlaps(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        start < self.end && self.start < end
    }
}

/// One practitioner's day: when they work (already cut to the clinic's hours) and when they're busy.
#[derive(Debug, Clone)]
pub struct PractitionerDay {
    pub practitioner_id: i32,
    pub working: Vec<MinuteRange>,
    pub busy: Vec<Busy>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub practitioner_id: i32,
}

/// Why a requested start cannot be booked. The API reports all of these as "slot_unavailable"
/// (409); pages show the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotProblem {
    OffGrid,
    InPast,
    TooSoon,
    BeyondHorizon,
    OutsideHours,
    /// A device or room the treatment needs isn't available then (outside its own hours).
    ResourceClosed,
    Taken,
}

impl SlotProblem {
    pub fn message(self) -> &'static str {
        match self {
            SlotProblem::OffGrid => {
                "Appointments start on the quarter hour; please pick one of the listed times."
            }
            SlotProblem::InPast => "That time has already passed.",
            SlotProblem::TooSoon => {
                "That time is too soon to book online; please pick a later time or call the clinic."
            }
            SlotProblem::BeyondHorizon => "That date is too far ahead to book yet.",
            SlotProblem::OutsideHours => "The practitioner isn't working at that time.",
            SlotProblem::ResourceClosed => {
                "A device or room this treatment needs isn't available at that time (outside its hours). Please pick one of the listed times."
            }
            SlotProblem::Taken => "Sorry, that time has just been taken. Please pick another.",
        }
    }
}

/// The day being looked at and the moment we look from.
#[derive(Debug, Clone, Copy)]
pub struct DayContext {
    pub tz: Tz,
    pub date: NaiveDate,
    pub now: DateTime<Utc>,
    pub rules: BookingRules,
}

impl DayContext {
    pub fn within_horizon(&self) -> bool {
        let today = today(self.tz, self.now);
        self.date >= today
            && self.date <= today + Duration::days(i64::from(self.rules.horizon_days))
    }
}

/// Every free slot of the day, earliest first (ties by practitioner id).
pub fn free_slots(ctx: &DayContext, timing: Timing, days: &[PractitionerDay]) -> Vec<Slot> {
    let mut out = Vec::new();
    each_free_slot(ctx, timing, days, |s| {
        out.push(s);
        true
    });
    out.sort_by_key(|s| (s.start, s.practitioner_id));
    out
}

/// Whether the day has a free slot that `keep` accepts: `free_slots(..)` filtered by `keep` is
/// not empty, stopping at the first such slot (a month calendar only needs to know which days
/// have room).
pub fn has_free_slot(
    ctx: &DayContext,
    timing: Timing,
    days: &[PractitionerDay],
    keep: impl Fn(&Slot) -> bool,
) -> bool {
    let mut found = false;
    each_free_slot(ctx, timing, days, |s| {
        found = keep(&s);
        !found
    });
    found
}

/// Hands each free slot of the day to `visit` (practitioner by practitioner, in time order
/// within each) until it returns false.
fn each_free_slot(
    ctx: &DayContext,
    timing: Timing,
    days: &[PractitionerDay],
    mut visit: impl FnMut(Slot) -> bool,
) {
    if !ctx.within_horizon() || ctx.rules.grid_minutes == 0 {
        return;
    }
    let earliest = ctx.now + ctx.rules.lead_time;
    let grid = ctx.rules.grid_minutes;
    // A grid time's instant is the same for every practitioner: resolved in the zone once.
    let mut instants = GridInstants::new(ctx);
    for day in days {
        for range in &day.working {
            let range_end = instants.boundary(range.end);
            let mut m = range.start.div_ceil(grid) * grid;
            while range.contains_span(m, timing.duration_minutes) {
                if let Some(start) = instants.get(m) {
                    let end = timing.end(start);
                    let blocks = timing.blocks_until(start);
                    if start >= earliest
                        && end <= range_end
                        && !day.busy.iter().any(|b| b.overlaps(start, blocks))
                        && !visit(Slot {
                            start,
                            end,
                            practitioner_id: day.practitioner_id,
                        })
                    {
                        return;
                    }
                }
                m += grid;
            }
        }
    }
}

/// The day's grid times pinned to instants (`first_instant`), each worked out once.
struct GridInstants<'a> {
    ctx: &'a DayContext,
    /// Local midnight on a day with one UTC offset throughout (`uniform_day_start`): every time
    /// of the day is then this plus its minutes, with no zone look-up per grid time.
    uniform: Option<DateTime<Utc>>,
    /// By minute / grid: None while not yet asked; Some(None) for a skipped wall time.
    known: Vec<Option<Option<DateTime<Utc>>>>,
}

impl<'a> GridInstants<'a> {
    fn new(ctx: &'a DayContext) -> Self {
        Self {
            ctx,
            uniform: uniform_day_start(ctx.tz, ctx.date),
            known: Vec::new(),
        }
    }

    /// On a uniform day, the instant of a wall minute within the day (24:00 included).
    fn on_uniform_day(&self, minute: u16) -> Option<DateTime<Utc>> {
        let start = self.uniform?;
        (minute <= 24 * 60).then(|| start + Duration::minutes(i64::from(minute)))
    }

    /// `boundary_instant` of the day.
    fn boundary(&self, minute: u16) -> DateTime<Utc> {
        self.on_uniform_day(minute)
            .unwrap_or_else(|| boundary_instant(self.ctx.tz, self.ctx.date, minute))
    }

    fn get(&mut self, minute: u16) -> Option<DateTime<Utc>> {
        if let Some(t) = self.on_uniform_day(minute) {
            return Some(t);
        }
        let grid = self.ctx.rules.grid_minutes.max(1);
        if !minute.is_multiple_of(grid) {
            return first_instant(self.ctx, minute);
        }
        let i = usize::from(minute / grid);
        if i >= self.known.len() {
            self.known.resize(i + 1, None);
        }
        *self.known[i].get_or_insert_with(|| first_instant(self.ctx, minute))
    }
}

/// Checks one requested start for one practitioner, naming the first rule it breaks.
pub fn check_slot(
    tz: Tz,
    now: DateTime<Utc>,
    rules: BookingRules,
    timing: Timing,
    day: &PractitionerDay,
    start: DateTime<Utc>,
) -> Result<Slot, SlotProblem> {
    let (date, minute) = local_parts(tz, start);
    let ctx = DayContext {
        tz,
        date,
        now,
        rules,
    };
    if start.second() != 0
        || start.nanosecond() != 0
        || rules.grid_minutes == 0
        || minute % rules.grid_minutes != 0
    {
        return Err(SlotProblem::OffGrid);
    }
    if start < now {
        return Err(SlotProblem::InPast);
    }
    if start < now + rules.lead_time {
        return Err(SlotProblem::TooSoon);
    }
    if !ctx.within_horizon() {
        return Err(SlotProblem::BeyondHorizon);
    }
    // The second pass of a repeated wall-clock time is not offered, so not bookable either.
    if first_instant(&ctx, minute) != Some(start) {
        return Err(SlotProblem::OutsideHours);
    }
    let end = timing.end(start);
    let in_hours = day.working.iter().any(|r| {
        r.contains_span(minute, timing.duration_minutes) && end <= boundary_instant(tz, date, r.end)
    });
    if !in_hours {
        return Err(SlotProblem::OutsideHours);
    }
    let blocks = timing.blocks_until(start);
    if day.busy.iter().any(|b| b.overlaps(start, blocks)) {
        return Err(SlotProblem::Taken);
    }
    Ok(Slot {
        start,
        end,
        practitioner_id: day.practitioner_id,
    })
}

fn first_instant(ctx: &DayContext, minute: u16) -> Option<DateTime<Utc>> {
    match resolve_local(ctx.tz, ctx.date, minute) {
        LocalInstant::Single(t) | LocalInstant::Twice(t, _) => Some(t),
        LocalInstant::Skipped => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::local_parts;
    use chrono::Datelike;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn hours(start: u16, end: u16) -> Vec<MinuteRange> {
        vec![MinuteRange::new(start, end).unwrap()]
    }

    fn ctx(tz: &str, date: NaiveDate, now: &str) -> DayContext {
        DayContext {
            tz: tz.parse().unwrap(),
            date,
            now: t(now),
            rules: BookingRules::default(),
        }
    }

    const HOUR: Timing = Timing {
        duration_minutes: 45,
        buffer_minutes: 15,
    };

    fn local_times(c: &DayContext, slots: &[Slot]) -> Vec<String> {
        slots
            .iter()
            .map(|s| {
                let (_, m) = local_parts(c.tz, s.start);
                crate::domain::hours::minute_label(m)
            })
            .collect()
    }

    #[test]
    fn a_plain_day_on_a_quarter_hour_grid() {
        let c = ctx("Europe/London", d(2026, 6, 1), "2026-05-20T08:00:00Z");
        let day = PractitionerDay {
            practitioner_id: 1,
            working: hours(9 * 60, 11 * 60),
            busy: vec![],
        };
        let slots = free_slots(&c, HOUR, &[day]);
        // 45 minutes must end by 11:00: the last start is 10:15. London is on BST (UTC+1).
        assert_eq!(
            local_times(&c, &slots),
            ["09:00", "09:15", "09:30", "09:45", "10:00", "10:15"]
        );
        assert_eq!(slots[0].start, t("2026-06-01T08:00:00Z"));
        assert_eq!(slots[0].end, t("2026-06-01T08:45:00Z"));
    }

    #[test]
    fn bookings_and_their_buffers_block_slots() {
        let c = ctx("Europe/London", d(2026, 6, 1), "2026-05-20T08:00:00Z");
        // An appointment 10:00–10:45 local holding until 11:00 with its buffer.
        let busy = vec![Busy {
            start: t("2026-06-01T09:00:00Z"),
            end: t("2026-06-01T10:00:00Z"),
        }];
        let day = PractitionerDay {
            practitioner_id: 1,
            working: hours(9 * 60, 12 * 60),
            busy,
        };
        let slots = free_slots(&c, HOUR, &[day]);
        // 09:00 holds until 10:00 (its own buffer ends where the other starts): fine.
        // 09:15 would hold until 10:15: refused. From 11:00 free again.
        assert_eq!(local_times(&c, &slots), ["09:00", "11:00", "11:15"]);
    }

    #[test]
    fn no_slot_before_the_lead_time_or_past_the_horizon() {
        // Now is 09:10 local; lead time 60 minutes: the first slot is 10:15.
        let c = ctx("Europe/London", d(2026, 6, 1), "2026-06-01T08:10:00Z");
        let day = PractitionerDay {
            practitioner_id: 1,
            working: hours(9 * 60, 11 * 60),
            busy: vec![],
        };
        assert_eq!(
            local_times(&c, &free_slots(&c, HOUR, std::slice::from_ref(&day))),
            ["10:15"]
        );
        let far = ctx("Europe/London", d(2026, 9, 1), "2026-06-01T08:10:00Z");
        assert!(free_slots(&far, HOUR, std::slice::from_ref(&day)).is_empty());
        let past = ctx("Europe/London", d(2026, 5, 31), "2026-06-01T08:10:00Z");
        assert!(free_slots(&past, HOUR, &[day]).is_empty());
    }

    #[test]
    fn spring_forward_keeps_wall_clock_hours_london() {
        // 29 March 2026: London goes from GMT to BST at 01:00 UTC.
        let c = ctx("Europe/London", d(2026, 3, 29), "2026-03-20T08:00:00Z");
        let day = PractitionerDay {
            practitioner_id: 1,
            working: hours(9 * 60, 10 * 60),
            busy: vec![],
        };
        let slots = free_slots(&c, HOUR, &[day]);
        assert_eq!(local_times(&c, &slots), ["09:00", "09:15"]);
        assert_eq!(
            slots[0].start,
            t("2026-03-29T08:00:00Z"),
            "09:00 BST is 08:00 UTC"
        );
    }

    #[test]
    fn fall_back_keeps_wall_clock_hours_london() {
        // 25 October 2026: back to GMT; 09:00 local is 09:00 UTC again.
        let c = ctx("Europe/London", d(2026, 10, 25), "2026-10-20T08:00:00Z");
        let day = PractitionerDay {
            practitioner_id: 1,
            working: hours(9 * 60, 10 * 60),
            busy: vec![],
        };
        let slots = free_slots(&c, HOUR, &[day]);
        assert_eq!(slots[0].start, t("2026-10-25T09:00:00Z"));
        assert_eq!(slots.len(), 2);
    }

    #[test]
    fn new_york_transitions() {
        // 8 March 2026 (spring) and 1 November 2026 (fall) in New York.
        let spring = ctx("America/New_York", d(2026, 3, 8), "2026-03-01T12:00:00Z");
        let fall = ctx("America/New_York", d(2026, 11, 1), "2026-10-20T12:00:00Z");
        let day = PractitionerDay {
            practitioner_id: 7,
            working: hours(9 * 60, 10 * 60),
            busy: vec![],
        };
        let s = free_slots(&spring, HOUR, std::slice::from_ref(&day));
        assert_eq!(s[0].start, t("2026-03-08T13:00:00Z"), "09:00 EDT");
        let f = free_slots(&fall, HOUR, &[day]);
        assert_eq!(f[0].start, t("2026-11-01T14:00:00Z"), "09:00 EST");
    }

    #[test]
    fn night_hours_across_a_gap_and_an_overlap() {
        // A (hypothetical) practitioner working 00:00–04:00 on change days sees the gap and
        // the repeat: no 02:xx slots in spring, one set of 01:xx slots in autumn.
        let hourly = BookingRules {
            grid_minutes: 60,
            ..BookingRules::default()
        };
        let short = Timing {
            duration_minutes: 30,
            buffer_minutes: 0,
        };
        let day = PractitionerDay {
            practitioner_id: 1,
            working: hours(0, 4 * 60),
            busy: vec![],
        };
        let mut spring = ctx("America/New_York", d(2026, 3, 8), "2026-03-01T12:00:00Z");
        spring.rules = hourly;
        assert_eq!(
            local_times(
                &spring,
                &free_slots(&spring, short, std::slice::from_ref(&day))
            ),
            ["00:00", "01:00", "03:00"]
        );
        let mut fall = ctx("America/New_York", d(2026, 11, 1), "2026-10-20T12:00:00Z");
        fall.rules = hourly;
        let f = free_slots(&fall, short, &[day]);
        assert_eq!(local_times(&fall, &f), ["00:00", "01:00", "02:00", "03:00"]);
        assert_eq!(
            f[1].start,
            t("2026-11-01T05:00:00Z"),
            "the first 01:00, still EDT"
        );
    }

    #[test]
    fn several_practitioners_merge_in_time_order() {
        let c = ctx("Europe/London", d(2026, 6, 1), "2026-05-20T08:00:00Z");
        let a = PractitionerDay {
            practitioner_id: 2,
            working: hours(9 * 60, 10 * 60),
            busy: vec![],
        };
        let b = PractitionerDay {
            practitioner_id: 1,
            working: hours(9 * 60 + 30, 10 * 60 + 30),
            busy: vec![],
        };
        let slots = free_slots(&c, HOUR, &[a, b]);
        let ids: Vec<i32> = slots.iter().map(|s| s.practitioner_id).collect();
        assert_eq!(ids, [2, 2, 1, 1]);
    }

    #[test]
    fn check_slot_names_the_rule_broken() {
        let tz: Tz = "Europe/London".parse().unwrap();
        let now = t("2026-06-01T07:00:00Z");
        let rules = BookingRules::default();
        let busy = vec![Busy {
            start: t("2026-06-02T09:00:00Z"),
            end: t("2026-06-02T10:00:00Z"),
        }];
        let day = PractitionerDay {
            practitioner_id: 1,
            working: hours(9 * 60, 17 * 60),
            busy,
        };
        let check = |s: &str| check_slot(tz, now, rules, HOUR, &day, t(s)).map(|_| ());
        assert_eq!(check("2026-06-02T08:00:00Z"), Ok(()));
        assert_eq!(check("2026-06-02T08:05:00Z"), Err(SlotProblem::OffGrid));
        assert_eq!(check("2026-06-02T08:00:30Z"), Err(SlotProblem::OffGrid));
        assert_eq!(check("2026-05-31T08:00:00Z"), Err(SlotProblem::InPast));
        assert_eq!(check("2026-06-01T07:30:00Z"), Err(SlotProblem::TooSoon));
        assert_eq!(
            check("2026-12-01T10:00:00Z"),
            Err(SlotProblem::BeyondHorizon)
        );
        assert_eq!(
            check("2026-06-02T06:00:00Z"),
            Err(SlotProblem::OutsideHours)
        );
        assert_eq!(
            check("2026-06-02T15:30:00Z"),
            Err(SlotProblem::OutsideHours),
            "16:30 + 45 min ends after 17:00"
        );
        assert_eq!(check("2026-06-02T08:30:00Z"), Err(SlotProblem::Taken));
    }

    #[test]
    fn grid_times_on_uniform_days_match_the_zone() {
        // Every quarter hour (and 24:00) of every day of 2026, DST days included, in zones with
        // hour, half-hour and odd offsets and changes: the shortcut for days with one offset
        // gives what the zone gives, and DST days still go through the zone.
        let zones = [
            "Europe/London",
            "America/New_York",
            "Australia/Sydney",
            "Australia/Lord_Howe",
            "Asia/Kathmandu",
            "America/St_Johns",
            "Pacific/Chatham",
            "UTC",
        ];
        for zone in zones {
            let mut date = d(2026, 1, 1);
            while date.year() == 2026 {
                let c = ctx(zone, date, "2025-12-31T00:00:00Z");
                let mut grid = GridInstants::new(&c);
                for m in (0..=24 * 60).step_by(15) {
                    let m = m as u16;
                    if m < 24 * 60 {
                        assert_eq!(grid.get(m), first_instant(&c, m), "{zone} {date} {m}");
                    }
                    assert_eq!(
                        grid.boundary(m),
                        boundary_instant(c.tz, date, m),
                        "{zone} {date} {m}"
                    );
                }
                date = date.succ_opt().unwrap();
            }
        }
        let london: Tz = "Europe/London".parse().unwrap();
        assert!(
            uniform_day_start(london, d(2026, 3, 29)).is_none(),
            "spring"
        );
        assert!(
            uniform_day_start(london, d(2026, 10, 25)).is_none(),
            "autumn"
        );
        assert!(uniform_day_start(london, d(2026, 3, 30)).is_some());
    }
}
