//! Booking through the public API as a patient would, so a test sets up its appointments in one
//! line and every test books the same way.

use serde_json::{Value, json};

use super::app::TestApp;

/// Who books: the name and email every booking needs, and a phone number if the test wants one.
#[derive(Debug, Clone, Copy)]
pub struct Patient<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub phone: Option<&'a str>,
}

impl<'a> Patient<'a> {
    pub const fn new(name: &'a str, email: &'a str) -> Self {
        Self {
            name,
            email,
            phone: None,
        }
    }

    pub const fn with_phone(self, phone: &'a str) -> Self {
        Self {
            phone: Some(phone),
            ..self
        }
    }
}

/// The patient of most tests.
pub const ANN: Patient<'static> = Patient::new("Ann Lee", "ann@example.org");

/// The API's booking request, consent given; without a practitioner it asks for anyone free.
pub fn booking_body(
    treatment: &str,
    start: &str,
    practitioner: Option<i32>,
    patient: &Patient<'_>,
) -> Value {
    let mut who = json!({"name": patient.name, "email": patient.email});
    if let Some(phone) = patient.phone {
        who["phone"] = phone.into();
    }
    let mut body = json!({
        "treatment": treatment,
        "start": start,
        "patient": who,
        "consent": true,
    });
    if let Some(p) = practitioner {
        body["practitioner"] = p.into();
    }
    body
}

/// An appointment the API accepted.
#[derive(Debug, Clone)]
pub struct Booked {
    pub id: i32,
    /// The manage link's token.
    pub token: String,
    /// The API's answer, as it came.
    pub json: Value,
}

impl TestApp {
    /// Tries to book for Ann Lee at this address: the status and body, whatever they are.
    pub async fn book(
        &self,
        treatment: &str,
        start: &str,
        practitioner: Option<i32>,
        email: &str,
    ) -> (u16, Value) {
        let patient = Patient { email, ..ANN };
        self.book_for(treatment, start, practitioner, &patient)
            .await
    }

    /// Tries to book for this patient: the status and body, whatever they are.
    pub async fn book_for(
        &self,
        treatment: &str,
        start: &str,
        practitioner: Option<i32>,
        patient: &Patient<'_>,
    ) -> (u16, Value) {
        let body = booking_body(treatment, start, practitioner, patient);
        self.post_json("/api/v1/bookings", &body).await
    }

    /// Books for this patient with this practitioner, which must succeed. Laser resurfacing
    /// needs a consultation first (issue 10): this fixture records one for the patient, as the
    /// desk would, before booking it.
    pub async fn booked(
        &self,
        treatment: &str,
        start: &str,
        practitioner: i32,
        patient: &Patient<'_>,
    ) -> Booked {
        if treatment == "laser-resurfacing" {
            self.consulted(patient);
        }
        let (status, json) = self
            .book_for(treatment, start, Some(practitioner), patient)
            .await;
        assert_eq!(status, 201, "booking {start}: {json}");
        Booked {
            id: json["id"].as_i64().expect("appointment id") as i32,
            token: token_of(json["manage_url"].as_str().expect("manage_url")),
            json,
        }
    }
}

/// The token at the end of a manage URL.
pub fn token_of(manage_url: &str) -> String {
    manage_url.rsplit('/').next().expect("token").to_string()
}

/// The start times of the API's free slots.
pub fn starts(slots: &[Value]) -> Vec<String> {
    slots
        .iter()
        .map(|s| s["start"].as_str().expect("start").to_string())
        .collect()
}
