//! Phone bookings: staff book on a patient's behalf by exactly the rules of online booking
//! (`service::booking::book` with the staff actor); only the form, its choices and its wording
//! are theirs.

use chrono::{DateTime, NaiveDate, Utc};

use super::appointment::{FreeTimes, free_times};
use crate::db::DbConnection;
use crate::db::models::TreatmentRow;
use crate::domain::booking::{PatientInput, PractitionerChoice, parse_patient};
use crate::domain::errors::FieldErrors;
use crate::domain::time::{local_parts, parse_instant, today};
use crate::error::AppError;
use crate::service::audit::Actor;
use crate::service::booking::BookCommand;
use crate::service::clinic::{self, Clinic};

/// What the phone booking form offers.
pub struct PhoneForm {
    pub clinic: Clinic,
    /// The treatments on offer.
    pub treatments: Vec<TreatmentRow>,
    /// The day shown: as asked, else that of the time picked, else today.
    pub date: NaiveDate,
    /// The treatment chosen, if it is on offer, and its free times that day.
    pub chosen: Option<(TreatmentRow, FreeTimes)>,
}

/// The form's choices for treatment `slug` (may be empty), a day, a practitioner choice and the
/// time already picked.
pub fn form(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    slug: &str,
    date: Option<NaiveDate>,
    choice: PractitionerChoice,
    picked: Option<DateTime<Utc>>,
) -> Result<PhoneForm, AppError> {
    let clinic = clinic::load(conn)?;
    let treatments = crate::db::treatments::active_treatments(conn)?;
    let treatment = treatments.iter().find(|t| t.slug == slug).cloned();
    let date = date
        .or(picked.map(|s| local_parts(clinic.tz, s).0))
        // With no date asked, open on a day the clinic is open (not a closed Sunday).
        .unwrap_or_else(|| clinic.hours.next_open_day(today(clinic.tz, now)));
    let chosen = match treatment {
        Some(t) => {
            let free = free_times(conn, now, &t, date, choice, None)?;
            Some((t, free))
        }
        None => None,
    };
    Ok(PhoneForm {
        clinic,
        treatments,
        date,
        chosen,
    })
}

/// The phone booking form as typed.
#[derive(Debug, Clone, Default)]
pub struct PhoneBookingInput<'a> {
    pub treatment: &'a str,
    pub practitioner: &'a str,
    pub start: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub note: &'a str,
    /// The staff member confirms the patient agreed to the clinic's terms.
    pub consent: bool,
}

/// Parses the form into a booking by `actor`, collecting a message for every field in error
/// (fields named as in the form: treatment, practitioner, start, name, email, phone, note,
/// consent), worded for staff speaking about the patient.
pub fn parse(input: &PhoneBookingInput<'_>, actor: Actor) -> Result<BookCommand, FieldErrors> {
    let mut patient_errors = FieldErrors::new();
    let part = parse_patient(
        &PatientInput {
            name: input.name,
            email: input.email,
            phone: input.phone,
            note: input.note,
            consent: input.consent,
        },
        &mut patient_errors,
    );
    let mut errors = FieldErrors::new();
    if input.treatment.trim().is_empty() {
        errors.add("treatment", "Please choose a treatment.");
    }
    let choice = errors.take(
        "practitioner",
        PractitionerChoice::parse(input.practitioner),
    );
    let start = errors.take(
        "start",
        parse_instant(input.start).map_err(|_| "Please choose one of the free times.".to_string()),
    );
    for (field, message) in patient_errors.iter() {
        let staff_wording = match field.as_str() {
            "name" if input.name.trim().is_empty() => "Please enter the patient's name.",
            "email" if input.email.trim().is_empty() => "Please enter the patient's email address.",
            "consent" => {
                "Please confirm the patient agreed to the clinic's treatment and privacy terms."
            }
            _ => message,
        };
        errors.add(field, staff_wording);
    }
    match (part, choice, start) {
        (Some(part), Some(practitioner), Some(start)) if errors.is_empty() => Ok(BookCommand {
            actor,
            treatment_slug: input.treatment.trim().to_string(),
            start,
            practitioner,
            patient: part.patient,
            note: part.note,
            // A phone booking: screening is asked later (pending), consent at the visit.
            clinical: Default::default(),
            waitlist_offer: None,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> PhoneBookingInput<'static> {
        PhoneBookingInput {
            treatment: "chemical-peel",
            practitioner: "any",
            start: "2030-06-04T10:00:00+01:00",
            name: "Ann Lee",
            email: "ann@example.org",
            phone: "",
            note: "",
            consent: true,
        }
    }

    fn staff() -> Actor {
        Actor::Staff {
            id: 1,
            label: "desk@clinic.example".into(),
        }
    }

    #[test]
    fn a_complete_form_is_a_staff_booking() {
        let cmd = parse(&good(), staff()).unwrap();
        assert_eq!(cmd.treatment_slug, "chemical-peel");
        assert_eq!(cmd.practitioner, PractitionerChoice::Any);
        assert_eq!(cmd.actor, staff());
    }

    #[test]
    fn every_problem_is_named_in_staff_words() {
        let input = PhoneBookingInput {
            treatment: "",
            practitioner: "x",
            start: "",
            name: "",
            email: "",
            phone: "call me",
            note: "",
            consent: false,
        };
        let e = parse(&input, staff()).unwrap_err();
        assert_eq!(e.get("treatment"), Some("Please choose a treatment."));
        assert_eq!(e.get("start"), Some("Please choose one of the free times."));
        assert_eq!(e.get("name"), Some("Please enter the patient's name."));
        assert!(e.get("consent").unwrap().contains("the patient agreed"));
        assert!(e.get("practitioner").is_some());
        assert!(e.get("phone").is_some());
        assert_eq!(e.get("note"), None);
    }
}
