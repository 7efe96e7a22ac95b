//! The care plan editor: unknown placeholders refused with the known ones listed, a preview of
//! wording not saved yet, previews with the treatment's own price and a practitioner who
//! performs it, and line breaks kept in the HTML part.

use carepath::domain::staff::Role;
use diesel::prelude::*;

use crate::helpers::*;

/// The id of a treatment's step of this kind.
fn step_id(app: &TestApp, slug: &str, kind: &str) -> i32 {
    use carepath::db::schema::{care_plan_steps, treatments};
    let mut c = app.state.pool.get().unwrap();
    care_plan_steps::table
        .inner_join(treatments::table)
        .filter(treatments::slug.eq(slug))
        .filter(care_plan_steps::kind.eq(kind))
        .select(care_plan_steps::id)
        .first(&mut *c)
        .unwrap()
}

fn body_of(app: &TestApp, id: i32) -> String {
    use carepath::db::schema::care_plan_steps;
    let mut c = app.state.pool.get().unwrap();
    care_plan_steps::table
        .find(id)
        .select(care_plan_steps::body)
        .first(&mut *c)
        .unwrap()
}

fn fields<'a>(subject: &'a str, body: &'a str, action: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("offset", "-5"),
        ("offset_unit", "days"),
        ("subject", subject),
        ("body", body),
        ("active", "yes"),
        ("action", action),
    ]
}

#[tokio::test]
async fn unknown_placeholders_are_refused_with_the_known_ones() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let id = step_id(&app, "chemical-peel", "preparation");
    let before = body_of(&app, id);
    let r = admin
        .post(
            &format!("/staff/care-plans/steps/{id}"),
            &fields(
                "Before your peel",
                "Hello {first_name}, see you {day}.",
                "save",
            ),
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Unknown placeholder {first_name}. Use only: {patient_name},"),
        "{page}"
    );
    assert!(page.contains("{change_or_call}"));
    assert_eq!(body_of(&app, id), before, "nothing saved");
}

#[tokio::test]
async fn the_preview_shows_wording_not_saved_yet() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let id = step_id(&app, "chemical-peel", "preparation");
    let before = body_of(&app, id);
    let r = admin
        .post(
            &format!("/staff/care-plans/steps/{id}"),
            &fields(
                "Before your peel",
                "Hello {patient_name}, brand new words.",
                "preview",
            ),
        )
        .await;
    assert_eq!(r.status().as_u16(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("wording not saved"));
    assert!(page.contains("Hello Ann Example, brand new words."));
    assert_eq!(body_of(&app, id), before, "a preview saves nothing");
}

#[tokio::test]
async fn previews_use_the_treatments_price_and_a_practitioner_who_performs_it() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let id = step_id(&app, "laser-resurfacing", "confirmation");
    let (s, page) = admin
        .get_text(&format!("/staff/care-plans/steps/{id}"))
        .await;
    assert_eq!(s, 200);
    assert!(page.contains("£1,600–£4,000"), "the laser's own price");
    assert!(page.contains("Dr. Amara Okafor") && !page.contains("Jonah Reyes"));
    // The short variant of a preparation is edited and previewed beside it.
    let prep = step_id(&app, "laser-resurfacing", "preparation");
    let (_, page) = admin
        .get_text(&format!("/staff/care-plans/steps/{prep}"))
        .await;
    assert!(page.contains("name=\"late_body\"") && page.contains("Short variant"));
}

#[tokio::test]
async fn line_breaks_inside_a_paragraph_stay_in_the_html_part() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let id = step_id(&app, "microdermabrasion", "missed");
    let (_, page) = admin
        .get_text(&format!("/staff/care-plans/steps/{id}"))
        .await;
    // "… here: {book_url}\nOr call us …" is two lines of one paragraph (escaped in srcdoc).
    assert!(page.contains("&#60;br&#62;Or call us"), "{page}");
}
