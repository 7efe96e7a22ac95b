//! Screening, consent and consultations: the questions a treatment asks (through the API),
//! answers to them, and the stored answers, consent records and consultations behind the app.

use carepath::db::consent::ConsentRecordRow;
use carepath::db::screening::ScreeningStateRow;
use carepath::domain::patient::{EmailAddress, PatientName, Phone};
use diesel::prelude::*;
use serde_json::{Map, Value, json};

use super::app::TestApp;
use super::booking::Patient;

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

    /// Records a consultation done in person for this patient, as if staff had (for tests that
    /// book laser resurfacing about something else). A patient not on record yet gets the record
    /// their booking would have made.
    pub fn consulted(&self, who: &Patient<'_>) {
        use carepath::db::schema::consultations;
        let mut c = self.state.pool.get().expect("conn");
        let now = self.clock.now().naive_utc();
        let p = carepath::domain::booking::PatientDetails {
            name: PatientName::parse(who.name).expect("name"),
            email: EmailAddress::parse(who.email).expect("email"),
            phone: Phone::parse_optional(who.phone.unwrap_or("")).expect("phone"),
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

impl TestApp {
    /// The booking's details form for this time (a `/book/{slug}/details?…` query), past the
    /// screening step when the treatment asks questions (every answer "no"): (status, page).
    pub async fn details_page(&self, slug: &str, query: &str) -> (u16, String) {
        let (status, page) = self
            .get_text(&format!("/book/{slug}/details?{query}"))
            .await;
        if status != 200 || !page.contains("A few health questions") {
            return (status, page);
        }
        let mut fields: Vec<(String, String)> = Vec::new();
        for chunk in page.split("<input type=\"hidden\" name=\"").skip(1) {
            let name = chunk.split('"').next().unwrap_or_default().to_string();
            let value = chunk
                .split("value=\"")
                .nth(1)
                .and_then(|v| v.split('"').next())
                .unwrap_or_default()
                .replace("&#43;", "+");
            fields.push((name, value));
        }
        let mut names: Vec<String> = page
            .split("type=\"radio\" name=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .map(str::to_string)
            .collect();
        names.dedup();
        for n in names {
            fields.push((n, "no".into()));
        }
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let r = self
            .post_form(&format!("/book/{slug}/details"), &pairs)
            .await;
        let status = r.status().as_u16();
        (status, r.text().await.expect("page"))
    }
}
