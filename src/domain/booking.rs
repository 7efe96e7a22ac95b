//! What a patient submits to book, parsed into values the rest of the system can trust.

use chrono::{DateTime, Duration, Utc};

use super::availability::BookingRules;
use super::errors::FieldErrors;
use super::patient::{EmailAddress, PatientName, Phone, parse_note};

/// The moment and rules a request is judged by.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub now: DateTime<Utc>,
    pub rules: BookingRules,
    pub cutoff: Duration,
}

/// "Any practitioner" or one chosen by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PractitionerChoice {
    Any,
    Specific(i32),
}

impl PractitionerChoice {
    /// "", "any" → Any; a positive number → that practitioner.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty() || s.eq_ignore_ascii_case("any") {
            return Ok(Self::Any);
        }
        match s.parse::<i32>() {
            Ok(id) if id > 0 => Ok(Self::Specific(id)),
            _ => Err("Unknown practitioner.".into()),
        }
    }

    pub fn as_param(&self) -> String {
        match self {
            Self::Any => "any".into(),
            Self::Specific(id) => id.to_string(),
        }
    }
}

/// The patient's side of a booking, as typed.
#[derive(Debug, Clone, Default)]
pub struct PatientInput<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub note: &'a str,
    pub consent: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientDetails {
    pub name: PatientName,
    pub email: EmailAddress,
    pub phone: Option<Phone>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientPart {
    pub patient: PatientDetails,
    pub note: Option<String>,
}

/// Parses the patient's details, collecting every problem (field names as in the forms:
/// name, email, phone, note, consent) rather than stopping at the first.
pub fn parse_patient(input: &PatientInput<'_>, errors: &mut FieldErrors) -> Option<PatientPart> {
    let name = errors.take("name", PatientName::parse(input.name));
    let email = errors.take("email", EmailAddress::parse(input.email));
    let phone = errors.take("phone", Phone::parse_optional(input.phone));
    let note = errors.take("note", parse_note(input.note));
    if !input.consent {
        errors.add(
            "consent",
            "Please confirm you agree to the clinic's treatment and privacy terms.",
        );
    }
    match (name, email, phone, note) {
        (Some(name), Some(email), Some(phone), Some(note)) if input.consent => Some(PatientPart {
            patient: PatientDetails { name, email, phone },
            note,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_every_problem() {
        let mut errors = FieldErrors::new();
        let input = PatientInput {
            name: "",
            email: "nope",
            phone: "x",
            note: "",
            consent: false,
        };
        assert!(parse_patient(&input, &mut errors).is_none());
        for f in ["name", "email", "phone", "consent"] {
            assert!(errors.get(f).is_some(), "{f} should have an error");
        }
        assert_eq!(errors.get("note"), None);
    }

    #[test]
    fn accepts_a_good_patient() {
        let mut errors = FieldErrors::new();
        let input = PatientInput {
            name: "Ann Lee",
            email: "ann@example.org",
            phone: "",
            note: " first visit ",
            consent: true,
        };
        let part = parse_patient(&input, &mut errors).unwrap();
        assert!(errors.is_empty());
        assert_eq!(part.note.as_deref(), Some("first visit"));
        assert_eq!(part.patient.phone, None);
    }

    #[test]
    fn practitioner_choice() {
        assert_eq!(PractitionerChoice::parse(""), Ok(PractitionerChoice::Any));
        assert_eq!(
            PractitionerChoice::parse("any"),
            Ok(PractitionerChoice::Any)
        );
        assert_eq!(
            PractitionerChoice::parse("3"),
            Ok(PractitionerChoice::Specific(3))
        );
        assert!(PractitionerChoice::parse("-1").is_err());
        assert!(PractitionerChoice::parse("abc").is_err());
    }
}
