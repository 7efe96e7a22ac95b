//! Where an appointment sits on a day's wall clock, pure: the schedule views' time axis.
//!
//! A span is counted in minutes of the clinic's local day, so a block's position and length come
//! straight from its local start and end. Laying out by wall-clock minutes (not by time elapsed
//! since the top of the grid) keeps a 10:00 appointment on the 10:00 line on the 23- and 25-hour
//! days of a DST change, and lets the days of a week share one time axis.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::domain::hours::MinuteRange;
use crate::domain::time::local_parts;

pub const DAY_MINUTES: u16 = 24 * 60;

/// Part of one local day in wall-clock minutes, `start` inclusive, `end` exclusive (≤ 1440).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WallSpan {
    pub start: u16,
    pub end: u16,
}

impl From<MinuteRange> for WallSpan {
    fn from(r: MinuteRange) -> Self {
        Self {
            start: r.start,
            end: r.end,
        }
    }
}

/// Where the instants [start, end) fall on the wall clock of `date`; `None` when they don't touch
/// that date. A span running past midnight is cut at the day's edge.
pub fn wall_span(
    tz: Tz,
    date: NaiveDate,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Option<WallSpan> {
    if end <= start {
        return None;
    }
    let (start_date, start_minute) = local_parts(tz, start);
    let (end_date, end_minute) = local_parts(tz, end);
    let ends_before = end_date < date || (end_date == date && end_minute == 0 && start_date < date);
    if start_date > date || ends_before {
        return None;
    }
    let from = if start_date < date { 0 } else { start_minute };
    let to = if end_date > date {
        DAY_MINUTES
    } else {
        end_minute
    };
    let to = if to > from {
        to
    } else {
        // The clocks went back while it ran, so its wall-clock end reads earlier than its start:
        // draw it with its real length instead.
        let real = (end - start).num_minutes().clamp(1, i64::from(DAY_MINUTES)) as u16;
        from.saturating_add(real).min(DAY_MINUTES)
    };
    Some(WallSpan {
        start: from,
        end: to.max(from + 1).min(DAY_MINUTES),
    })
}

/// The hours a grid shows: whole hours from `first` to `last` (minutes of the local day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub first: u16,
    pub last: u16,
}

impl Window {
    /// Shown when there is nothing to fit (a closed day without appointments).
    pub const DEFAULT: Window = Window {
        first: 9 * 60,
        last: 17 * 60,
    };

    /// The smallest run of whole hours holding every span: opening hours and appointments, so
    /// nothing booked outside today's hours (hours changed after booking) is ever hidden.
    pub fn covering(spans: impl IntoIterator<Item = WallSpan>) -> Self {
        let mut bounds: Option<(u16, u16)> = None;
        for s in spans {
            bounds = Some(match bounds {
                None => (s.start, s.end),
                Some((a, b)) => (a.min(s.start), b.max(s.end)),
            });
        }
        match bounds {
            Some((first, last)) => Window {
                first: first / 60 * 60,
                last: (last.div_ceil(60) * 60).min(DAY_MINUTES),
            },
            None => Self::DEFAULT,
        }
    }

    pub fn minutes(&self) -> u16 {
        self.last - self.first
    }

    /// The span's offset from the top of the window and its length, cut to the window.
    pub fn clip(&self, s: WallSpan) -> Option<(u16, u16)> {
        let start = s.start.max(self.first);
        let end = s.end.min(self.last);
        (start < end).then(|| (start - self.first, end - start))
    }

    /// The minutes of the day at which each quarter-hour row starts.
    pub fn quarters(&self) -> impl Iterator<Item = u16> + use<> {
        (self.first..self.last).step_by(15)
    }
}

/// The parts of the window outside `working`: shown shaded as "not working".
pub fn gaps(window: Window, working: &[MinuteRange]) -> Vec<WallSpan> {
    let mut sorted: Vec<&MinuteRange> = working.iter().collect();
    sorted.sort_by_key(|r| r.start);
    let mut out = Vec::new();
    let mut at = window.first;
    for r in sorted {
        if r.start > at {
            out.push(WallSpan {
                start: at,
                end: r.start.min(window.last),
            });
        }
        at = at.max(r.end);
        if at >= window.last {
            break;
        }
    }
    if at < window.last {
        out.push(WallSpan {
            start: at,
            end: window.last,
        });
    }
    out.retain(|s| s.start < s.end);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn london() -> Tz {
        "Europe/London".parse().unwrap()
    }

    fn span(start: u16, end: u16) -> WallSpan {
        WallSpan { start, end }
    }

    #[test]
    fn spans_follow_the_wall_clock_across_dst() {
        let tz = london();
        // 10:00–10:45 local in winter (GMT) and in summer (BST) land on the same minutes.
        let winter = wall_span(
            tz,
            d(2030, 3, 30),
            t("2030-03-30T10:00:00Z"),
            t("2030-03-30T10:45:00Z"),
        );
        let summer = wall_span(
            tz,
            d(2030, 3, 31),
            t("2030-03-31T09:00:00Z"),
            t("2030-03-31T09:45:00Z"),
        );
        assert_eq!(winter, Some(span(600, 645)));
        assert_eq!(summer, winter);
    }

    #[test]
    fn a_span_across_a_change_keeps_a_sensible_length() {
        let tz = london();
        // Spring: 00:30 GMT → 02:30 BST is one hour of real time, two on the wall clock.
        let spring = wall_span(
            tz,
            d(2030, 3, 31),
            t("2030-03-31T00:30:00Z"),
            t("2030-03-31T01:30:00Z"),
        );
        assert_eq!(spring, Some(span(30, 150)));
        // Autumn: 01:30 BST → 01:15 GMT (45 minutes later) reads backwards; drawn 45 long.
        let autumn = wall_span(
            tz,
            d(2030, 10, 27),
            t("2030-10-27T00:30:00Z"),
            t("2030-10-27T01:15:00Z"),
        );
        assert_eq!(autumn, Some(span(90, 135)));
    }

    #[test]
    fn spans_are_cut_at_midnight_and_other_days_ignored() {
        let tz = london();
        let date = d(2030, 6, 3);
        // 23:30 BST on the 3rd until 00:30 on the 4th.
        let (s, e) = (t("2030-06-03T22:30:00Z"), t("2030-06-03T23:30:00Z"));
        assert_eq!(wall_span(tz, date, s, e), Some(span(1410, 1440)));
        assert_eq!(wall_span(tz, d(2030, 6, 4), s, e), Some(span(0, 30)));
        assert_eq!(wall_span(tz, d(2030, 6, 5), s, e), None);
        // Ending exactly at midnight leaves nothing on the next day.
        let e = t("2030-06-03T23:00:00Z");
        assert_eq!(wall_span(tz, d(2030, 6, 4), s, e), None);
        assert_eq!(wall_span(tz, date, e, s), None, "an empty span");
    }

    #[test]
    fn the_window_covers_hours_and_appointments_in_whole_hours() {
        assert_eq!(
            Window::covering([span(540, 1080)]),
            Window {
                first: 540,
                last: 1080
            }
        );
        assert_eq!(
            Window::covering([span(600, 960), span(500, 545), span(1000, 1090)]),
            Window {
                first: 480,
                last: 1140
            }
        );
        assert_eq!(Window::covering([]), Window::DEFAULT);
        assert_eq!(Window::covering([span(1400, 1440)]).last, 1440);
    }

    #[test]
    fn gaps_are_the_hours_not_worked() {
        let w = Window {
            first: 540,
            last: 1080,
        };
        let r = |a, b| MinuteRange::new(a, b).unwrap();
        assert_eq!(gaps(w, &[r(600, 1080)]), vec![span(540, 600)]);
        assert_eq!(
            gaps(w, &[r(780, 1020), r(540, 720)]),
            vec![span(720, 780), span(1020, 1080)]
        );
        assert_eq!(gaps(w, &[]), vec![span(540, 1080)]);
        assert_eq!(gaps(w, &[r(480, 1200)]), vec![]);
    }
}
