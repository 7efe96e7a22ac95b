//! Free days over a date range in one pass: each practitioner's weekly hours and everything that
//! holds them (appointments with their buffers, time off) over the whole range, read once, then
//! every day's free slots laid out by `availability::free_slots`, the one function that decides a
//! single day. So a month calendar, "the next day with room" and a single day's slots can never
//! disagree, and DST is handled where it already is: on each day's own wall clock.

use chrono::{Datelike, Duration, NaiveDate};
use chrono_tz::Tz;

use super::availability::{Busy, DayContext, PractitionerDay, Slot, Timing, free_slots};
use super::hours::WeeklyHours;
use super::time::local_day_bounds;

/// One practitioner over a range: when they work (already cut to the clinic's hours) and when
/// they are held, merged into disjoint spans in time order.
#[derive(Debug, Clone)]
pub struct PractitionerRange {
    pub practitioner_id: i32,
    pub hours: WeeklyHours,
    busy: Vec<Busy>,
}

impl PractitionerRange {
    /// `busy` in any order, overlapping or not.
    pub fn new(practitioner_id: i32, hours: WeeklyHours, mut busy: Vec<Busy>) -> Self {
        busy.sort_by_key(|b| (b.start, b.end));
        let mut merged: Vec<Busy> = Vec::with_capacity(busy.len());
        for b in busy {
            match merged.last_mut() {
                Some(last) if b.start <= last.end => last.end = last.end.max(b.end),
                _ => merged.push(b),
            }
        }
        Self {
            practitioner_id,
            hours,
            busy: merged,
        }
    }

    /// The practitioner's day: only the spans near it (found by binary search, since merged
    /// spans are ordered by their ends as well as their starts). The margin keeps what a slot's
    /// buffer may run into past local midnight.
    pub fn day(&self, tz: Tz, date: NaiveDate) -> PractitionerDay {
        let (start, end) = local_day_bounds(tz, date);
        let (start, end) = (start - Duration::hours(12), end + Duration::hours(12));
        let first = self.busy.partition_point(|b| b.end <= start);
        let busy = self.busy[first..]
            .iter()
            .take_while(|b| b.start < end)
            .copied()
            .collect();
        PractitionerDay {
            practitioner_id: self.practitioner_id,
            working: self.hours.on(date.weekday()).to_vec(),
            busy,
        }
    }
}

/// A day and how many (start, practitioner) choices it has left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FreeDay {
    pub date: NaiveDate,
    pub free_slots: usize,
}

/// One day's free slots from a range's data (`ctx` supplies the zone, "now" and the rules; its
/// date is ignored).
pub fn slots_on(
    ctx: &DayContext,
    timing: Timing,
    practitioners: &[PractitionerRange],
    date: NaiveDate,
) -> Vec<Slot> {
    let days: Vec<PractitionerDay> = practitioners.iter().map(|p| p.day(ctx.tz, date)).collect();
    free_slots(&DayContext { date, ..*ctx }, timing, &days)
}

/// How many free slots each day of `from..=to` has (days outside the booking window have none).
pub fn free_days(
    ctx: &DayContext,
    timing: Timing,
    practitioners: &[PractitionerRange],
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<FreeDay> {
    free_days_where(ctx, timing, practitioners, from, to, |_| true)
}

/// As `free_days`, counting only the slots `keep` accepts (the devices and rooms a treatment
/// needs must be free too, so a day whose only free time collides with a held laser is full).
pub fn free_days_where(
    ctx: &DayContext,
    timing: Timing,
    practitioners: &[PractitionerRange],
    from: NaiveDate,
    to: NaiveDate,
    keep: impl Fn(&Slot) -> bool,
) -> Vec<FreeDay> {
    let mut out = Vec::new();
    let mut date = from;
    while date <= to {
        out.push(FreeDay {
            date,
            free_slots: slots_on(ctx, timing, practitioners, date)
                .iter()
                .filter(|s| keep(s))
                .count(),
        });
        date += Duration::days(1);
    }
    out
}

/// The first day after `after` with a free slot.
pub fn next_free_day(days: &[FreeDay], after: NaiveDate) -> Option<NaiveDate> {
    days.iter()
        .find(|d| d.date > after && d.free_slots > 0)
        .map(|d| d.date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::availability::BookingRules;
    use crate::domain::hours::MinuteRange;
    use chrono::{DateTime, Utc, Weekday};

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    const HOUR: Timing = Timing {
        duration_minutes: 45,
        buffer_minutes: 15,
    };

    fn every_day(start: u16, end: u16) -> WeeklyHours {
        let mut h = WeeklyHours::default();
        for day in [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
            Weekday::Sun,
        ] {
            h.add(day, MinuteRange::new(start, end).unwrap());
        }
        h
    }

    fn ctx(tz: &str, now: &str) -> DayContext {
        DayContext {
            tz: tz.parse().unwrap(),
            date: d(2000, 1, 1),
            now: t(now),
            rules: BookingRules::default(),
        }
    }

    fn busy(start: &str, end: &str) -> Busy {
        Busy {
            start: t(start),
            end: t(end),
        }
    }

    #[test]
    fn each_day_agrees_with_the_single_day_rule() {
        // A range's days must be exactly what `free_slots` says for each day alone.
        let c = ctx("Europe/London", "2026-03-20T08:00:00Z");
        let spans = vec![
            busy("2026-03-23T09:00:00Z", "2026-03-23T10:00:00Z"),
            // Time off across two days, overlapping a booking (merged).
            busy("2026-03-24T15:00:00Z", "2026-03-25T11:00:00Z"),
            busy("2026-03-24T16:00:00Z", "2026-03-24T17:00:00Z"),
        ];
        let p = PractitionerRange::new(1, every_day(9 * 60, 12 * 60), spans.clone());
        for day in free_days(&c, HOUR, &[p], d(2026, 3, 22), d(2026, 3, 26)) {
            let alone = PractitionerDay {
                practitioner_id: 1,
                working: every_day(9 * 60, 12 * 60).on(day.date.weekday()).to_vec(),
                busy: spans.clone(),
            };
            let want = free_slots(
                &DayContext {
                    date: day.date,
                    ..c
                },
                HOUR,
                &[alone],
            )
            .len();
            assert_eq!(day.free_slots, want, "{}", day.date);
        }
    }

    #[test]
    fn a_full_day_points_to_the_next_one_with_room() {
        let c = ctx("Europe/London", "2026-06-01T06:00:00Z");
        // 1 and 2 June (BST) fully held 09:00–12:00 local; 3 June free.
        let p = PractitionerRange::new(
            7,
            every_day(9 * 60, 12 * 60),
            vec![
                busy("2026-06-02T08:00:00Z", "2026-06-02T11:00:00Z"),
                busy("2026-06-01T08:00:00Z", "2026-06-01T11:00:00Z"),
            ],
        );
        let days = free_days(&c, HOUR, &[p], d(2026, 6, 1), d(2026, 6, 4));
        assert_eq!(days[0].free_slots, 0);
        assert_eq!(days[1].free_slots, 0);
        assert!(days[2].free_slots > 0);
        assert_eq!(next_free_day(&days, d(2026, 6, 1)), Some(d(2026, 6, 3)));
        assert_eq!(next_free_day(&days, d(2026, 6, 4)), None);
    }

    #[test]
    fn dst_days_in_a_range_keep_their_wall_clock() {
        // New York springs forward on 8 March 2026 (02:00 → 03:00) and falls back on
        // 1 November 2026 (02:00 → 01:00). Hours 01:00–04:00 every day.
        let c = ctx("America/New_York", "2026-03-01T12:00:00Z");
        let p = PractitionerRange::new(1, every_day(60, 4 * 60), vec![]);
        let days = free_days(&c, HOUR, &[p.clone()], d(2026, 3, 7), d(2026, 3, 9));
        // An ordinary day: 01:00 … 03:15 by quarter hours = 10 starts. The gap day loses the
        // skipped hour 02:00–02:45: 6 starts, and those that would end past 04:00 local are kept
        // out by the range end as usual.
        assert_eq!(days[0].free_slots, 10);
        assert_eq!(days[2].free_slots, 10);
        let gap = slots_on(&c, HOUR, &[p.clone()], d(2026, 3, 8));
        assert_eq!(days[1].free_slots, gap.len());
        assert!(gap.len() < 10);
        // Autumn: the repeated hour is offered once, so the day has as many starts as usual.
        let c = ctx("America/New_York", "2026-10-25T12:00:00Z");
        let fall = free_days(&c, HOUR, &[p], d(2026, 10, 31), d(2026, 11, 2));
        assert_eq!(fall[0].free_slots, 10);
        assert_eq!(fall[1].free_slots, 10);
        assert_eq!(fall[2].free_slots, 10);
    }

    #[test]
    fn outside_the_booking_window_nothing_is_free() {
        let c = ctx("Europe/London", "2026-06-01T06:00:00Z");
        let p = PractitionerRange::new(1, every_day(9 * 60, 12 * 60), vec![]);
        let days = free_days(&c, HOUR, &[p], d(2026, 5, 31), d(2026, 6, 1));
        assert_eq!(days[0].free_slots, 0, "yesterday");
        assert!(days[1].free_slots > 0);
    }
}
