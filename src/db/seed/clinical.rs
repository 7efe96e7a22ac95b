//! The clinical starting point (issue 10): the Consultation treatment, laser's consultation
//! requirement, each treatment's screening questions and consent text, and the antiviral
//! preparation step planned only for patients with a history of cold sores. Seeded once, when no
//! screening question exists yet (a fresh database or one from before screening), after the care
//! plans; the wording is the clinic's to change in the console.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::models::{NewCarePlanStep, NewTreatment};
use crate::db::schema::{care_plan_steps, treatments};
use crate::db::{consent, consultations, screening};

const CONSULTATION_SLUG: &str = "consultation";

/// (key, text, effect) — phrased as the clinic's own questions.
type QuestionSeed = (&'static str, &'static str, &'static str);

const PREGNANT: &str = "Are you pregnant, trying to become pregnant, or breastfeeding?";
const ISOTRETINOIN: &str =
    "Have you taken isotretinoin (Roaccutane, Accutane) by mouth in the last 12 months?";
const ACTIVE: &str = "Do you have an active cold sore, a skin infection, or open wounds or broken \
    skin on or near the area to be treated?";
const SUN: &str =
    "Have you had sunburn, a tan, sunbed sessions or self-tan on the area in the last 4 weeks?";
const KELOID: &str = "Have you ever had keloid or raised (hypertrophic) scars?";
const COLD_SORES: &str =
    "Have you ever had cold sores (herpes simplex) around your mouth or on your face?";
const PHOTO: &str = "Do you take any medicine that makes your skin sensitive to light (for example \
    doxycycline or some other antibiotics, some acne or water tablets, or St John's wort)?";
const BLOOD: &str = "Do you take blood thinners (for example warfarin, apixaban or daily aspirin) \
    or have a bleeding or clotting disorder?";
const PIGMENT: &str = "Is your skin naturally brown or black, or does it darken easily (you tan \
    deeply, or dark marks stay after spots or injuries)?";

const PEEL: &[QuestionSeed] = &[
    ("pregnancy", PREGNANT, "block"),
    ("isotretinoin", ISOTRETINOIN, "block"),
    ("active_skin", ACTIVE, "block"),
    ("sun", SUN, "review"),
    ("keloid", KELOID, "review"),
    ("photosensitising", PHOTO, "review"),
    ("cold_sores_history", COLD_SORES, "info"),
];

const LASER: &[QuestionSeed] = &[
    ("pregnancy", PREGNANT, "block"),
    ("isotretinoin", ISOTRETINOIN, "block"),
    ("active_skin", ACTIVE, "block"),
    ("sun", SUN, "block"),
    ("photosensitising", PHOTO, "block"),
    ("keloid", KELOID, "review"),
    ("pigment_risk", PIGMENT, "review"),
    ("cold_sores_history", COLD_SORES, "info"),
];

const MICRODERMABRASION: &[QuestionSeed] = &[
    ("active_skin", ACTIVE, "block"),
    ("isotretinoin", ISOTRETINOIN, "review"),
    ("sun", SUN, "review"),
    ("pregnancy", PREGNANT, "info"),
];

const MICRONEEDLING: &[QuestionSeed] = &[
    ("pregnancy", PREGNANT, "block"),
    ("isotretinoin", ISOTRETINOIN, "block"),
    ("active_skin", ACTIVE, "block"),
    ("blood_thinners", BLOOD, "review"),
    ("keloid", KELOID, "review"),
    ("sun", SUN, "review"),
];

const CONSENT_COMMON: &str = "Before your {treatment}, your practitioner will go through your health questions \
with you, explain what the treatment involves, its expected results and its risks, and answer your questions. \
You may stop at any time.

Results vary from person to person and are not guaranteed; more than one session may be needed.

I confirm that the answers I gave to the clinic's health questions are true and complete to the best of my \
knowledge, and that I will tell the clinic before my session if anything changes (new medicines, pregnancy, \
a cold sore or skin infection, sunburn). I understand the aftercare advice is part of the treatment and I will \
follow it.

If you are unsure about anything, please call the clinic before your appointment.";

fn consent_for(name: &str, risks: &str) -> String {
    let head = CONSENT_COMMON.replace("{treatment}", &name.to_lowercase());
    format!("{head}\n\nRisks we will discuss with you: {risks}")
}

fn risks(slug: &str) -> &'static str {
    match slug {
        "chemical-peel" => {
            "redness, stinging, peeling and flaking; rarely blistering, infection, cold sore \
             flare-ups, and lighter or darker patches of skin (pigment change)."
        }
        "laser-resurfacing" => {
            "redness and swelling for days to weeks, crusting, infection, cold sore flare-ups, \
             lighter or darker patches of skin (pigment change, more likely in darker skin), and \
             rarely scarring."
        }
        "microdermabrasion" => {
            "temporary redness, sensitivity and slight swelling; rarely bruising."
        }
        "microneedling" => {
            "redness, pinpoint bleeding and sensitivity for a few days; rarely infection, bruising, \
             or dark marks."
        }
        _ => "none beyond those of a conversation; no treatment is given at a consultation.",
    }
}

/// Seeds the clinical starting point once. Returns whether it did.
pub fn seed_if_empty(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<bool> {
    conn.transaction(|conn| {
        if screening::count_all(conn)? > 0 {
            return Ok(false);
        }
        let consultation_id = ensure_consultation(conn, now)?;
        consultations::set_requirement(conn, consultation_id, true, None)?;
        let all: Vec<(i32, String, String)> = treatments::table
            .order(treatments::id)
            .select((treatments::id, treatments::slug, treatments::name))
            .load(conn)?;
        for (id, slug, name) in &all {
            let questions: &[QuestionSeed] = match slug.as_str() {
                "chemical-peel" => PEEL,
                "laser-resurfacing" => LASER,
                "microdermabrasion" => MICRODERMABRASION,
                "microneedling" => MICRONEEDLING,
                _ => &[],
            };
            for (position, (key, text, effect)) in questions.iter().enumerate() {
                screening::insert_question(
                    conn,
                    &screening::NewQuestion {
                        treatment_id: *id,
                        question_key: key,
                        version: 1,
                        position: position as i32,
                        text,
                        effect,
                        created_at: now,
                    },
                )?;
            }
            if consent::current(conn, *id)?.is_none() {
                consent::insert_text(conn, *id, 1, &consent_for(name, risks(slug)), now)?;
            }
            if slug == "laser-resurfacing" {
                consultations::set_requirement(conn, *id, false, Some(6))?;
            }
            if matches!(slug.as_str(), "chemical-peel" | "laser-resurfacing") {
                antiviral_step(conn, *id, now)?;
            }
        }
        Ok(true)
    })
}

/// The seeded Consultation treatment (made if the clinic has none by that address).
fn ensure_consultation(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<i32> {
    let existing: Option<i32> = treatments::table
        .filter(treatments::slug.eq(CONSULTATION_SLUG))
        .select(treatments::id)
        .first(conn)
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let last: Option<i32> = treatments::table
        .select(diesel::dsl::max(treatments::position))
        .first(conn)?;
    diesel::insert_into(treatments::table)
        .values(NewTreatment {
            slug: CONSULTATION_SLUG,
            name: "Consultation",
            summary: "A short conversation with a practitioner about your skin, your health and \
                which treatment suits you, with a patch test where one is needed.",
            description: "Before laser resurfacing, and whenever you or we are unsure whether a \
                treatment suits you, we start with a consultation. We look at your skin, go \
                through your health questions and medicines, explain the options and their risks, \
                and do a patch test where the treatment calls for one.",
            during_session: "A conversation and a look at your skin; a patch test takes a few \
                minutes on a small, discreet area.",
            recovery: "No recovery time. If you had a patch test, keep the area clean and tell \
                us about any reaction in the following days.",
            sessions_note: "One consultation is valid for six months before laser resurfacing.",
            duration_minutes: 30,
            buffer_minutes: 0,
            price_min_cents: 5_000,
            price_max_cents: 5_000,
            qualifications: "nurse,physician",
            active: true,
            position: last.unwrap_or(0) + 1,
        })
        .execute(conn)?;
    let id: i32 = treatments::table
        .filter(treatments::slug.eq(CONSULTATION_SLUG))
        .select(treatments::id)
        .first(conn)?;
    let steps: [(&str, &str, i32, &str, &str); 4] = [
        (
            "confirmation",
            "booked",
            0,
            "Your consultation is booked for {when}",
            "Hello {patient_name},\n\nYour consultation with {practitioner} is booked for {when}.\n\n\
             Please bring a list of any medicines you take. You can see, move or cancel your \
             appointment here: {manage_url}",
        ),
        (
            "reminder",
            "start",
            -24 * 60,
            "Reminder: your consultation tomorrow, {when}",
            "Hello {patient_name},\n\nThis is a reminder of your consultation with {practitioner} \
             on {when}.\n\nIf you can no longer come, please let us know: {manage_url} or call \
             {clinic_phone}.",
        ),
        (
            // Sent only when the consultation cleared a treatment: {book_url} is that treatment's.
            "follow_up",
            "completed",
            60,
            "Booking the treatment we discussed",
            "Hello {patient_name},\n\nThank you for coming in for your consultation. As we discussed, \
             you can now book the treatment we cleared you for here: {book_url}\n\nIf anything \
             changes in your health before then (new medicines, pregnancy, a cold sore, sunburn), \
             please call us on {clinic_phone} first.",
        ),
        (
            "cancellation",
            "cancelled",
            0,
            "Your consultation on {when} is cancelled",
            "Hello {patient_name},\n\nYour consultation on {when} has been cancelled.\n\n\
             If you'd like to book another time: {book_url}",
        ),
    ];
    for (position, (kind, anchor, offset, subject, body)) in steps.iter().enumerate() {
        diesel::insert_into(care_plan_steps::table)
            .values(NewCarePlanStep {
                treatment_id: id,
                position: position as i32,
                kind,
                anchor,
                offset_minutes: *offset,
                subject,
                body,
                // No preparation among them: nothing for a short variant to replace.
                late_body: "",
                active: true,
                updated_at: now,
            })
            .execute(conn)?;
    }
    Ok(id)
}

/// Antiviral cover before a peel or laser, for patients who have had cold sores.
fn antiviral_step(
    conn: &mut DbConnection,
    treatment_id: i32,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let last: Option<i32> = care_plan_steps::table
        .filter(care_plan_steps::treatment_id.eq(treatment_id))
        .select(diesel::dsl::max(care_plan_steps::position))
        .first(conn)?;
    diesel::insert_into(care_plan_steps::table)
        .values(NewCarePlanStep {
            treatment_id,
            position: last.unwrap_or(0) + 1,
            kind: "preparation",
            anchor: "start",
            offset_minutes: -3 * 24 * 60,
            subject: "Cold sores: antiviral cover before your {treatment}",
            body: "Hello {patient_name},\n\nYou told us you have had cold sores. A {treatment} can \
                   bring one on, so we usually recommend antiviral tablets (such as aciclovir) \
                   starting a day or two before your session {day} at {time} and for a few days \
                   after.\n\n\
                   Please speak to your GP or pharmacist, or call us on {clinic_phone}, so this is \
                   arranged in time. If a cold sore appears before your session, call us: we will \
                   move your appointment.",
            // Booked inside the three days: the cover may no longer start in time, so the
            // patient is asked to call rather than told to begin tablets days ahead.
            late_body: "Hello {patient_name},\n\nYou told us you have had cold sores. A \
                        {treatment} can bring one on, and antiviral cover works best when it \
                        starts a day or two before the session. Your session is {day} at {time}, \
                        so please call us on {clinic_phone} before then: we will tell you whether \
                        to go ahead as booked or move your appointment.\n\n\
                        If a cold sore appears before your session, call us: we will move your \
                        appointment.",
            active: true,
            updated_at: now,
        })
        .execute(conn)?;
    let step_id: i32 = care_plan_steps::table
        .filter(care_plan_steps::treatment_id.eq(treatment_id))
        .select(care_plan_steps::id)
        .order(care_plan_steps::id.desc())
        .first(conn)?;
    screening::insert_step_condition(conn, step_id, "cold_sores_history")?;
    Ok(())
}
