//! Free days over a date range in one pass: each practitioner's weekly hours and everything that
//! holds them (appointments with their buffers, time off) over the whole range, read once, then
//! every day's free slots laid out by `availability::free_slots`, the one function that decides a
//! single day. So a month calendar, "the next day with room" and a single day's slots can never
//! disagree, and DST is handled where it already is: on each day's own wall clock.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use super::availability::{
    Busy, DayContext, PractitionerDay, Slot, Timing, free_slots, has_free_slot,
};
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
        self.day_within(date, near(tz, date))
    }

    /// `day` with the day's span (its bounds with their margin, `near`) worked out once for
    /// every practitioner.
    fn day_within(
        &self,
        date: NaiveDate,
        (start, end): (DateTime<Utc>, DateTime<Utc>),
    ) -> PractitionerDay {
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

/// A local date's bounds with the margin a slot's buffer may reach past local midnight.
fn near(tz: Tz, date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let (start, end) = local_day_bounds(tz, date);
    (start - Duration::hours(12), end + Duration::hours(12))
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
    let span = near(ctx.tz, date);
    let days: Vec<PractitionerDay> = practitioners
        .iter()
        .map(|p| p.day_within(date, span))
        .collect();
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

/// The days of `from..=to` with at least one free slot that `keep` accepts: the same answer as
/// keeping the days of `free_days_where` with a count above zero, but each day stops at its
/// first such slot.
pub fn days_with_room(
    ctx: &DayContext,
    timing: Timing,
    practitioners: &[PractitionerRange],
    from: NaiveDate,
    to: NaiveDate,
    keep: impl Fn(&Slot) -> bool,
) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut date = from;
    while date <= to {
        let day = DayContext { date, ..*ctx };
        // Outside the booking window nothing is free: skip the day's data altogether.
        if day.within_horizon() {
            let span = near(ctx.tz, date);
            let days: Vec<PractitionerDay> = practitioners
                .iter()
                .map(|p| p.day_within(date, span))
                .collect();
            if has_free_slot(&day, timing, &days, &keep) {
                out.push(date);
            }
        }
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
    fn days_with_room_are_the_days_free_days_counts_above_zero() {
        // Busy days, a day fully held, and both New York DST changes; now inside the range, so
        // the lead time and the window's start cut in as well.
        for (tz, now, from, to) in [
            (
                "Europe/London",
                "2026-03-24T08:00:00Z",
                d(2026, 3, 22),
                d(2026, 4, 2),
            ),
            (
                "America/New_York",
                "2026-03-07T05:30:00Z",
                d(2026, 3, 6),
                d(2026, 3, 10),
            ),
            (
                "America/New_York",
                "2026-10-30T12:00:00Z",
                d(2026, 10, 29),
                d(2026, 11, 3),
            ),
        ] {
            let c = ctx(tz, now);
            let held = vec![
                busy("2026-03-25T08:00:00Z", "2026-03-25T13:00:00Z"),
                busy("2026-03-26T09:00:00Z", "2026-03-26T10:00:00Z"),
                busy("2026-03-08T06:00:00Z", "2026-03-08T09:00:00Z"),
                busy("2026-11-01T05:00:00Z", "2026-11-01T07:00:00Z"),
            ];
            let ps = [
                PractitionerRange::new(1, every_day(9 * 60, 12 * 60), held.clone()),
                PractitionerRange::new(2, every_day(60, 4 * 60), held),
            ];
            let want: Vec<NaiveDate> = free_days(&c, HOUR, &ps, from, to)
                .into_iter()
                .filter(|d| d.free_slots > 0)
                .map(|d| d.date)
                .collect();
            assert_eq!(
                days_with_room(&c, HOUR, &ps, from, to, |_| true),
                want,
                "{tz} {now}"
            );
            // With a filter: as free_days_where counts it.
            let keep = |s: &Slot| s.practitioner_id == 2;
            let want_kept: Vec<NaiveDate> = free_days_where(&c, HOUR, &ps, from, to, keep)
                .into_iter()
                .filter(|d| d.free_slots > 0)
                .map(|d| d.date)
                .collect();
            assert_eq!(days_with_room(&c, HOUR, &ps, from, to, keep), want_kept);
            // A day with none (09:00-12:00 London held on 25 March by the 1st; the 2nd's night
            // hours are open, so check the first practitioner alone too).
            let one = &ps[..1];
            let want_one: Vec<NaiveDate> = free_days(&c, HOUR, one, from, to)
                .into_iter()
                .filter(|d| d.free_slots > 0)
                .map(|d| d.date)
                .collect();
            assert_eq!(days_with_room(&c, HOUR, one, from, to, |_| true), want_one);
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
        let days = free_days(
            &c,
            HOUR,
            std::slice::from_ref(&p),
            d(2026, 3, 7),
            d(2026, 3, 9),
        );
        // An ordinary day: 01:00 … 03:15 by quarter hours = 10 starts. The gap day loses the
        // skipped hour 02:00–02:45: 6 starts, and those that would end past 04:00 local are kept
        // out by the range end as usual.
        assert_eq!(days[0].free_slots, 10);
        assert_eq!(days[2].free_slots, 10);
        let gap = slots_on(&c, HOUR, std::slice::from_ref(&p), d(2026, 3, 8));
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
