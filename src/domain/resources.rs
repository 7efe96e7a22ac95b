//! Shared devices and rooms: a treatment needs one resource of each of its kinds, and a
//! resource (count one) serves one appointment at a time, within its own weekly hours if it has
//! any. Which resources are free for a span.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use super::availability::SlotProblem;
use super::hours::WeeklyHours;
use super::time::boundary_instant;

/// A span of time, as instants.
pub type Span = (DateTime<Utc>, DateTime<Utc>);

/// A resource as the rule sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub id: i32,
    pub kind: String,
    /// Its own hours over the times asked about, as instants; `None` when it has none set (then
    /// it is available whenever the clinic is open, which the practitioner's hours already cut).
    pub open: Option<Vec<Span>>,
}

impl Resource {
    /// Whether the session `[start, end)` lies within the resource's hours (a cleaning buffer
    /// may run past them, as it may past a practitioner's).
    fn open_for(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        self.open
            .as_ref()
            .is_none_or(|spans| within(spans, start, end))
    }
}

/// Whether `[start, end)` lies inside one of `spans`.
pub fn within(spans: &[Span], start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
    spans.iter().any(|(s, e)| *s <= start && end <= *e)
}

/// A span a resource is taken for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub resource_id: i32,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// What a treatment needs, with what is already taken around the times being asked about.
#[derive(Debug, Clone, Default)]
pub struct Needs {
    pub kinds: Vec<String>,
    /// Active resources of those kinds, in the order they are tried.
    pub resources: Vec<Resource>,
    /// In any order when built by hand; `new` orders them.
    pub held: Vec<Held>,
    /// Set by `new`: `held` is ordered by resource, then start, then end.
    ordered: bool,
}

impl Needs {
    /// `held` in any order; kept ordered by (resource, start, end), so each check is a binary
    /// search rather than a scan: a month calendar asks about every free slot of every day,
    /// against a month of holdings.
    pub fn new(kinds: Vec<String>, resources: Vec<Resource>, mut held: Vec<Held>) -> Self {
        held.sort_unstable_by_key(|h| (h.resource_id, h.start, h.end));
        Self {
            kinds,
            resources,
            held,
            ordered: true,
        }
    }

    /// Whether `resource_id` is held at some moment of `[start, until)`.
    fn held_during(&self, resource_id: i32, start: DateTime<Utc>, until: DateTime<Utc>) -> bool {
        if !self.ordered {
            return self
                .held
                .iter()
                .any(|h| h.resource_id == resource_id && h.start < until && start < h.end);
        }
        // The resource's holdings starting before `until`; one of them overlaps when it ends
        // after `start`. Holdings of one resource don't overlap (the database's guard), so
        // their ends are nearly ordered too, but a scan back stays exact even if they did.
        let from = self.held.partition_point(|h| h.resource_id < resource_id);
        let to = self.held.partition_point(|h| {
            h.resource_id < resource_id || (h.resource_id == resource_id && h.start < until)
        });
        self.held[from..to].iter().rev().any(|h| start < h.end)
    }

    /// For each needed kind (in order), every resource of it open for the session
    /// `[start, end)` and not held during `[start, until)`, in the order they are tried. When
    /// some kind has none: `ResourceClosed` if none of that kind is even open then (its hours),
    /// else `Taken`.
    pub fn candidates(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<Vec<i32>>, SlotProblem> {
        let mut out = Vec::with_capacity(self.kinds.len());
        let mut problem = None;
        for kind in &self.kinds {
            let open: Vec<&Resource> = self
                .resources
                .iter()
                .filter(|r| &r.kind == kind && r.open_for(start, end))
                .collect();
            let free: Vec<i32> = open
                .iter()
                .filter(|r| !self.held_during(r.id, start, until))
                .map(|r| r.id)
                .collect();
            if open.is_empty() {
                problem = Some(SlotProblem::ResourceClosed);
            } else if free.is_empty() && problem.is_none() {
                problem = Some(SlotProblem::Taken);
            }
            out.push(free);
        }
        match problem {
            Some(p) => Err(p),
            None => Ok(out),
        }
    }

    /// One free resource of each needed kind for the session `[start, end)` held until
    /// `until`, or `None` when some kind has none free. A treatment that needs nothing gets
    /// `Some(vec![])`. (The first of `candidates` for each kind, found without listing them.)
    pub fn pick(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Option<Vec<i32>> {
        self.kinds
            .iter()
            .map(|kind| {
                self.resources
                    .iter()
                    .find(|r| {
                        &r.kind == kind
                            && r.open_for(start, end)
                            && !self.held_during(r.id, start, until)
                    })
                    .map(|r| r.id)
            })
            .collect()
    }
}

/// A resource's weekly hours laid out as instants over the local dates `from..=to` (each day on
/// its own wall clock, so DST days keep their hours), touching intervals joined.
pub fn open_spans(tz: Tz, week: &WeeklyHours, from: NaiveDate, to: NaiveDate) -> Vec<Span> {
    let mut spans: Vec<Span> = Vec::new();
    let mut date = from;
    while date <= to {
        for r in week.on(date.weekday()) {
            let s = boundary_instant(tz, date, r.start);
            let e = boundary_instant(tz, date, r.end);
            match spans.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => spans.push((s, e)),
            }
        }
        date += Duration::days(1);
    }
    spans
}

/// A kind name as admins type it: trimmed, lower case, spaces collapsed; empty is refused.
pub fn parse_kind(raw: &str) -> Option<String> {
    let kind = raw
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    (!kind.is_empty() && kind.chars().count() <= 60).then_some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 6, 4, h, 0, 0).unwrap()
    }

    fn res(id: i32, kind: &str) -> Resource {
        Resource {
            id,
            kind: kind.into(),
            open: None,
        }
    }

    /// A session of `[s, e)` held one more hour for the buffer (the tests' spans are whole hours).
    fn pick(n: &Needs, s: u32, e: u32) -> Option<Vec<i32>> {
        n.pick(at(s), at(e), at(e))
    }

    fn needs() -> Needs {
        Needs {
            kinds: vec!["laser device".into(), "treatment room".into()],
            resources: vec![
                res(1, "laser device"),
                res(2, "treatment room"),
                res(3, "treatment room"),
            ],
            held: vec![
                Held {
                    resource_id: 1,
                    start: at(10),
                    end: at(11),
                },
                Held {
                    resource_id: 2,
                    start: at(12),
                    end: at(13),
                },
            ],
            ordered: false,
        }
    }

    #[test]
    fn picks_one_free_resource_of_each_kind() {
        assert_eq!(pick(&needs(), 9, 10), Some(vec![1, 2]));
        // Room 2 is taken at noon: room 3 serves.
        assert_eq!(pick(&needs(), 12, 13), Some(vec![1, 3]));
    }

    #[test]
    fn a_held_device_blocks_overlapping_spans_only() {
        assert_eq!(pick(&needs(), 10, 11), None);
        assert_eq!(pick(&needs(), 9, 11), None);
        assert!(pick(&needs(), 11, 12).is_some());
    }

    #[test]
    fn ordered_holdings_answer_as_a_scan_does() {
        // Several holdings per resource, given out of order, some touching; every hour-aligned
        // session of the day, asked of the scan (built by hand) and of the search (`new`).
        let n = needs();
        let mut held = n.held.clone();
        for (id, s, e) in [(3, 15, 16), (1, 14, 15), (1, 8, 9), (2, 9, 10), (3, 12, 13)] {
            held.push(Held {
                resource_id: id,
                start: at(s),
                end: at(e),
            });
        }
        held.reverse();
        let scan = Needs {
            held: held.clone(),
            ..n.clone()
        };
        let search = Needs::new(n.kinds.clone(), n.resources.clone(), held);
        for s in 6..20 {
            for e in s + 1..21 {
                for u in e..22 {
                    assert_eq!(
                        scan.candidates(at(s), at(e), at(u)),
                        search.candidates(at(s), at(e), at(u)),
                        "{s} {e} {u}"
                    );
                    let first = scan
                        .candidates(at(s), at(e), at(u))
                        .ok()
                        .and_then(|c| c.into_iter().map(|k| k.first().copied()).collect());
                    assert_eq!(search.pick(at(s), at(e), at(u)), first, "{s} {e} {u}");
                }
            }
        }
    }

    #[test]
    fn needing_nothing_is_always_free() {
        assert_eq!(pick(&Needs::default(), 10, 11), Some(vec![]));
    }

    #[test]
    fn a_kind_with_no_resource_is_never_free() {
        let n = Needs {
            kinds: vec!["x-ray".into()],
            ..Needs::default()
        };
        assert_eq!(pick(&n, 10, 11), None);
        assert_eq!(
            n.candidates(at(10), at(11), at(11)),
            Err(SlotProblem::ResourceClosed)
        );
    }

    #[test]
    fn candidates_list_every_free_resource_of_a_kind_in_order() {
        assert_eq!(
            needs().candidates(at(9), at(10), at(10)),
            Ok(vec![vec![1], vec![2, 3]])
        );
        assert_eq!(
            needs().candidates(at(10), at(11), at(11)),
            Err(SlotProblem::Taken)
        );
    }

    #[test]
    fn a_resource_outside_its_hours_is_not_offered() {
        // The laser works 09:00-12:00 (UTC here); the rooms have no hours of their own.
        let mut n = needs();
        n.held.clear();
        n.resources[0].open = Some(vec![(at(9), at(12))]);
        assert!(pick(&n, 9, 10).is_some());
        // The session must end by 12:00; its buffer may run past.
        assert!(n.pick(at(11), at(12), at(13)).is_some());
        assert_eq!(
            n.candidates(at(11), at(13), at(13)),
            Err(SlotProblem::ResourceClosed)
        );
        assert_eq!(pick(&n, 14, 15), None);
        // Closed beats taken: the clearer reason.
        n.held.push(Held {
            resource_id: 2,
            start: at(14),
            end: at(15),
        });
        n.held.push(Held {
            resource_id: 3,
            start: at(14),
            end: at(15),
        });
        assert_eq!(
            n.candidates(at(14), at(15), at(15)),
            Err(SlotProblem::ResourceClosed)
        );
    }

    #[test]
    fn weekly_hours_become_instants_on_each_days_wall_clock() {
        use crate::domain::hours::MinuteRange;
        use chrono::Weekday;
        let tz: Tz = "Europe/London".parse().unwrap();
        let mut week = WeeklyHours::default();
        week.add(Weekday::Sat, MinuteRange::new(9 * 60, 12 * 60).unwrap());
        week.add(Weekday::Sat, MinuteRange::new(12 * 60, 13 * 60).unwrap());
        week.add(Weekday::Sun, MinuteRange::new(9 * 60, 10 * 60).unwrap());
        // 2030-03-30 is the Saturday before British Summer Time starts on Sunday 31 March.
        let spans = open_spans(
            tz,
            &week,
            NaiveDate::from_ymd_opt(2030, 3, 29).unwrap(),
            NaiveDate::from_ymd_opt(2030, 3, 31).unwrap(),
        );
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            spans,
            vec![
                (t("2030-03-30T09:00:00Z"), t("2030-03-30T13:00:00Z")),
                (t("2030-03-31T08:00:00Z"), t("2030-03-31T09:00:00Z")),
            ]
        );
    }

    #[test]
    fn kinds_are_normalised() {
        assert_eq!(parse_kind("  Laser   Device "), Some("laser device".into()));
        assert_eq!(parse_kind("   "), None);
    }
}
