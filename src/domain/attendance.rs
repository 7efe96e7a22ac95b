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

/// A check-in happens on the appointment's own clinic day: a tap on next week's row is a
/// mistake, not an arrival.
pub fn check_in_allowed(
    tz: Tz,
    status: Status,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Status, String> {
    let to = transition(status, Action::CheckIn)?;
    let day = |t: DateTime<Utc>| t.with_timezone(&tz).date_naive();
    if day(now) != day(starts_at) {
        return Err(format!(
            "It can be checked in only on the day of the appointment ({}).",
            day(starts_at).format("%A %-d %B %Y")
        ));
    }
    Ok(to)
}

/// The audit actions of the status moves that the desk may take back.
pub const UNDOABLE: [&str; 3] = [
    "appointment.check_in",
    "appointment.complete",
    "appointment.no_show",
];

/// The audit actions that move an appointment's status (the last of them is what an undo
/// would take back).
pub const STATUS_CHANGES: [&str; 7] = [
    "appointment.book",
    "appointment.cancel",
    "appointment.reschedule",
    "appointment.check_in",
    "appointment.complete",
    "appointment.no_show",
    "appointment.undo",
];

/// The last status change as the trail recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastChange {
    pub action: String,
    pub at: DateTime<Utc>,
    pub from: Option<Status>,
    pub to: Option<Status>,
}

/// What "Undo" would do: the status it goes back to and how the button names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undo {
    pub back_to: Status,
    pub label: &'static str,
}

/// Whether the last status change may be taken back now: a check-in, completion or no-show,
/// made on the same clinic day as now, that is still the appointment's state.
pub fn undo_allowed(
    tz: Tz,
    current: Status,
    last: Option<&LastChange>,
    now: DateTime<Utc>,
) -> Result<Undo, String> {
    let nothing = || "There is no check-in, completion or no-show to undo.".to_string();
    let last = last.ok_or_else(nothing)?;
    let label = match last.action.as_str() {
        "appointment.check_in" => "Undo check-in",
        "appointment.complete" => "Undo completion",
        "appointment.no_show" => "Undo no-show",
        _ => return Err(nothing()),
    };
    let (Some(from), Some(to)) = (last.from, last.to) else {
        return Err(nothing());
    };
    if to != current {
        return Err(nothing());
    }
    let day = |t: DateTime<Utc>| t.with_timezone(&tz).date_naive();
    if day(last.at) != day(now) {
        return Err(format!(
            "A status change can be undone only on the day it was made ({}).",
            day(last.at).format("%A %-d %B %Y")
        ));
    }
    Ok(Undo {
        back_to: from,
        label,
    })
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
    tz: Tz,
    status: Status,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
    manages_bookings: bool,
) -> Offer {
    let allows = |a| transition(status, a).is_ok();
    let started = now > starts_at;
    Offer {
        check_in: allows(Action::CheckIn) && check_in_allowed(tz, status, starts_at, now).is_ok(),
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
        let tz = london();
        let o = offered(tz, Status::Booked, start, before, true);
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
        let o = offered(tz, Status::Booked, start, after, false);
        assert!(o.check_in && o.complete && o.no_show && !o.cancel && !o.reschedule);
        let o = offered(tz, Status::CheckedIn, start, after, true);
        assert!(!o.check_in && o.complete && !o.no_show && o.cancel && !o.reschedule);
        assert!(!offered(tz, Status::Completed, start, after, true).any());
        assert!(!offered(tz, Status::Cancelled, start, after, true).any());
        assert!(!offered(tz, Status::NoShow, start, after, true).any());
    }

    #[test]
    fn check_in_only_on_the_appointments_day() {
        let tz = london();
        let start = t("2030-06-03T08:00:00Z"); // 09:00 BST, Monday 3 June
        // 00:30 BST on the day is the day; 23:30 BST the evening before is not.
        assert_eq!(
            check_in_allowed(tz, Status::Booked, start, t("2030-06-02T23:30:00Z")),
            Ok(Status::CheckedIn)
        );
        let e = check_in_allowed(tz, Status::Booked, start, t("2030-06-02T22:30:00Z")).unwrap_err();
        assert!(
            e.contains("only on the day") && e.contains("Monday 3 June 2030"),
            "{e}"
        );
        assert!(check_in_allowed(tz, Status::Booked, start, t("2030-06-03T23:30:00Z")).is_err());
        assert!(!offered(tz, Status::Booked, start, t("2030-06-01T08:00:00Z"), true).check_in);
        assert!(offered(tz, Status::Booked, start, t("2030-06-03T07:00:00Z"), true).check_in);
    }

    #[test]
    fn undo_only_the_last_move_on_its_day() {
        let tz = london();
        let change = |action: &str, at: &str, from, to| LastChange {
            action: action.into(),
            at: t(at),
            from: Some(from),
            to: Some(to),
        };
        let ns = change(
            "appointment.no_show",
            "2030-06-03T09:00:00Z",
            Status::Booked,
            Status::NoShow,
        );
        assert_eq!(
            undo_allowed(tz, Status::NoShow, Some(&ns), t("2030-06-03T22:59:00Z")),
            Ok(Undo {
                back_to: Status::Booked,
                label: "Undo no-show"
            })
        );
        // Midnight in London (BST) has passed: the clinic day is over.
        let e = undo_allowed(tz, Status::NoShow, Some(&ns), t("2030-06-03T23:01:00Z")).unwrap_err();
        assert!(e.contains("only on the day"), "{e}");
        // Something else happened since.
        assert!(undo_allowed(tz, Status::Booked, Some(&ns), t("2030-06-03T10:00:00Z")).is_err());
        let done = change(
            "appointment.complete",
            "2030-06-03T09:00:00Z",
            Status::CheckedIn,
            Status::Completed,
        );
        assert_eq!(
            undo_allowed(
                tz,
                Status::Completed,
                Some(&done),
                t("2030-06-03T10:00:00Z")
            )
            .map(|u| u.back_to),
            Ok(Status::CheckedIn)
        );
        let cancel = change(
            "appointment.cancel",
            "2030-06-03T09:00:00Z",
            Status::Booked,
            Status::Cancelled,
        );
        assert!(
            undo_allowed(
                tz,
                Status::Cancelled,
                Some(&cancel),
                t("2030-06-03T10:00:00Z")
            )
            .is_err()
        );
        assert!(undo_allowed(tz, Status::Booked, None, t("2030-06-03T10:00:00Z")).is_err());
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
