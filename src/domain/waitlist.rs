//! The waitlist's rules (issue 11): what a patient may ask to wait for, which waiting entries a
//! freed slot is offered to and in what order, and how long an offer can be claimed.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::booking::PractitionerChoice;
use super::errors::FieldErrors;
use super::patient::{EmailAddress, PatientName};
use super::time::parse_date;

/// The longest date range one entry may wait for: long waits go stale, and a patient can join
/// again.
pub const MAX_RANGE_DAYS: i64 = 60;

/// The outbox kind of an offer email.
pub const OFFER_KIND: &str = "waitlist_offer";

/// An entry's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryStatus {
    Waiting,
    /// Claimed an offer: off the list.
    Booked,
    /// Left through a link (or erased).
    Left,
}

impl EntryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryStatus::Waiting => "waiting",
            EntryStatus::Booked => "booked",
            EntryStatus::Left => "left",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Waiting, Self::Booked, Self::Left]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// An offer's stored status; whether an open one has expired is judged at the moment it is
/// looked at ([`claim_state`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferStatus {
    Open,
    Claimed,
    /// Someone else got the slot first; the entry keeps waiting.
    Taken,
    /// The entry left the list.
    Withdrawn,
}

impl OfferStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OfferStatus::Open => "open",
            OfferStatus::Claimed => "claimed",
            OfferStatus::Taken => "taken",
            OfferStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Open, Self::Claimed, Self::Taken, Self::Withdrawn]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// What joining asks for, as typed (page form or API body).
#[derive(Debug, Clone, Default)]
pub struct JoinInput {
    pub from: String,
    pub to: String,
    pub practitioner: String,
    pub name: String,
    pub email: String,
}

/// A join request the rest of the system can trust.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinRequest {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub practitioner: PractitionerChoice,
    pub name: PatientName,
    pub email: EmailAddress,
}

impl JoinInput {
    /// Parses against the clinic's `today` and `last_bookable` day (today + its booking
    /// horizon): the range may not start in the past, must not end before it starts, spans at
    /// most [`MAX_RANGE_DAYS`], and stays inside the horizon (a later day could never be
    /// offered, since nobody can book it yet).
    pub fn parse(
        &self,
        today: NaiveDate,
        last_bookable: NaiveDate,
    ) -> Result<JoinRequest, FieldErrors> {
        let mut e = FieldErrors::new();
        let from = e.take("from", parse_date(&self.from));
        let to = if self.to.trim().is_empty() {
            // One day: the day the patient found full.
            from
        } else {
            e.take("to", parse_date(&self.to))
        };
        if let Some(f) = from
            && f < today
        {
            e.add("from", "Choose a date from today on.");
        }
        let beyond = |d: NaiveDate| d > last_bookable;
        let horizon = format!(
            "Bookings open at most {} days ahead: choose a date up to {}.",
            (last_bookable - today).num_days(),
            last_bookable.format("%Y-%m-%d")
        );
        if from.is_some_and(beyond) {
            e.add("from", horizon.clone());
        } else if to.is_some_and(beyond) {
            e.add("to", horizon);
        }
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                e.add("to", "The last date must be on or after the first.");
            } else if (t - f).num_days() >= MAX_RANGE_DAYS {
                e.add(
                    "to",
                    format!("Choose a range of at most {MAX_RANGE_DAYS} days."),
                );
            }
        }
        let practitioner = e.take(
            "practitioner",
            PractitionerChoice::parse(&self.practitioner),
        );
        let name = e.take("name", PatientName::parse(&self.name));
        let email = e.take("email", EmailAddress::parse(&self.email));
        match (from, to, practitioner, name, email) {
            (Some(from), Some(to), Some(practitioner), Some(name), Some(email)) if e.is_empty() => {
                Ok(JoinRequest {
                    from,
                    to,
                    practitioner,
                    name,
                    email,
                })
            }
            _ => Err(e),
        }
    }
}

/// A waiting entry as the matching rule needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub id: i32,
    pub treatment_id: i32,
    pub practitioner_id: Option<i32>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub created_at: DateTime<Utc>,
}

/// A slot that just came free: who, when (its clinic date), and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freed {
    pub practitioner_id: i32,
    pub date: NaiveDate,
    pub start: DateTime<Utc>,
}

/// Whether an entry waits for this freed slot by its own terms: the slot's clinic date inside
/// its range, and its practitioner if it named one. Whether the treatment fits (the
/// practitioner performs it, its duration fits the gap, its devices are free) is the
/// availability rule's to say, asked per treatment by the caller.
pub fn wants(entry: &Waiting, freed: &Freed) -> bool {
    entry.from <= freed.date
        && freed.date <= entry.to
        && entry
            .practitioner_id
            .is_none_or(|p| p == freed.practitioner_id)
}

/// The entries to offer a freed slot to: those that want it, whose treatment `fits`, that hold
/// no open offer overlapping it (`busy`), first joined first, at most `n`.
pub fn pick<'a>(
    entries: &'a [Waiting],
    freed: &Freed,
    fits: impl Fn(&Waiting) -> bool,
    busy: impl Fn(&Waiting) -> bool,
    n: usize,
) -> Vec<&'a Waiting> {
    let mut matching: Vec<&Waiting> = entries
        .iter()
        .filter(|e| wants(e, freed) && !busy(e) && fits(e))
        .collect();
    matching.sort_by_key(|e| (e.created_at, e.id));
    matching.truncate(n);
    matching
}

/// Where an offer stands at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimState {
    /// Its email hasn't gone out yet (held by quiet hours): nobody has its link.
    NotSent,
    Open {
        until: DateTime<Utc>,
    },
    Expired,
}

/// An open offer can be claimed for `window` after its email was SENT (so a quiet-hours hold
/// eats nothing of it), and never once the slot can no longer be booked online (its start
/// minus the lead time).
pub fn claim_state(
    now: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    window: Duration,
    start: DateTime<Utc>,
    lead_time: Duration,
) -> ClaimState {
    let Some(sent) = sent_at else {
        return ClaimState::NotSent;
    };
    let until = (sent + window).min(start - lead_time);
    if now < until {
        ClaimState::Open { until }
    } else {
        ClaimState::Expired
    }
}

/// Whether two spans overlap (half-open).
pub fn overlaps(a: (DateTime<Utc>, DateTime<Utc>), b: (DateTime<Utc>, DateTime<Utc>)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 10, h, 0, 0).unwrap()
    }

    fn entry(id: i32, p: Option<i32>, from: &str, to: &str, joined: u32) -> Waiting {
        Waiting {
            id,
            treatment_id: 1,
            practitioner_id: p,
            from: d(from),
            to: d(to),
            created_at: at(joined),
        }
    }

    fn input(from: &str, to: &str) -> JoinInput {
        JoinInput {
            from: from.into(),
            to: to.into(),
            practitioner: "".into(),
            name: "Ana Diaz".into(),
            email: "ana@example.com".into(),
        }
    }

    #[test]
    fn a_range_is_in_the_future_ordered_and_bounded() {
        let today = d("2026-06-10");
        let last = d("2026-09-08");
        let ok = input("2026-06-10", "2026-06-12")
            .parse(today, last)
            .unwrap();
        assert_eq!((ok.from, ok.to), (d("2026-06-10"), d("2026-06-12")));
        let one = input("2026-06-11", "").parse(today, last).unwrap();
        assert_eq!(one.to, d("2026-06-11"));
        let past = input("2026-06-09", "2026-06-12")
            .parse(today, last)
            .unwrap_err();
        assert!(past.get("from").is_some());
        let back = input("2026-06-12", "2026-06-11")
            .parse(today, last)
            .unwrap_err();
        assert!(back.get("to").is_some());
        let long = input("2026-06-10", "2026-08-30")
            .parse(today, last)
            .unwrap_err();
        assert!(long.get("to").is_some());
        let junk = JoinInput {
            email: "nope".into(),
            name: "".into(),
            ..input("soon", "")
        }
        .parse(today, last)
        .unwrap_err();
        for f in ["from", "email", "name"] {
            assert!(junk.get(f).is_some(), "{f}");
        }
    }

    #[test]
    fn a_range_stays_inside_the_booking_horizon() {
        let today = d("2026-06-10");
        let last = d("2026-06-24");
        let edge = input("2026-06-20", "2026-06-24")
            .parse(today, last)
            .unwrap();
        assert_eq!(edge.to, last);
        let late_end = input("2026-06-20", "2026-06-25")
            .parse(today, last)
            .unwrap_err();
        assert_eq!(
            late_end.get("to"),
            Some("Bookings open at most 14 days ahead: choose a date up to 2026-06-24.")
        );
        assert!(late_end.get("from").is_none());
        let late_start = input("2026-06-25", "").parse(today, last).unwrap_err();
        assert!(late_start.get("from").is_some());
        assert!(late_start.get("to").is_none());
    }

    #[test]
    fn entries_want_their_dates_and_their_practitioner() {
        let freed = Freed {
            practitioner_id: 2,
            date: d("2026-06-10"),
            start: at(10),
        };
        assert!(wants(
            &entry(1, None, "2026-06-10", "2026-06-10", 1),
            &freed
        ));
        assert!(wants(
            &entry(1, Some(2), "2026-06-01", "2026-06-30", 1),
            &freed
        ));
        assert!(!wants(
            &entry(1, Some(3), "2026-06-01", "2026-06-30", 1),
            &freed
        ));
        assert!(!wants(
            &entry(1, None, "2026-06-11", "2026-06-12", 1),
            &freed
        ));
        assert!(!wants(
            &entry(1, None, "2026-06-01", "2026-06-09", 1),
            &freed
        ));
    }

    #[test]
    fn first_joined_first_at_most_n_and_no_busy_or_unfit_entry() {
        let freed = Freed {
            practitioner_id: 2,
            date: d("2026-06-10"),
            start: at(10),
        };
        let es = vec![
            entry(5, None, "2026-06-10", "2026-06-10", 5),
            entry(1, None, "2026-06-10", "2026-06-10", 3),
            entry(2, None, "2026-06-10", "2026-06-10", 1),
            entry(3, Some(9), "2026-06-10", "2026-06-10", 0),
            entry(4, None, "2026-06-10", "2026-06-10", 2),
            entry(6, None, "2026-06-10", "2026-06-10", 4),
        ];
        let ids = |v: Vec<&Waiting>| v.into_iter().map(|e| e.id).collect::<Vec<_>>();
        assert_eq!(ids(pick(&es, &freed, |_| true, |_| false, 3)), [2, 4, 1]);
        assert_eq!(
            ids(pick(&es, &freed, |e| e.id != 4, |e| e.id == 2, 3)),
            [1, 6, 5]
        );
    }

    #[test]
    fn claims_run_from_the_send_and_end_with_the_slot() {
        let w = Duration::hours(12);
        let lead = Duration::hours(2);
        let start = at(0) + Duration::days(3);
        assert_eq!(
            claim_state(at(1), None, w, start, lead),
            ClaimState::NotSent
        );
        assert_eq!(
            claim_state(at(1), Some(at(0)), w, start, lead),
            ClaimState::Open { until: at(12) }
        );
        assert_eq!(
            claim_state(at(12), Some(at(0)), w, start, lead),
            ClaimState::Expired
        );
        // A slot early tomorrow: the lead time ends the claim first.
        let soon = at(0) + Duration::hours(10);
        assert_eq!(
            claim_state(at(1), Some(at(0)), w, soon, lead),
            ClaimState::Open { until: at(8) }
        );
        assert_eq!(
            claim_state(at(8), Some(at(0)), w, soon, lead),
            ClaimState::Expired
        );
    }

    #[test]
    fn statuses_round_trip() {
        for s in [EntryStatus::Waiting, EntryStatus::Booked, EntryStatus::Left] {
            assert_eq!(EntryStatus::parse(s.as_str()), Some(s));
        }
        for s in [
            OfferStatus::Open,
            OfferStatus::Claimed,
            OfferStatus::Taken,
            OfferStatus::Withdrawn,
        ] {
            assert_eq!(OfferStatus::parse(s.as_str()), Some(s));
        }
        assert!(overlaps((at(1), at(3)), (at(2), at(4))));
        assert!(!overlaps((at(1), at(2)), (at(2), at(4))));
    }
}
