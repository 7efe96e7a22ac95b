//! What a valid treatment and practitioner are, as the admin forms submit them.

use crate::domain::errors::FieldErrors;
use crate::domain::input::{parse_int_in, parse_line, parse_text};
use crate::domain::money::{Currency, parse_amount};

/// The qualifications the clinic knows, with the checkbox label for each.
pub const QUALIFICATIONS: [(&str, &str); 3] = [
    ("physician", "Physician"),
    ("nurse", "Nurse"),
    ("esthetician", "Esthetician"),
];

/// The checkbox field of a qualification: `q_nurse`.
pub fn qualification_field(q: &str) -> String {
    format!("q_{q}")
}

/// Ticked qualifications → the stored comma list, in one canonical (alphabetical) order.
pub fn qualifications_value(ticked: &[&str]) -> Result<String, String> {
    let mut known: Vec<&str> = QUALIFICATIONS
        .iter()
        .map(|(q, _)| *q)
        .filter(|q| ticked.contains(q))
        .collect();
    if known.is_empty() {
        return Err("Tick at least one qualification.".into());
    }
    known.sort_unstable();
    Ok(known.join(","))
}

/// A slug is the treatment's address (/treatments/SLUG, /book/SLUG): fixed once created, since
/// links in sent emails and calendars point at it.
pub fn parse_slug(s: &str) -> Result<String, String> {
    let s = s.trim();
    let ok_chars = s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if s.len() < 2 || s.len() > 60 {
        return Err("Use 2 to 60 characters: lower-case letters, digits and hyphens.".into());
    }
    if !ok_chars || s.starts_with('-') || s.ends_with('-') || s.contains("--") {
        return Err(
            "Use lower-case letters, digits and single hyphens, e.g. \"hydrafacial\" or \"led-therapy\"."
                .into(),
        );
    }
    Ok(s.to_string())
}

/// The treatment form as typed.
#[derive(Debug, Clone, Default)]
pub struct TreatmentInput {
    pub slug: String,
    pub name: String,
    pub summary: String,
    pub description: String,
    pub during_session: String,
    pub recovery: String,
    pub sessions_note: String,
    pub duration_minutes: String,
    pub buffer_minutes: String,
    pub price_min: String,
    pub price_max: String,
    pub active: bool,
    pub qualifications: Vec<String>,
}

/// A checked treatment, ready to store (the slug only matters when creating one).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TreatmentValues {
    pub name: String,
    pub summary: String,
    pub description: String,
    pub during_session: String,
    pub recovery: String,
    pub sessions_note: String,
    pub duration_minutes: i32,
    pub buffer_minutes: i32,
    pub price_min_cents: i32,
    pub price_max_cents: i32,
    pub qualifications: String,
    pub active: bool,
}

impl TreatmentInput {
    /// Checks the form; prices are in the clinic's currency.
    pub fn parse(&self, currency: Currency) -> Result<TreatmentValues, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = e.take("name", parse_line(&self.name, 100, "a name"));
        let summary = e.take(
            "summary",
            parse_text(&self.summary, 300, Some("a short summary")),
        );
        let description = e.take(
            "description",
            parse_text(&self.description, 5000, Some("a description")),
        );
        let during = e.take(
            "during_session",
            parse_text(
                &self.during_session,
                5000,
                Some("what happens during the session"),
            ),
        );
        let recovery = e.take(
            "recovery",
            parse_text(&self.recovery, 5000, Some("the recovery")),
        );
        let sessions = e.take("sessions_note", parse_text(&self.sessions_note, 2000, None));
        let duration = e.take(
            "duration_minutes",
            parse_int_in(&self.duration_minutes, 5..=600, "minutes"),
        );
        let buffer = e.take(
            "buffer_minutes",
            parse_int_in(&self.buffer_minutes, 0..=240, "minutes"),
        );
        let min = e.take("price_min", parse_amount(&self.price_min, currency));
        let max = e.take("price_max", parse_amount(&self.price_max, currency));
        if let (Some(min), Some(max)) = (min, max)
            && max < min
        {
            e.add("price_max", "The highest price can't be below the lowest.");
        }
        let ticked: Vec<&str> = self.qualifications.iter().map(String::as_str).collect();
        let qualifications = e.take("qualifications", qualifications_value(&ticked));
        match (
            name,
            summary,
            description,
            during,
            recovery,
            sessions,
            duration,
            buffer,
            min,
            max,
            qualifications,
        ) {
            (
                Some(name),
                Some(summary),
                Some(description),
                Some(during_session),
                Some(recovery),
                Some(sessions_note),
                Some(duration_minutes),
                Some(buffer_minutes),
                Some(price_min_cents),
                Some(price_max_cents),
                Some(qualifications),
            ) if e.is_empty() => Ok(TreatmentValues {
                name,
                summary,
                description,
                during_session,
                recovery,
                sessions_note,
                duration_minutes,
                buffer_minutes,
                price_min_cents,
                price_max_cents,
                qualifications,
                active: self.active,
            }),
            _ => Err(e),
        }
    }
}

/// The practitioner form as typed.
#[derive(Debug, Clone, Default)]
pub struct PractitionerInput {
    pub name: String,
    pub title: String,
    pub bio: String,
    pub qualifications: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PractitionerValues {
    pub name: String,
    pub title: String,
    pub bio: String,
    pub qualifications: String,
}

impl PractitionerInput {
    pub fn parse(&self) -> Result<PractitionerValues, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = e.take("name", parse_line(&self.name, 100, "a name"));
        let title = e.take(
            "title",
            parse_line(&self.title, 100, "a title, e.g. Aesthetic nurse"),
        );
        let bio = e.take("bio", parse_text(&self.bio, 2000, None));
        let ticked: Vec<&str> = self.qualifications.iter().map(String::as_str).collect();
        let qualifications = e.take("qualifications", qualifications_value(&ticked));
        match (name, title, bio, qualifications) {
            (Some(name), Some(title), Some(bio), Some(qualifications)) if e.is_empty() => {
                Ok(PractitionerValues {
                    name,
                    title,
                    bio,
                    qualifications,
                })
            }
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peel() -> TreatmentInput {
        TreatmentInput {
            slug: "peel".into(),
            name: "Peel".into(),
            summary: "A peel.".into(),
            description: "Longer.".into(),
            during_session: "Tingling.".into(),
            recovery: "Redness.".into(),
            sessions_note: String::new(),
            duration_minutes: "45".into(),
            buffer_minutes: "15".into(),
            price_min: "100".into(),
            price_max: "$500".into(),
            active: true,
            qualifications: vec!["nurse".into(), "esthetician".into()],
        }
    }

    #[test]
    fn a_valid_treatment() {
        let v = peel().parse(crate::domain::money::USD).unwrap();
        assert_eq!(v.price_max_cents, 50_000);
        assert_eq!(v.qualifications, "esthetician,nurse");
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut t = peel();
        t.name = " ".into();
        t.duration_minutes = "0".into();
        t.buffer_minutes = "lots".into();
        t.price_min = "600".into();
        t.qualifications = vec!["wizard".into()];
        let e = t.parse(crate::domain::money::USD).unwrap_err();
        for f in [
            "name",
            "duration_minutes",
            "buffer_minutes",
            "price_max",
            "qualifications",
        ] {
            assert!(e.get(f).is_some(), "{f} should be refused");
        }
    }

    #[test]
    fn slugs() {
        assert_eq!(parse_slug(" led-therapy "), Ok("led-therapy".into()));
        for bad in [
            "",
            "a",
            "LED",
            "led therapy",
            "-led",
            "led-",
            "led--x",
            "léd",
        ] {
            assert!(parse_slug(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn practitioners_need_a_qualification() {
        let p = PractitionerInput {
            name: "Sam".into(),
            title: "Nurse".into(),
            bio: String::new(),
            qualifications: vec![],
        };
        assert!(p.parse().unwrap_err().get("qualifications").is_some());
    }
}
