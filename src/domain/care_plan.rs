//! Care plans: which emails a treatment sends, anchored on what, and when each goes out —
//! including quiet hours in the clinic's zone and skipping advice that would arrive too late.

use chrono::{DateTime, Datelike, Duration, Utc};
use chrono_tz::Tz;

use super::errors::FieldErrors;
use super::hours::WeeklyHours;
use super::message_words::{PLACEHOLDERS, unknown_placeholders};
use super::time::{boundary_instant, local_parts};

/// Which email a care plan step sends. It is also the kind of every outbox message (the
/// `kind` column of both tables holds `as_str()`): a message is always one step's email, so
/// there is one enum for both, here, and `domain::outbox` holds the message's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepKind {
    Confirmation,
    Preparation,
    Reminder,
    Aftercare,
    CheckIn,
    FollowUp,
    Missed,
    Cancellation,
}

impl StepKind {
    pub const ALL: [StepKind; 8] = [
        StepKind::Confirmation,
        StepKind::Preparation,
        StepKind::Reminder,
        StepKind::Aftercare,
        StepKind::CheckIn,
        StepKind::FollowUp,
        StepKind::Missed,
        StepKind::Cancellation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Confirmation => "confirmation",
            StepKind::Preparation => "preparation",
            StepKind::Reminder => "reminder",
            StepKind::Aftercare => "aftercare",
            StepKind::CheckIn => "check_in",
            StepKind::FollowUp => "follow_up",
            StepKind::Missed => "missed",
            StepKind::Cancellation => "cancellation",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        StepKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            StepKind::Confirmation => "Confirmation",
            StepKind::Preparation => "Preparation",
            StepKind::Reminder => "Reminder",
            StepKind::Aftercare => "Aftercare",
            StepKind::CheckIn => "Check-in",
            StepKind::FollowUp => "Follow-up / rebook",
            StepKind::Missed => "We missed you",
            StepKind::Cancellation => "Cancellation",
        }
    }

    /// Answers to something the patient just did go at once, night or not.
    pub fn ignores_quiet_hours(self) -> bool {
        matches!(self, StepKind::Confirmation | StepKind::Cancellation)
    }

    /// Patients may opt out of these (and only these): instructions for a booked session still go.
    /// "We missed you" invites a rebooking, so it carries the one-click opt-out too.
    pub fn can_opt_out(self) -> bool {
        matches!(
            self,
            StepKind::CheckIn | StepKind::FollowUp | StepKind::Missed
        )
    }

    /// For steps before the session: the latest a message is still useful, before the start.
    /// Preparation needs time to act on (pausing retinoids, avoiding sun); a reminder needs
    /// time to travel. Nothing start-anchored ever goes after the start.
    pub fn min_notice(self) -> Duration {
        match self {
            StepKind::Preparation => Duration::hours(12),
            _ => Duration::hours(1),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Anchor {
    Booked,
    Start,
    Completed,
    NoShow,
    Cancelled,
}

impl Anchor {
    pub const ALL: [Anchor; 5] = [
        Anchor::Booked,
        Anchor::Start,
        Anchor::Completed,
        Anchor::NoShow,
        Anchor::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Anchor::Booked => "booked",
            Anchor::Start => "start",
            Anchor::Completed => "completed",
            Anchor::NoShow => "no_show",
            Anchor::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Anchor::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Anchor::Booked => "when booked",
            Anchor::Start => "the appointment's start",
            Anchor::Completed => "the session's actual end",
            Anchor::NoShow => "a no-show",
            Anchor::Cancelled => "a cancellation",
        }
    }
}

/// "5 days before the appointment's start", "3 days after the session's actual end".
pub fn offset_label(offset_minutes: i32, anchor: Anchor) -> String {
    let m = offset_minutes.unsigned_abs();
    let amount = if m == 0 {
        return format!("at {}", anchor.label());
    } else if m.is_multiple_of(24 * 60) {
        plural(m / (24 * 60), "day")
    } else if m.is_multiple_of(60) {
        plural(m / 60, "hour")
    } else {
        plural(m, "minute")
    };
    let side = if offset_minutes < 0 {
        "before"
    } else {
        "after"
    };
    format!("{amount} {side} {}", anchor.label())
}

fn plural(n: u32, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// A step's editable part as typed in the care plan editor: its text, its offset in a unit, and
/// whether it is sent at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepForm {
    pub subject: String,
    pub body: String,
    pub offset: String,
    /// "days", "hours" or "minutes".
    pub offset_unit: String,
    pub active: bool,
    /// The short variant for patients booked inside the step's window (blank: none).
    pub late_body: String,
}

/// A step's new text and timing, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepEdit {
    pub subject: String,
    pub body: String,
    pub offset_minutes: i32,
    pub active: bool,
    pub late_body: String,
}

/// How far from its anchor a step may be, either side: a year (a leap one).
const MAX_OFFSET_MINUTES: u32 = 366 * 24 * 60;

impl StepForm {
    /// Parses the form, with a message for each field in error (subject, body, offset).
    pub fn parse(&self) -> Result<StepEdit, FieldErrors> {
        let mut errors = FieldErrors::new();
        let subject = self.subject.trim();
        let body = self.body.trim();
        if subject.is_empty() || subject.chars().count() > 200 {
            errors.add("subject", "A subject of 1 to 200 characters, please.");
        }
        if body.is_empty() || body.chars().count() > 10_000 {
            errors.add(
                "body",
                "The message needs some text (at most 10,000 characters).",
            );
        }
        let late_body = self.late_body.trim();
        if late_body.chars().count() > 10_000 {
            errors.add("late_body", "At most 10,000 characters, please.");
        }
        for (field, text) in [
            ("subject", subject),
            ("body", body),
            ("late_body", late_body),
        ] {
            let unknown = unknown_placeholders(text);
            if !unknown.is_empty() && errors.get(field).is_none() {
                let named: Vec<String> = unknown.iter().map(|u| format!("{{{u}}}")).collect();
                let known: Vec<String> = PLACEHOLDERS
                    .iter()
                    .map(|(k, _)| format!("{{{k}}}"))
                    .collect();
                errors.add(
                    field,
                    format!(
                        "Unknown placeholder {}. Use only: {}.",
                        named.join(", "),
                        known.join(", ")
                    ),
                );
            }
        }
        let factor: i32 = match self.offset_unit.as_str() {
            "days" => 24 * 60,
            "hours" => 60,
            "minutes" => 1,
            _ => {
                errors.add("offset", "Choose days, hours or minutes.");
                1
            }
        };
        let offset = match self.offset.trim().parse::<i32>() {
            Ok(v) if v.unsigned_abs() <= MAX_OFFSET_MINUTES / factor.unsigned_abs() => {
                Some(v * factor)
            }
            _ => {
                errors.add(
                    "offset",
                    "A whole number within a year, negative for before.",
                );
                None
            }
        };
        match offset {
            Some(offset_minutes) if errors.is_empty() => Ok(StepEdit {
                subject: subject.to_string(),
                body: body.to_string(),
                offset_minutes,
                active: self.active,
                late_body: late_body.to_string(),
            }),
            _ => Err(errors),
        }
    }
}

/// An offset in the largest whole unit the editor offers ("-5" days rather than "-7200"
/// minutes).
pub fn offset_in_units(minutes: i32) -> (String, &'static str) {
    if minutes % (24 * 60) == 0 {
        ((minutes / (24 * 60)).to_string(), "days")
    } else if minutes % 60 == 0 {
        ((minutes / 60).to_string(), "hours")
    } else {
        (minutes.to_string(), "minutes")
    }
}

/// The daily window (clinic-local minutes, start inclusive, end exclusive) in which non-urgent
/// email may go out; outside it a message waits for the next morning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendWindow {
    pub start: u16,
    pub end: u16,
}

impl Default for SendWindow {
    fn default() -> Self {
        Self {
            start: 8 * 60,
            end: 20 * 60,
        }
    }
}

impl SendWindow {
    /// `t` if it falls inside the window, else the window's next opening — on the clinic's wall
    /// clock, so 08:00 stays 08:00 across DST changes.
    pub fn next_open(&self, tz: Tz, t: DateTime<Utc>) -> DateTime<Utc> {
        let (date, minute) = local_parts(tz, t);
        if minute >= self.start && minute < self.end {
            return t;
        }
        let day = if minute < self.start {
            date
        } else {
            date.succ_opt().unwrap_or(date)
        };
        boundary_instant(tz, day, self.start)
    }
}

/// When a step's email is due, or why it is not sent at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Planned {
    At(DateTime<Utc>),
    Skip(&'static str),
}

/// Plans one step. `anchor_at` is the instant the step counts from; `start` the appointment's
/// start. A time already past (a booking made inside the step's window) goes promptly if still
/// useful; a start-anchored step that can no longer arrive in time is skipped.
// Eight independent inputs of a pure function; bundling them would only rename them.
#[allow(clippy::too_many_arguments)]
pub fn plan(
    kind: StepKind,
    anchor: Anchor,
    offset: Duration,
    anchor_at: DateTime<Utc>,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
    tz: Tz,
    window: SendWindow,
) -> Planned {
    let mut due = (anchor_at + offset).max(now);
    if !kind.ignores_quiet_hours() {
        due = window.next_open(tz, due);
    }
    if anchor == Anchor::Start && due > start - kind.min_notice() {
        return Planned::Skip("booked too close to the appointment for this to be useful");
    }
    Planned::At(due)
}

/// Messages that ask the patient to call if anything worries them: they should not arrive on a
/// day the clinic is closed and nobody answers.
pub fn wants_open_day(kind: StepKind) -> bool {
    matches!(kind, StepKind::CheckIn | StepKind::Missed)
}

/// `t`, or the same wall-clock time on the next day the clinic is open (then inside the sending
/// window). A clinic with no hours at all leaves `t` as it is.
pub fn on_open_day(
    t: DateTime<Utc>,
    tz: Tz,
    hours: &WeeklyHours,
    window: SendWindow,
) -> DateTime<Utc> {
    let (mut date, minute) = local_parts(tz, t);
    for _ in 0..7 {
        if !hours.on(date.weekday()).is_empty() {
            return if date == local_parts(tz, t).0 {
                t
            } else {
                window.next_open(tz, boundary_instant(tz, date, minute))
            };
        }
        date = date.succ_opt().unwrap_or(date);
    }
    t
}

/// Fills `{placeholders}` in a template; unknown ones stay as typed so a typo is visible.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close)
                if after[..close]
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_') =>
            {
                let key = &after[..close];
                match values.iter().find(|(k, _)| *k == key) {
                    Some((_, v)) => out.push_str(v),
                    None => out.push_str(&rest[open..open + close + 2]),
                }
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step_form(offset: &str, unit: &str) -> StepForm {
        StepForm {
            subject: " Before your peel ".into(),
            body: "Avoid the sun.".into(),
            offset: offset.into(),
            offset_unit: unit.into(),
            active: true,
            late_body: String::new(),
        }
    }

    #[test]
    fn a_step_form_reads_its_offset_in_the_unit_chosen() {
        let e = step_form("-5", "days").parse().unwrap();
        assert_eq!(e.offset_minutes, -5 * 24 * 60);
        assert_eq!(e.subject, "Before your peel");
        assert_eq!(
            step_form(" 3 ", "hours").parse().unwrap().offset_minutes,
            180
        );
        assert_eq!(
            step_form("366", "days").parse().unwrap().offset_minutes,
            527_040
        );
        assert_eq!(offset_in_units(-7200), ("-5".to_string(), "days"));
        assert_eq!(offset_in_units(90), ("90".to_string(), "minutes"));
    }

    #[test]
    fn unknown_placeholders_are_refused_with_the_known_ones() {
        let f = StepForm {
            body: "Hi {first_name}, see you {day}.".into(),
            late_body: "{when} {oops}".into(),
            ..step_form("-5", "days")
        };
        let e = f.parse().unwrap_err();
        let m = e.get("body").unwrap();
        assert!(
            m.starts_with("Unknown placeholder {first_name}. Use only: {patient_name},"),
            "{m}"
        );
        assert!(m.contains("{day}") && m.contains("{book_url}"));
        assert!(e.get("late_body").unwrap().contains("{oops}"));
        assert!(e.get("subject").is_none());
    }

    #[test]
    fn a_step_form_names_each_problem_by_its_field() {
        let e = step_form("367", "days").parse().unwrap_err();
        assert_eq!(
            e.get("offset"),
            Some("A whole number within a year, negative for before.")
        );
        let e = step_form("1", "weeks").parse().unwrap_err();
        assert_eq!(e.get("offset"), Some("Choose days, hours or minutes."));
        let blank = StepForm {
            subject: "  ".into(),
            body: String::new(),
            ..step_form("x", "days")
        };
        let e = blank.parse().unwrap_err();
        assert_eq!(
            e.get("subject"),
            Some("A subject of 1 to 200 characters, please.")
        );
        assert_eq!(
            e.get("body"),
            Some("The message needs some text (at most 10,000 characters).")
        );
        assert_eq!(e.len(), 3);
    }

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    const LONDON: Tz = chrono_tz::Europe::London;
    const NEW_YORK: Tz = chrono_tz::America::New_York;

    #[test]
    fn quiet_hours_wait_for_the_morning_on_the_wall_clock() {
        let w = SendWindow::default();
        // 21:30 BST → 08:00 BST next day.
        assert_eq!(
            w.next_open(LONDON, t("2030-06-03T20:30:00Z")),
            t("2030-06-04T07:00:00Z")
        );
        // 06:00 BST → 08:00 BST the same day; 12:00 stays.
        assert_eq!(
            w.next_open(LONDON, t("2030-06-04T05:00:00Z")),
            t("2030-06-04T07:00:00Z")
        );
        assert_eq!(
            w.next_open(LONDON, t("2030-06-04T11:00:00Z")),
            t("2030-06-04T11:00:00Z")
        );
        // The night the clocks go forward (London, 31 March 2030): 23:00 GMT → 08:00 BST = 07:00Z.
        assert_eq!(
            w.next_open(LONDON, t("2030-03-30T23:00:00Z")),
            t("2030-03-31T07:00:00Z")
        );
        // The night they go back (27 October 2030): 22:00 BST → 08:00 GMT = 08:00Z.
        assert_eq!(
            w.next_open(LONDON, t("2030-10-26T21:00:00Z")),
            t("2030-10-27T08:00:00Z")
        );
        // New York, 10 March 2030 (spring forward) and 3 November 2030 (fall back).
        assert_eq!(
            w.next_open(NEW_YORK, t("2030-03-10T03:00:00Z")),
            t("2030-03-10T12:00:00Z")
        );
        assert_eq!(
            w.next_open(NEW_YORK, t("2030-11-03T03:00:00Z")),
            t("2030-11-03T13:00:00Z")
        );
    }

    #[test]
    fn planning_respects_windows_and_usefulness() {
        let w = SendWindow::default();
        let start = t("2030-06-10T09:00:00Z"); // 10:00 BST
        let booked = t("2030-06-01T09:00:00Z");
        // Preparation 5 days before: 5 June 10:00 BST.
        let prep = plan(
            StepKind::Preparation,
            Anchor::Start,
            Duration::days(-5),
            start,
            start,
            booked,
            LONDON,
            w,
        );
        assert_eq!(prep, Planned::At(t("2030-06-05T09:00:00Z")));
        // Booked 2 days before: the preparation goes now (still useful), inside the window.
        let late = t("2030-06-08T13:00:00Z");
        assert_eq!(
            plan(
                StepKind::Preparation,
                Anchor::Start,
                Duration::days(-5),
                start,
                start,
                late,
                LONDON,
                w
            ),
            Planned::At(late)
        );
        // Booked 6 hours before: preparation skipped; the reminder still goes, promptly.
        let very_late = t("2030-06-10T03:00:00Z"); // 04:00 BST, night: waits for 08:00 BST
        assert!(matches!(
            plan(
                StepKind::Preparation,
                Anchor::Start,
                Duration::days(-5),
                start,
                start,
                very_late,
                LONDON,
                w
            ),
            Planned::Skip(_)
        ));
        assert_eq!(
            plan(
                StepKind::Reminder,
                Anchor::Start,
                Duration::hours(-24),
                start,
                start,
                very_late,
                LONDON,
                w
            ),
            Planned::At(t("2030-06-10T07:00:00Z"))
        );
        // Booked 30 minutes before: no reminder after (or right at) the start.
        let last_minute = t("2030-06-10T08:30:00Z");
        assert!(matches!(
            plan(
                StepKind::Reminder,
                Anchor::Start,
                Duration::hours(-24),
                start,
                start,
                last_minute,
                LONDON,
                w
            ),
            Planned::Skip(_)
        ));
        // A reminder due at night moves to the morning, unless that is too late: an 08:30
        // appointment's reminder 1 h before (07:30) would move to 08:00 — too late — skipped.
        let early = t("2030-06-10T07:30:00Z"); // 08:30 BST
        assert!(matches!(
            plan(
                StepKind::Reminder,
                Anchor::Start,
                Duration::hours(-1),
                early,
                early,
                booked,
                LONDON,
                w
            ),
            Planned::Skip(_)
        ));
        // Confirmations ignore quiet hours.
        let night = t("2030-06-01T23:30:00Z");
        assert_eq!(
            plan(
                StepKind::Confirmation,
                Anchor::Booked,
                Duration::zero(),
                night,
                start,
                night,
                LONDON,
                w
            ),
            Planned::At(night)
        );
        // Aftercare check-in 3 days after a completion at 17:40 BST: 17:40 BST three days on.
        let done = t("2030-06-10T16:40:00Z");
        assert_eq!(
            plan(
                StepKind::CheckIn,
                Anchor::Completed,
                Duration::days(3),
                done,
                start,
                done,
                LONDON,
                w
            ),
            Planned::At(t("2030-06-13T16:40:00Z"))
        );
    }

    #[test]
    fn check_ins_wait_for_a_day_the_clinic_is_open() {
        use crate::domain::hours::MinuteRange;
        let mut hours = WeeklyHours::default();
        for d in [chrono::Weekday::Mon, chrono::Weekday::Sat] {
            hours.add(d, MinuteRange::new(540, 1080).unwrap());
        }
        let w = SendWindow::default();
        // Sunday 9 June 2030 11:50 BST → Monday 10 June 11:50 BST.
        assert_eq!(
            on_open_day(t("2030-06-09T10:50:00Z"), LONDON, &hours, w),
            t("2030-06-10T10:50:00Z")
        );
        // Saturday stays.
        assert_eq!(
            on_open_day(t("2030-06-08T10:50:00Z"), LONDON, &hours, w),
            t("2030-06-08T10:50:00Z")
        );
        assert!(wants_open_day(StepKind::CheckIn) && !wants_open_day(StepKind::Aftercare));
    }

    #[test]
    fn fills_placeholders() {
        let v = [("name", "Ann"), ("when", "Tuesday")];
        assert_eq!(
            fill("Hi {name}, see you {when}.", &v),
            "Hi Ann, see you Tuesday."
        );
        assert_eq!(fill("{unknown} {name} {", &v), "{unknown} Ann {");
        assert_eq!(fill("{Name} {na me}", &v), "{Name} {na me}");
    }

    #[test]
    fn labels_offsets() {
        assert_eq!(
            offset_label(-5 * 24 * 60, Anchor::Start),
            "5 days before the appointment's start"
        );
        assert_eq!(
            offset_label(0, Anchor::Completed),
            "at the session's actual end"
        );
        assert_eq!(
            offset_label(-60, Anchor::Start),
            "1 hour before the appointment's start"
        );
        assert_eq!(
            offset_label(90, Anchor::NoShow),
            "90 minutes after a no-show"
        );
    }

    #[test]
    fn kinds_round_trip() {
        for k in StepKind::ALL {
            assert_eq!(StepKind::parse(k.as_str()), Some(k));
        }
        for a in Anchor::ALL {
            assert_eq!(Anchor::parse(a.as_str()), Some(a));
        }
        assert!(StepKind::FollowUp.can_opt_out() && !StepKind::Aftercare.can_opt_out());
    }
}
