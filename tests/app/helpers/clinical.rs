//! Screening, consent and consultations: the questions a treatment asks (through the API),
//! answers to them, and the stored answers, consent records and consultations behind the app.

use carepath::db::consent::ConsentRecordRow;
use carepath::db::screening::ScreeningStateRow;
use carepath::domain::patient::{EmailAddress, PatientName};
use diesel::prelude::*;
use serde_json::{Map, Value, json};

use super::app::TestApp;

/// One question as the API lists it.
#[derive(Debug, Clone)]
pub struct Question {
    pub id: i64,
    pub text: String,
    pub effect: String,
}

impl TestApp {
    /// A treatment's entry in `GET /api/v1/treatments`.
    pub async fn treatment_json(&self, slug: &str) -> Value {
        let (status, body) = self.get_json("/api/v1/treatments").await;
        assert_eq!(status, 200);
        body["treatments"]
            .as_array()
            .expect("treatments")
            .iter()
            .find(|t| t["slug"] == slug)
            .cloned()
            .unwrap_or_else(|| panic!("no treatment {slug}"))
    }

    /// The questions a treatment asks now.
    pub async fn questions(&self, slug: &str) -> Vec<Question> {
        self.treatment_json(slug).await["screening"]
            .as_array()
            .expect("screening")
            .iter()
            .map(|q| Question {
                id: q["id"].as_i64().expect("id"),
                text: q["text"].as_str().expect("text").to_string(),
                effect: q["effect"].as_str().expect("effect").to_string(),
            })
            .collect()
    }

    /// Records a consultation done in person for this email, as if staff had (for tests that book
    /// laser resurfacing about something else).
    pub fn consulted(&self, email: &str) {
        use carepath::db::schema::consultations;
        let mut c = self.state.pool.get().expect("conn");
        let now = self.clock.now().naive_utc();
        let p = carepath::domain::booking::PatientDetails {
            name: PatientName::parse("Consulted Patient").expect("name"),
            email: EmailAddress::parse(email).expect("email"),
            phone: None,
        };
        let patient = carepath::db::patients::find_or_create(&mut c, &p, now).expect("patient");
        diesel::insert_into(consultations::table)
            .values((
                consultations::patient_id.eq(patient.id),
                consultations::kind.eq("consultation"),
                consultations::done_at.eq(now),
                consultations::created_at.eq(now),
            ))
            .execute(&mut *c)
            .expect("consultation");
    }

    pub fn screening_state(&self, appointment: i32) -> Option<ScreeningStateRow> {
        let mut c = self.state.pool.get().expect("conn");
        carepath::db::screening::state_of(&mut c, appointment).expect("state")
    }

    /// (question id, answer) stored for an appointment.
    pub fn stored_answers(&self, appointment: i32) -> Vec<(i32, bool)> {
        let mut c = self.state.pool.get().expect("conn");
        carepath::db::screening::answers_of(&mut c, appointment)
            .expect("answers")
            .into_iter()
            .map(|a| (a.question.id, a.answer))
            .collect()
    }

    pub fn consent_record(&self, appointment: i32) -> Option<ConsentRecordRow> {
        let mut c = self.state.pool.get().expect("conn");
        carepath::db::consent::record_of(&mut c, appointment).expect("consent record")
    }

    pub fn screening_answer_count(&self) -> i64 {
        use carepath::db::schema::screening_answers;
        let mut c = self.state.pool.get().expect("conn");
        screening_answers::table
            .count()
            .get_result(&mut *c)
            .expect("count")
    }
}

/// Answers every question "no" except the ids given, which are "yes".
pub fn answers(questions: &[Question], yes: &[i64]) -> Value {
    let mut m = Map::new();
    for q in questions {
        m.insert(q.id.to_string(), json!(yes.contains(&q.id)));
    }
    Value::Object(m)
}

/// The first question with this effect.
pub fn with_effect<'a>(questions: &'a [Question], effect: &str) -> &'a Question {
    questions
        .iter()
        .find(|q| q.effect == effect)
        .unwrap_or_else(|| panic!("no {effect} question"))
}
