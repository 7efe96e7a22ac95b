//! The desk's rules beyond the state machine, pure: when a session may be marked a no-show or
//! completed, which actions a page offers, and what staff may type.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::domain::appointment::{Action, Status, transition};
use crate::domain::hours::parse_minute;
use crate::domain::time::{LocalInstant, resolve_local, time_label};

pub const NOTE_MAX_CHARS: usize = 2000;
pub const REASON_MAX_CHARS: usize = 500;

/// A no-show is a fact about the past: nobody can miss an appointment that hasn't started.
pub fn no_show_allowed(
    tz: Tz,
    status: Status,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Status, String> {
    let to = transition(status, Action::NoShow)?;
    if now < starts_at {
        return Err(format!(
            "It can be marked as a no-show once its start time ({}) has passed.",
            time_label(tz, starts_at)
        ));
    }
    Ok(to)
}

/// The recorded end of a session must fall after its start and not in the future (aftercare is
/// timed from it).
pub fn check_completion(
    tz: Tz,
    starts_at: DateTime<Utc>,
    ended_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), String> {
    if ended_at <= starts_at {
        return Err(format!(
            "The end must be after the session started ({}).",
            time_label(tz, starts_at)
        ));
    }
    if ended_at > now {
        return Err(format!(
            "The end can't be in the future (it is {} now).",
            time_label(tz, now)
        ));
    }
    Ok(())
}

/// Reads the "ended at" time typed for a session held on local `date` ("HH:MM", clinic time).
/// A time the clocks skipped is refused; one they repeated is taken at the occurrence that
/// passes the completion rules (the earlier one when both do).
pub fn completion_time(
    tz: Tz,
    date: NaiveDate,
    input: &str,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, String> {
    let input = input.trim();
    if input.is_empty() {
        return Err("Please enter the time the session ended.".into());
    }
    let minute = parse_minute(input)
        .ok()
        .filter(|m| *m < 24 * 60)
        .ok_or_else(|| "Please enter the end as a time of day, e.g. 14:30.".to_string())?;
    let candidates = match resolve_local(tz, date, minute) {
        LocalInstant::Single(t) => vec![t],
        LocalInstant::Twice(a, b) => vec![a, b],
        LocalInstant::Skipped => {
            return Err(format!(
                "{input} didn't happen on {}: the clocks went forward.",
                date.format("%-d %B")
            ));
        }
    };
    let mut first_problem = None;
    for t in candidates {
        match check_completion(tz, starts_at, t, now) {
            Ok(()) => return Ok(t),
            Err(e) => {
                first_problem.get_or_insert(e);
            }
        }
    }
    Err(first_problem.unwrap_or_default())
}

/// The "ended at" a completion form starts with: now, when the session is today and has
/// started; otherwise its scheduled end (a session completed afterwards, from the record).
pub fn default_completion_minute(
    tz: Tz,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> String {
    let local_date = |t: DateTime<Utc>| t.with_timezone(&tz).date_naive();
    if local_date(now) == local_date(starts_at) && now > starts_at {
        time_label(tz, now)
    } else {
        time_label(tz, ends_at)
    }
}

/// The actions an appointment page offers now. `manages_bookings`: admin and front desk, who
/// may also cancel and reschedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Offer {
    pub check_in: bool,
    pub complete: bool,
    pub no_show: bool,
    pub cancel: bool,
    pub reschedule: bool,
}

impl Offer {
    pub fn any(&self) -> bool {
        self.check_in || self.complete || self.no_show || self.cancel || self.reschedule
    }
}

pub fn offered(
    status: Status,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
    manages_bookings: bool,
) -> Offer {
    let allows = |a| transition(status, a).is_ok();
    let started = now > starts_at;
    Offer {
        check_in: allows(Action::CheckIn),
        // There is no valid end time before the session starts.
        complete: allows(Action::Complete) && started,
        no_show: allows(Action::NoShow) && now >= starts_at,
        cancel: manages_bookings && allows(Action::Cancel),
        reschedule: manages_bookings && allows(Action::Reschedule),
    }
}

/// A staff note: not empty, and bounded.
const FREE_TEXT_CHARS: &str = "Control characters and invisible formatting characters (such as text-direction overrides) can't be used here.";

pub fn parse_note(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("Please write the note first.".into());
    }
    if s.chars().count() > NOTE_MAX_CHARS {
        return Err(format!(
            "A note can be at most {NOTE_MAX_CHARS} characters."
        ));
    }
    if s.chars().any(|c| super::input::refused_char(c, true)) {
        return Err(FREE_TEXT_CHARS.into());
    }
    Ok(s.to_string())
}

/// Staff say why they cancel: the trail (and the patient's record) should tell later.
pub fn parse_cancel_reason(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("Please give a reason for cancelling.".into());
    }
    if s.chars().count() > REASON_MAX_CHARS {
        return Err(format!(
            "A reason can be at most {REASON_MAX_CHARS} characters."
        ));
    }
    if s.chars().any(|c| super::input::refused_char(c, true)) {
        return Err(FREE_TEXT_CHARS.into());
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn london() -> Tz {
        "Europe/London".parse().unwrap()
    }

    #[test]
    fn no_show_only_after_the_start() {
        let start = t("2030-06-03T08:00:00Z");
        assert!(
            no_show_allowed(london(), Status::Booked, start, t("2030-06-03T07:59:00Z")).is_err()
        );
        assert_eq!(
            no_show_allowed(london(), Status::Booked, start, start),
            Ok(Status::NoShow)
        );
        assert_eq!(
            no_show_allowed(
                london(),
                Status::CheckedIn,
                start,
                t("2030-06-03T09:00:00Z")
            ),
            Err("A checked-in appointment cannot be marked as a no-show.".into())
        );
        let e = no_show_allowed(london(), Status::Booked, start, t("2030-06-03T07:00:00Z"))
            .unwrap_err();
        assert!(e.contains("09:00"), "{e}");
    }

    #[test]
    fn completion_times_are_read_on_the_sessions_day() {
        let tz = london();
        let date = NaiveDate::from_ymd_opt(2030, 6, 3).unwrap();
        let start = t("2030-06-03T08:00:00Z"); // 09:00 BST
        let now = t("2030-06-03T09:00:00Z"); // 10:00 BST
        assert_eq!(
            completion_time(tz, date, "09:50", start, now),
            Ok(t("2030-06-03T08:50:00Z"))
        );
        assert_eq!(
            completion_time(tz, date, "10:00", start, now),
            Ok(now),
            "up to now"
        );
        for (bad, says) in [
            ("", "enter the time"),
            ("nine", "time of day"),
            ("24:00", "time of day"),
            ("08:59", "after the session started"),
            ("09:00", "after the session started"),
            ("10:01", "future"),
        ] {
            let e = completion_time(tz, date, bad, start, now).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn completion_times_on_dst_days() {
        let tz = london();
        // Spring 2030-03-31: 01:30 never happened.
        let spring = NaiveDate::from_ymd_opt(2030, 3, 31).unwrap();
        let e = completion_time(
            tz,
            spring,
            "01:30",
            t("2030-03-31T00:00:00Z"),
            t("2030-03-31T12:00:00Z"),
        )
        .unwrap_err();
        assert!(e.contains("clocks went forward"), "{e}");
        // Autumn 2030-10-27: 01:30 happened twice; a session that began at 01:45 BST (00:45
        // UTC) can only have ended at the second 01:30 (GMT).
        let autumn = NaiveDate::from_ymd_opt(2030, 10, 27).unwrap();
        assert_eq!(
            completion_time(
                tz,
                autumn,
                "01:30",
                t("2030-10-27T00:45:00Z"),
                t("2030-10-27T12:00:00Z")
            ),
            Ok(t("2030-10-27T01:30:00Z"))
        );
    }

    #[test]
    fn the_form_starts_at_now_or_the_scheduled_end() {
        let tz = london();
        let (start, end) = (t("2030-06-03T08:00:00Z"), t("2030-06-03T08:45:00Z"));
        assert_eq!(
            default_completion_minute(tz, start, end, t("2030-06-03T08:52:00Z")),
            "09:52"
        );
        assert_eq!(
            default_completion_minute(tz, start, end, t("2030-06-05T08:52:00Z")),
            "09:45"
        );
    }

    #[test]
    fn offers_follow_the_state_machine_the_clock_and_the_role() {
        let start = t("2030-06-03T08:00:00Z");
        let before = t("2030-06-03T07:00:00Z");
        let after = t("2030-06-03T08:30:00Z");
        let o = offered(Status::Booked, start, before, true);
        assert_eq!(
            o,
            Offer {
                check_in: true,
                complete: false,
                no_show: false,
                cancel: true,
                reschedule: true
            }
        );
        let o = offered(Status::Booked, start, after, false);
        assert!(o.check_in && o.complete && o.no_show && !o.cancel && !o.reschedule);
        let o = offered(Status::CheckedIn, start, after, true);
        assert!(!o.check_in && o.complete && !o.no_show && o.cancel && !o.reschedule);
        assert!(!offered(Status::Completed, start, after, true).any());
        assert!(!offered(Status::Cancelled, start, after, true).any());
        assert!(!offered(Status::NoShow, start, after, true).any());
    }

    #[test]
    fn notes_and_reasons() {
        assert!(parse_note("  ").is_err());
        assert_eq!(
            parse_note(" Allergic to latex ").unwrap(),
            "Allergic to latex"
        );
        assert!(parse_note(&"x".repeat(NOTE_MAX_CHARS + 1)).is_err());
        assert!(parse_cancel_reason("").is_err());
        assert!(parse_cancel_reason(&"x".repeat(501)).is_err());
        assert_eq!(parse_cancel_reason(" ill ").unwrap(), "ill");
    }
}
