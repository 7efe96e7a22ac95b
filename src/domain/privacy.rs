//! Patients' data rights as rules: the default privacy notice, the retention settings an admin
//! types (parsed, with a message per field), and the placeholder an erased patient becomes.

use super::errors::FieldErrors;

/// The notice shown at /privacy until an admin writes the clinic's own. Blank lines separate
/// paragraphs.
pub const DEFAULT_NOTICE: &str = "\
This notice explains what we do with the personal data you give us when you book a treatment.

What we keep: your name, email address and phone number (if you give one), the appointments you \
book with us (treatment, practitioner, date and time, status), any note you add to a booking, and \
the emails we send you about your appointments (preparation, reminders, aftercare and follow-ups).

Why: to provide the treatment you booked and look after you before and after it (our contract \
with you), and to keep the records the law and our insurers require of a clinic.

Who sees it: the clinic's staff, and the services that host this site and deliver our email on \
our behalf. We never sell your data or use it for advertising.

How long: as long as you have appointments with us, and then for the period set by the clinic; \
after that your name, contact details and notes are erased and only anonymous facts (that an \
appointment took place) remain for our statistics.

Your rights: you may ask for a copy of everything we hold about you, for corrections, or for \
erasure, and you may stop follow-up emails at any time through the link in them. Contact the \
clinic by email or phone (see the foot of this page). You may also complain to your data \
protection authority (in the UK, the Information Commissioner's Office).";

/// The longest notice an admin may save (its form must stay within the 16 KiB body limit).
pub const MAX_NOTICE_CHARS: usize = 10_000;

/// The most days any retention period may be (about 100 years).
pub const MAX_RETENTION_DAYS: i32 = 36_500;

/// The form of /staff/privacy, as typed.
#[derive(Debug, Clone, Default)]
pub struct PrivacyInput {
    pub notice: String,
    pub patient_retention_days: String,
    pub audit_retention_days: String,
    pub session_retention_days: String,
}

/// The form, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivacySettings {
    /// None: the default notice.
    pub notice: Option<String>,
    pub patient_retention_days: Option<i32>,
    pub audit_retention_days: Option<i32>,
    pub session_retention_days: i32,
}

/// Days, or empty for "keep" (None).
fn optional_days(s: &str) -> Result<Option<i32>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    days(s, 1).map(Some)
}

fn days(s: &str, min: i32) -> Result<i32, String> {
    match s.trim().parse::<i32>() {
        Ok(n) if (min..=MAX_RETENTION_DAYS).contains(&n) => Ok(n),
        _ => Err(format!(
            "Enter a whole number of days from {min} to {MAX_RETENTION_DAYS}."
        )),
    }
}

impl PrivacyInput {
    pub fn parse(&self) -> Result<PrivacySettings, FieldErrors> {
        let mut e = FieldErrors::new();
        let notice = self.notice.replace("\r\n", "\n");
        let notice = notice.trim();
        if notice.chars().count() > MAX_NOTICE_CHARS {
            e.add(
                "notice",
                format!("The notice can be at most {MAX_NOTICE_CHARS} characters."),
            );
        }
        let patient = e.take(
            "patient_retention_days",
            optional_days(&self.patient_retention_days),
        );
        let audit = e.take(
            "audit_retention_days",
            optional_days(&self.audit_retention_days),
        );
        let session = e.take(
            "session_retention_days",
            days(&self.session_retention_days, 0),
        );
        match (patient, audit, session) {
            (Some(patient), Some(audit), Some(session)) if e.is_empty() => Ok(PrivacySettings {
                // Blank, or the default word for word: follow the built-in notice.
                notice: (!notice.is_empty() && notice != DEFAULT_NOTICE)
                    .then(|| notice.to_string()),
                patient_retention_days: patient,
                audit_retention_days: audit,
                session_retention_days: session,
            }),
            _ => Err(e),
        }
    }
}

/// The notice as paragraphs (split on blank lines).
pub fn paragraphs(text: &str) -> Vec<String> {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// An erased patient's name.
pub const ERASED_NAME: &str = "Erased patient";

/// An erased patient's email: unique per patient (the column is), and undeliverable (`.invalid`
/// is reserved, RFC 2606).
pub fn erased_email(patient_id: i32) -> String {
    format!("erased-{patient_id}@erased.invalid")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(p: &str, a: &str, s: &str) -> PrivacyInput {
        PrivacyInput {
            notice: "Our notice".into(),
            patient_retention_days: p.into(),
            audit_retention_days: a.into(),
            session_retention_days: s.into(),
        }
    }

    #[test]
    fn retention_days_parse_or_name_the_field() {
        let ok = input("", "2190", "7").parse().unwrap();
        assert_eq!(ok.patient_retention_days, None);
        assert_eq!(ok.audit_retention_days, Some(2190));
        assert_eq!(ok.notice.as_deref(), Some("Our notice"));
        let e = input("0", "x", "-1").parse().unwrap_err();
        assert!(e.get("patient_retention_days").is_some());
        assert!(e.get("audit_retention_days").is_some());
        assert!(e.get("session_retention_days").is_some());
        assert_eq!(
            input(" 365 ", "", "0")
                .parse()
                .unwrap()
                .patient_retention_days,
            Some(365)
        );
    }

    #[test]
    fn a_blank_notice_means_the_default() {
        let mut i = input("", "", "0");
        i.notice = "  ".into();
        assert_eq!(i.parse().unwrap().notice, None);
        i.notice = "x".repeat(MAX_NOTICE_CHARS + 1);
        assert!(i.parse().unwrap_err().get("notice").is_some());
        assert_eq!(paragraphs("a\n\nb\r\n\r\nc").len(), 3);
    }
}
