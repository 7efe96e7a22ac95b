//! Words in a patient email that depend on when it is read: computed when the message is
//! rendered for sending (not when it was planned), in the clinic's zone, so "tomorrow" is never
//! wrong because quiet hours or a retry held the message into the next day.

use chrono::{DateTime, Datelike, Duration, Utc};
use chrono_tz::Tz;

use super::time::{datetime_label, time_label, today};

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

/// Every placeholder a care plan text may use, with what it becomes. The editor refuses any
/// other, so a typo never goes out to a patient as typed.
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    ("patient_name", "the patient's name"),
    ("treatment", "the treatment, lower case"),
    ("treatment_name", "the treatment, as named"),
    ("when", "the session's date and time"),
    (
        "day",
        "today, tomorrow, yesterday or on Tuesday 11 June, as true when the email is sent",
    ),
    ("time", "the session's start time"),
    ("duration", "how long the session takes"),
    ("practitioner", "who performs it"),
    ("price", "its price range, in the clinic's currency"),
    (
        "change_until",
        "until when it can be moved or cancelled online",
    ),
    (
        "change_or_call",
        "how to move or cancel: online while it can be, else by phone",
    ),
    (
        "cancel_note",
        "in a cancellation: who cancelled, with the clinic's apology and reason",
    ),
    ("clinic_name", "the clinic's name"),
    ("clinic_phone", "the clinic's phone"),
    ("clinic_address", "the clinic's address"),
    ("manage_url", "the link to the appointment"),
    ("book_url", "the link to book the treatment again"),
];

/// What the placeholders of one email are made from.
pub struct Facts<'a> {
    /// When the email is rendered: date words and the cut-off are judged at this moment.
    pub now: DateTime<Utc>,
    pub tz: Tz,
    pub cutoff: Duration,
    pub patient_name: &'a str,
    pub treatment_name: &'a str,
    pub start: DateTime<Utc>,
    pub duration_minutes: i32,
    pub practitioner: &'a str,
    pub price: String,
    pub clinic_name: &'a str,
    pub clinic_phone: &'a str,
    pub clinic_address: &'a str,
    pub manage_url: &'a str,
    pub book_url: &'a str,
}

/// The value of every placeholder but `cancel_note` (the renderer adds it for cancellations).
pub fn placeholder_values(f: &Facts<'_>) -> Vec<(&'static str, String)> {
    let (tz, start) = (f.tz, f.start);
    vec![
        ("patient_name", f.patient_name.to_string()),
        ("treatment", f.treatment_name.to_lowercase()),
        ("treatment_name", f.treatment_name.to_string()),
        ("when", datetime_label(tz, start)),
        ("day", day_word(tz, f.now, start)),
        ("time", time_label(tz, start)),
        ("duration", length_words(f.duration_minutes)),
        ("practitioner", f.practitioner.to_string()),
        ("price", f.price.clone()),
        (
            "change_until",
            datetime_label(tz, change_deadline(start, f.cutoff)),
        ),
        (
            "change_or_call",
            change_or_call(tz, f.now, start, f.cutoff, f.clinic_phone),
        ),
        ("clinic_name", f.clinic_name.to_string()),
        ("clinic_phone", f.clinic_phone.to_string()),
        ("clinic_address", f.clinic_address.to_string()),
        ("manage_url", f.manage_url.to_string()),
        ("book_url", f.book_url.to_string()),
    ]
}

/// The `{names}` in a text that are not placeholders (each once, in order). Anything in braces
/// that looks like a name counts, `{First_Name}` too.
pub fn unknown_placeholders(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        let name = &after[..close];
        let looks_like_one = !name.is_empty()
            && name.len() <= 40
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if looks_like_one
            && !PLACEHOLDERS.iter().any(|(k, _)| *k == name)
            && !out.iter().any(|o| o == name)
        {
            out.push(name.to_string());
        }
        rest = &after[close + 1..];
    }
    out
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
    fn unknown_placeholders_are_found_once_each() {
        assert_eq!(
            unknown_placeholders("Hi {first_name} {patient_name} {first_name} {Day} {a b} {"),
            vec!["first_name".to_string(), "Day".to_string()]
        );
        assert!(unknown_placeholders("{day} at {time}: {change_or_call}").is_empty());
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
