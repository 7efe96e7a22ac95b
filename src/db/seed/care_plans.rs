//! The default care plans, seeded from the article in shared/seed and standard aftercare
//! practice. The wording is the clinic's to change in the console; this is only its start.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::models::*;
use crate::db::schema::{care_plan_steps, treatments};

const DAY: i32 = 24 * 60;

/// (kind, anchor, offset minutes, subject, body)
type StepSeed = (&'static str, &'static str, i32, &'static str, &'static str);

const CONFIRMATION: StepSeed = (
    "confirmation",
    "booked",
    0,
    "Your {treatment} is booked for {when}",
    "Hello {patient_name},

Your {treatment} with {practitioner} is booked for {when}. The session takes about {duration}.

The price is {price} per session; it is confirmed with you at your visit. The attached calendar file adds the appointment to your calendar.

You can see your appointment, and move or cancel it online until {change_until}, here: {manage_url}
After that, please call us on {clinic_phone}.",
);

/// Two days before: well before the online change cut-off (24 hours by default), so the
/// reminder's link still lets the patient move or cancel.
const REMINDER: StepSeed = (
    "reminder",
    "start",
    -2 * DAY,
    "Reminder: your {treatment} {day} at {time}",
    "Hello {patient_name},

This is a reminder of your {treatment} with {practitioner} {day}, {when}.

Please arrive a few minutes early, with clean skin and no make-up on the treatment area.

{change_or_call}",
);

const MISSED: StepSeed = (
    "missed",
    "no_show",
    2 * 60,
    "We missed you {day}",
    "Hello {patient_name},

We are sorry we didn't see you for your {treatment} {day}, {when}.

If you'd like to book another time, you can do so here: {book_url}
Or call us on {clinic_phone}; we are happy to help.",
);

const CANCELLATION: StepSeed = (
    "cancellation",
    "cancelled",
    0,
    "Your {treatment} on {when} is cancelled",
    "Hello {patient_name},

Your {treatment} on {when} has been cancelled. The attached calendar file removes it from your calendar.

{cancel_note}

To book another time: {book_url}",
);

const PEEL: &[StepSeed] = &[
    CONFIRMATION,
    (
        "preparation",
        "start",
        -5 * DAY,
        "Preparing for your chemical peel on {when}",
        "Hello {patient_name},

Your chemical peel is {day}, {when}. To prepare your skin over the five days before it:

- Pause retinoids (retinol, tretinoin) and exfoliating products such as AHA/BHA acids and scrubs from today.
- Avoid sun exposure and tanning; use a broad-spectrum SPF 30 or higher every day.
- Don't wax or use hair-removal creams on the treatment area this week.
- Tell us before your visit if you have a cold sore, sunburn or broken skin, or have started a new medication.

On the day, come with clean skin and no make-up. Your appointment: {manage_url}",
    ),
    REMINDER,
    (
        "aftercare",
        "completed",
        0,
        "Caring for your skin after your chemical peel",
        "Hello {patient_name},

Thank you for coming in today. A tingling or stinging feeling during the peel is normal.

Over the next days you will likely notice some redness and peeling. That is the old, pore-clogged skin being shed, making way for fresh, smoother skin.

- Don't pick at or pull off peeling skin; let it come away on its own.
- Wash with a gentle cleanser and use a plain moisturiser.
- Apply SPF 30 or higher every morning and stay out of direct sun.
- Hold off retinoids and exfoliants until the peeling has finished, usually about a week.

Call us on {clinic_phone} if you notice blistering, severe swelling or signs of infection.",
    ),
    (
        "check_in",
        "completed",
        3 * DAY,
        "How is your skin, three days after your peel?",
        "Hello {patient_name},

Peeling is often at its most visible around now. Keep moisturising and using sunscreen, and let flaking skin come off on its own.

If anything worries you, call us on {clinic_phone}.",
    ),
    (
        "follow_up",
        "completed",
        28 * DAY,
        "Time for your next chemical peel?",
        "Hello {patient_name},

It has been about four weeks since your chemical peel. Peels are often repeated as a course to keep pores clear and skin smooth.

If you'd like to continue, you can book your next session here: {book_url}",
    ),
    MISSED,
    CANCELLATION,
];

const LASER: &[StepSeed] = &[
    CONFIRMATION,
    (
        "preparation",
        "start",
        -14 * DAY,
        "Preparing for your laser resurfacing on {when}",
        "Hello {patient_name},

Your laser resurfacing is {day}, {when}. To prepare over the two weeks before it:

- No sun exposure or tanning from today, including sunbeds and self-tan; use SPF 30 or higher every day.
- Pause retinoids and exfoliating acids for the last week before your treatment.
- Tell your doctor if you get cold sores (you may be given an antiviral), about any medication, and if you have taken isotretinoin in the past year.

Your appointment: {manage_url}",
    ),
    REMINDER,
    (
        "aftercare",
        "completed",
        0,
        "Caring for your skin after laser resurfacing",
        "Hello {patient_name},

Thank you for coming in today. As the treated area heals, new skin forms with smaller, less noticeable pores. Healing usually takes one to two weeks; some pinkness can last for several weeks after that.

At first expect redness, swelling and a warm, sunburn-like feeling. Our advice: cool (not icy) compresses and sleeping with your head raised help; swelling often peaks two to three days after treatment before it settles.

- Keep the area clean and moisturised exactly as your doctor showed you.
- Don't pick at crusting or peeling skin.
- Avoid the sun completely; use SPF 30 or higher once the skin has closed.
- No make-up until your doctor says so.

Call us on {clinic_phone} straight away if pain or swelling increases, the skin oozes, or you have a fever.",
    ),
    (
        "check_in",
        "completed",
        2 * DAY,
        "How are you healing, two days after your laser treatment?",
        "Hello {patient_name},

Redness and swelling are normal now, and swelling is often at its worst around two to three days after treatment before it settles. Keep following your aftercare, keep cooling the skin as shown, and stay out of the sun.

If anything worries you, call us on {clinic_phone}.",
    ),
    (
        "check_in",
        "completed",
        7 * DAY,
        "One week after your laser resurfacing",
        "Hello {patient_name},

By now new skin is forming. Keep it moisturised and protected with SPF 30 or higher every day.

If you have any questions about your healing, call us on {clinic_phone}.",
    ),
    MISSED,
    CANCELLATION,
];

const MICRODERMABRASION: &[StepSeed] = &[
    CONFIRMATION,
    REMINDER,
    (
        "aftercare",
        "completed",
        0,
        "After your microdermabrasion",
        "Hello {patient_name},

Thank you for coming in today. Your skin may feel slightly sensitive and look slightly pink; this usually settles within a day or two.

- Use a gentle cleanser and moisturiser.
- Apply SPF 30 or higher and avoid strong sun for a few days.
- Skip scrubs, exfoliating acids and retinoids for two days.

Call us on {clinic_phone} if the redness gets worse instead of settling, or you notice swelling, blistering or broken skin.",
    ),
    (
        "follow_up",
        "completed",
        21 * DAY,
        "Keep your skin smooth: book your next microdermabrasion",
        "Hello {patient_name},

Microdermabrasion works best as a regular routine every few weeks, improving texture and tone as well as pores.

Book your next session here: {book_url}",
    ),
    MISSED,
    CANCELLATION,
];

const MICRONEEDLING: &[StepSeed] = &[
    CONFIRMATION,
    (
        "preparation",
        "start",
        -3 * DAY,
        "Preparing for your microneedling on {when}",
        "Hello {patient_name},

Your microneedling is {day}, {when}. A numbing cream is applied when you arrive, so please allow a little extra time.

- For the days before, avoid sunburn and pause retinoids and exfoliating acids.
- Come with clean skin and no make-up.
- Tell us if you have a cold sore, active acne breakout or broken skin on the area.

Your appointment: {manage_url}",
    ),
    REMINDER,
    (
        "aftercare",
        "completed",
        0,
        "Caring for your skin after microneedling",
        "Hello {patient_name},

Thank you for coming in today. Your skin may look red and feel sensitive, like a mild sunburn, for a few days.

- Keep it clean and use a gentle, fragrance-free moisturiser.
- No make-up for 24 hours.
- Avoid the sun, heavy sweating (gym, sauna) and retinoids or acids for a few days; use SPF 30 or higher.
- Don't pick, scratch or rub the treated skin, and keep your hands and pillowcase clean: the tiny punctures need a few days to close.

Call us on {clinic_phone} if you notice increasing pain, swelling or warmth, pus, or a fever: these can be signs of infection.

Results build over the coming weeks as new collagen forms: texture and pore size improve gradually.",
    ),
    (
        "check_in",
        "completed",
        3 * DAY,
        "How is your skin, three days after microneedling?",
        "Hello {patient_name},

The redness should be fading now. Keep moisturising and protecting your skin from the sun.

If anything worries you, call us on {clinic_phone}.",
    ),
    (
        "follow_up",
        "completed",
        35 * DAY,
        "Your next microneedling session",
        "Hello {patient_name},

Results from microneedling show over weeks, and it usually works best as a course of several sessions four to six weeks apart.

Book your next session here: {book_url}",
    ),
    MISSED,
    CANCELLATION,
];

/// The short variants of the preparation steps, for patients booked (or moved) inside the
/// preparation's window: only what can still be done, and what to ask the clinic about.
const LATE_PREPARATION: &[(&str, &str)] = &[
    (
        "chemical-peel",
        "Hello {patient_name},

Your chemical peel is {day}, {when}: sooner than the five days of preparation we usually suggest, so here is what still helps.

- From now until your visit, don't use retinoids (retinol, tretinoin) or exfoliating products such as AHA/BHA acids and scrubs.
- Stay out of the sun and use a broad-spectrum SPF 30 or higher.
- Don't wax or use hair-removal creams on the treatment area before your visit.

Please call us on {clinic_phone} before your visit if you have used retinoids or exfoliants, waxed or had sunburn in the last few days, or have a cold sore, broken skin or a new medication: your practitioner may adjust the peel or suggest another date.

On the day, come with clean skin and no make-up. Your appointment: {manage_url}",
    ),
    (
        "laser-resurfacing",
        "Hello {patient_name},

Your laser resurfacing is {day}, {when}: sooner than the two weeks of preparation we ask for.

- From now on, stay out of the sun and don't use sunbeds or self-tan; use SPF 30 or higher every day.
- Don't use retinoids or exfoliating acids before your treatment.

Please call us on {clinic_phone} before your visit if you can't follow this preparation, if you have had sun exposure, a tan, retinoids or exfoliating acids in the last two weeks, if you get cold sores (an antiviral may need to be started beforehand), or if you have taken isotretinoin in the past year. Your doctor may need to move the treatment to keep it safe.

Your appointment: {manage_url}",
    ),
    (
        "microneedling",
        "Hello {patient_name},

Your microneedling is {day}, {when}. A numbing cream is applied when you arrive, so please allow a little extra time.

- Until then, avoid sunburn and don't use retinoids or exfoliating acids.
- Come with clean skin and no make-up.

Please call us on {clinic_phone} before your visit if you have a cold sore, an active acne breakout, sunburn or broken skin on the area, or have used retinoids or acids in the last few days.

Your appointment: {manage_url}",
    ),
];

/// The short variant of a seeded step, if it has one.
fn late_body(slug: &str, kind: &str) -> &'static str {
    match kind {
        "preparation" => LATE_PREPARATION
            .iter()
            .find(|(s, _)| *s == slug)
            .map_or("", |(_, body)| body),
        _ => "",
    }
}

/// Seeds the default plans for the four seeded treatments when no plan exists yet (a fresh
/// database, or one from before care plans existed). Never over a clinic's own plans.
pub fn seed_if_empty(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<bool> {
    conn.transaction(|conn| {
        let existing: i64 = care_plan_steps::table.count().get_result(conn)?;
        if existing > 0 {
            return Ok(false);
        }
        let plans: [(&str, &[StepSeed]); 4] = [
            ("chemical-peel", PEEL),
            ("laser-resurfacing", LASER),
            ("microdermabrasion", MICRODERMABRASION),
            ("microneedling", MICRONEEDLING),
        ];
        for (slug, steps) in plans {
            let id: Option<i32> = treatments::table
                .filter(treatments::slug.eq(slug))
                .select(treatments::id)
                .first(conn)
                .optional()?;
            let Some(treatment_id) = id else { continue };
            for (position, (kind, anchor, offset, subject, body)) in steps.iter().enumerate() {
                diesel::insert_into(care_plan_steps::table)
                    .values(NewCarePlanStep {
                        treatment_id,
                        position: position as i32,
                        kind,
                        anchor,
                        offset_minutes: *offset,
                        subject,
                        body,
                        active: true,
                        updated_at: now,
                        late_body: late_body(slug, kind),
                    })
                    .execute(conn)?;
            }
        }
        Ok(true)
    })
}
