//! Words in a patient email that depend on when it is read: computed when the message is
//! rendered for sending (not when it was planned), in the clinic's zone, so "tomorrow" is never
//! wrong because quiet hours or a retry held the message into the next day.

use chrono::{DateTime, Datelike, Duration, Utc};
use chrono_tz::Tz;

use super::time::{datetime_label, today};

/// The session's day as seen from `now`: "today", "tomorrow", "yesterday", or "on Tuesday 11
/// June" (with the year when it is not this year's).
pub fn day_word(tz: Tz, now: DateTime<Utc>, at: DateTime<Utc>) -> String {
    let from = today(tz, now);
    let day = at.with_timezone(&tz).date_naive();
    match (day - from).num_days() {
        0 => "today".into(),
        1 => "tomorrow".into(),
        -1 => "yesterday".into(),
        _ if day.year() == from.year() => format!("on {}", day.format("%A %-d %B")),
        _ => format!("on {}", day.format("%A %-d %B %Y")),
    }
}

/// A session length as a sentence says it: "45 minutes", "1 hour 30 minutes", "2 hours".
pub fn length_words(minutes: i32) -> String {
    let unit = |n: i32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    match (minutes / 60, minutes % 60) {
        (0, m) => unit(m, "minute", "minutes"),
        (h, 0) => unit(h, "hour", "hours"),
        (h, m) => format!(
            "{} {}",
            unit(h, "hour", "hours"),
            unit(m, "minute", "minutes")
        ),
    }
}

/// The last moment the patient may still move or cancel online.
pub fn change_deadline(start: DateTime<Utc>, cutoff: Duration) -> DateTime<Utc> {
    start - cutoff
}

/// Whether the online change cut-off has passed at `now` (the manage page then refuses changes).
pub fn past_change_cutoff(now: DateTime<Utc>, start: DateTime<Utc>, cutoff: Duration) -> bool {
    now > change_deadline(start, cutoff)
}

/// How late an email may go after the moment its step names (a retry, quiet hours) and still
/// be read as sent on time; past this, a step with a short variant for late bookings uses it.
pub const LATE_AFTER: Duration = Duration::hours(12);

/// Whether a step meant for `intended` is being sent late enough that the patient no longer has
/// the time its advice assumes (booked inside the step's window, or moved closer).
pub fn is_late(now: DateTime<Utc>, intended: DateTime<Utc>) -> bool {
    now > intended + LATE_AFTER
}

/// The closing line of a reminder: the online change while it still works, the phone after.
pub fn change_or_call(
    tz: Tz,
    now: DateTime<Utc>,
    start: DateTime<Utc>,
    cutoff: Duration,
    phone: &str,
) -> String {
    if past_change_cutoff(now, start, cutoff) {
        format!(
            "If you can no longer come, please call us on {phone}: it is now too close to your \
             appointment to change it online."
        )
    } else {
        format!(
            "If you can no longer come, you can move or cancel your appointment online until {} \
             (use the button below), or call us on {phone}.",
            datetime_label(tz, change_deadline(start, cutoff))
        )
    }
}

/// Who cancelled, as the cancellation email must say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelledBy {
    Patient,
    Clinic,
}

/// The cancellation email's own paragraph: a confirmation when the patient cancelled; an
/// apology, the reason staff gave (if any) and how to rebook when the clinic did.
pub fn cancel_note(by: CancelledBy, reason: Option<&str>, phone: &str) -> String {
    match by {
        CancelledBy::Patient => {
            "This confirms the cancellation you made; there is nothing more you need to do.".into()
        }
        CancelledBy::Clinic => {
            let reason = reason
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(|r| format!(" The reason: {r}."))
                .unwrap_or_default();
            format!(
                "We are very sorry: the clinic had to cancel this appointment.{reason} \
                 Please book a new time that suits you with the link below, or call us on {phone} \
                 and we will find one with you."
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LONDON: Tz = chrono_tz::Europe::London;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn day_words_follow_the_clinics_calendar_day() {
        let start = t("2030-06-11T09:00:00Z"); // Tuesday 10:00 BST
        // 00:30 BST on the day (still the 10th in UTC).
        assert_eq!(day_word(LONDON, t("2030-06-10T23:30:00Z"), start), "today");
        assert_eq!(
            day_word(LONDON, t("2030-06-10T07:00:00Z"), start),
            "tomorrow"
        );
        assert_eq!(
            day_word(LONDON, t("2030-06-12T07:00:00Z"), start),
            "yesterday"
        );
        assert_eq!(
            day_word(LONDON, t("2030-06-03T07:00:00Z"), start),
            "on Tuesday 11 June"
        );
        assert_eq!(
            day_word(LONDON, t("2029-12-30T07:00:00Z"), start),
            "on Tuesday 11 June 2030"
        );
    }

    #[test]
    fn lengths_and_lateness() {
        assert_eq!(length_words(45), "45 minutes");
        assert_eq!(length_words(90), "1 hour 30 minutes");
        assert_eq!(length_words(120), "2 hours");
        let intended = t("2030-06-06T09:00:00Z");
        assert!(!is_late(t("2030-06-06T20:00:00Z"), intended));
        assert!(is_late(t("2030-06-07T09:00:01Z"), intended));
    }

    #[test]
    fn the_change_line_turns_to_the_phone_after_the_cutoff() {
        let start = t("2030-06-11T09:00:00Z");
        let line = change_or_call(
            LONDON,
            t("2030-06-09T09:00:00Z"),
            start,
            Duration::hours(24),
            "+44 1",
        );
        assert!(
            line.contains("online until Monday 10 June 2030 at 10:00 (BST)"),
            "{line}"
        );
        let line = change_or_call(
            LONDON,
            t("2030-06-10T09:00:01Z"),
            start,
            Duration::hours(24),
            "+44 1",
        );
        assert!(line.contains("please call us on +44 1") && !line.contains("button"));
    }

    #[test]
    fn the_clinic_apologises_when_it_cancels() {
        let p = cancel_note(CancelledBy::Patient, Some("ill"), "+44 1");
        assert!(p.contains("cancellation you made") && !p.contains("ill"));
        let c = cancel_note(CancelledBy::Clinic, Some("Practitioner unwell"), "+44 1");
        assert!(c.contains("very sorry") && c.contains("The reason: Practitioner unwell."));
        assert!(!cancel_note(CancelledBy::Clinic, None, "+44 1").contains("reason"));
    }
}
