//! The demo clinic and the treatment catalog of the article in shared/seed, inserted once into
//! an empty database and never over a clinic's own data.

use chrono::NaiveDateTime;
use diesel::prelude::*;

pub mod care_plans;
pub mod clinical;
pub mod courses;
pub mod resources;

use crate::db::models::*;
use crate::db::schema::*;
use crate::db::{DbConnection, with_startup_lock};

pub struct SeedOptions<'a> {
    pub timezone: &'a str,
    pub rules: crate::domain::availability::BookingRules,
    pub cancel_cutoff_hours: i32,
    pub mail_window: (u16, u16),
    pub now: NaiveDateTime,
}

/// Seeds when there is no clinic yet. Returns whether it did.
pub fn seed_if_empty(conn: &mut DbConnection, opts: &SeedOptions<'_>) -> QueryResult<bool> {
    with_startup_lock(conn, |conn| {
        conn.transaction(|conn| {
            let existing: i64 = clinics::table.count().get_result(conn)?;
            if existing > 0 {
                return Ok(false);
            }
            insert_demo(conn, opts)?;
            Ok(true)
        })
    })
}

struct TreatmentSeed {
    slug: &'static str,
    name: &'static str,
    summary: &'static str,
    description: &'static str,
    during: &'static str,
    recovery: &'static str,
    sessions: &'static str,
    duration: i32,
    buffer: i32,
    /// The article's prices, in US dollars (cents).
    price: (i32, i32),
    /// A London clinic's own prices for the same treatment, in pounds (pence).
    price_gbp: (i32, i32),
    qualifications: &'static str,
}

const TREATMENTS: &[TreatmentSeed] = &[
    TreatmentSeed {
        slug: "chemical-peel",
        name: "Chemical peel",
        summary: "A solution exfoliates the top layer of your skin, revealing fresher, smoother, less pore-clogged skin beneath.",
        description: "A chemical peel uses a carefully selected solution to exfoliate the top layer of the skin. \
            The type and strength of the solution are chosen for your skin type and how pronounced your pores are. \
            Shedding the old, pore-clogged layer makes way for fresher, smoother skin.",
        during: "A trained professional applies the chemical solution to your skin and leaves it on for a set time. \
            You may feel tingling or stinging, which is completely normal. The solution is then neutralised and removed.",
        recovery: "Expect some redness and peeling in the days after the treatment: that is the old, pore-clogged \
            skin being shed. Don't pick at peeling skin; use a gentle cleanser, moisturiser and sunscreen.",
        sessions: "Often repeated as a course; your practitioner will advise how many sessions suit your skin.",
        duration: 45,
        buffer: 15,
        price: (10_000, 50_000),
        price_gbp: (8_000, 40_000),
        qualifications: "esthetician,nurse,physician",
    },
    TreatmentSeed {
        slug: "laser-resurfacing",
        name: "Laser resurfacing",
        summary: "A laser vaporises the damaged top layer of skin and stimulates collagen and elastin, so new skin forms with smaller pores.",
        description: "Laser resurfacing is performed by a dermatologist or cosmetic surgeon. A concentrated beam of light \
            is absorbed by the water in your skin cells and vaporises damaged cells, stimulating the production of \
            collagen and elastin. As the treated area heals, new skin forms with smaller, less noticeable pores.",
        during: "Your physician passes the laser over the treatment area; the energy vaporises the damaged top layer \
            of skin. Our clinic numbs the skin first and cools it during and after the treatment to keep you \
            comfortable; your doctor talks you through what you will feel.",
        recovery: "As the treated area heals, new skin forms; healing usually takes one to two weeks, with redness, \
            swelling and crusting at first and pinkness that can last several weeks. Avoid sun and tanning, keep the \
            skin moisturised and protected, and follow your doctor's aftercare instructions closely.",
        sessions: "Some people see significant improvement after one treatment; others need several sessions. Your \
            doctor will create a personalised treatment plan.",
        duration: 90,
        buffer: 30,
        price: (200_000, 500_000),
        price_gbp: (160_000, 400_000),
        qualifications: "physician",
    },
    TreatmentSeed {
        slug: "microdermabrasion",
        name: "Microdermabrasion",
        summary: "A diamond- or crystal-tipped wand gently buffs away dead skin cells and impurities for a fresher complexion.",
        description: "Microdermabrasion uses a specialised device to slough away the outer layer of the skin. Besides \
            reducing the appearance of large pores it improves the overall texture and tone of the skin, and can be \
            done on the face, neck, chest and hands.",
        during: "A handheld device with a diamond or crystal-tipped wand is passed over your skin with a gentle \
            suction that removes dead skin cells and debris. It is painless and takes less than an hour.",
        recovery: "Your skin may feel slightly sensitive and look slightly pink afterwards; this usually subsides \
            within a day or two.",
        sessions: "Can be repeated every few weeks as part of a regular routine.",
        duration: 45,
        buffer: 15,
        price: (15_000, 30_000),
        price_gbp: (12_000, 24_000),
        qualifications: "esthetician,nurse,physician",
    },
    TreatmentSeed {
        slug: "microneedling",
        name: "Microneedling",
        summary: "Tiny, super-fine needles create micro-injuries that trigger collagen and elastin production: smaller pores, plumper skin.",
        description: "Microneedling uses a dermaroller covered in tiny, super-fine needles. The microscopic punctures \
            trigger the skin's natural healing response; new collagen and elastin tighten and smooth the skin and help \
            fill in and minimise pores. It suits all skin types and is especially effective for acne scars and uneven \
            texture.",
        during: "A numbing cream is applied first for your comfort. Once your skin is numb, the dermaroller is gently \
            rolled over the treatment areas.",
        recovery: "Your skin may look slightly red and feel sensitive, like a mild sunburn; this usually subsides \
            within a few days. Improvements in texture and pore size show within a few weeks.",
        sessions: "Usually a course of several sessions a few weeks apart.",
        duration: 75,
        buffer: 15,
        price: (30_000, 70_000),
        price_gbp: (24_000, 56_000),
        qualifications: "nurse,physician",
    },
];

struct PractitionerSeed {
    name: &'static str,
    title: &'static str,
    qualifications: &'static str,
    bio: &'static str,
    /// (weekday 0 = Monday, start minute, end minute)
    hours: &'static [(i32, i32, i32)],
}

const PRACTITIONERS: &[PractitionerSeed] = &[
    PractitionerSeed {
        name: "Dr. Amara Okafor",
        title: "Consultant dermatologist",
        qualifications: "physician",
        bio: "Dermatologist leading the clinic's laser and medical skin treatments.",
        hours: &[
            (0, 540, 1020),
            (1, 540, 1020),
            (3, 540, 1020),
            (4, 540, 780),
        ],
    },
    PractitionerSeed {
        name: "Jonah Reyes",
        title: "Aesthetic nurse practitioner",
        qualifications: "nurse",
        bio: "Registered nurse specialising in microneedling and chemical peels.",
        hours: &[
            (0, 540, 1080),
            (1, 540, 1080),
            (2, 540, 1080),
            (3, 540, 1080),
            (4, 540, 1080),
        ],
    },
    PractitionerSeed {
        name: "Lena Fischer",
        title: "Licensed esthetician",
        qualifications: "esthetician",
        bio: "Esthetician for peels, microdermabrasion and skin-care advice.",
        hours: &[
            (1, 600, 1080),
            (2, 600, 1080),
            (3, 600, 1080),
            (4, 600, 1080),
            (5, 600, 960),
        ],
    },
];

/// Monday–Friday 09:00–18:00, Saturday 10:00–16:00, closed Sunday.
const CLINIC_HOURS: &[(i32, i32, i32)] = &[
    (0, 540, 1080),
    (1, 540, 1080),
    (2, 540, 1080),
    (3, 540, 1080),
    (4, 540, 1080),
    (5, 600, 960),
];

/// Where the demo clinic is: its address, phone, currency and out-of-hours advice belong to one
/// place, chosen by the configured time zone.
struct DemoPlace {
    address: &'static str,
    phone: &'static str,
    currency: &'static str,
    out_of_hours: &'static str,
    /// Whether prices are the article's own (US dollars), or the place's.
    article_prices: bool,
}

const LONDON: DemoPlace = DemoPlace {
    address: "12 Harley Lane, London W1G 9QD",
    phone: "+44 20 7946 0000",
    currency: "GBP",
    out_of_hours: "Out of hours, if you are worried about your skin after a treatment, call NHS 111; in an emergency, call 999.",
    article_prices: false,
};

const NEW_YORK: DemoPlace = DemoPlace {
    address: "120 Madison Avenue, New York, NY 10016",
    phone: "+1 212 555 0142",
    currency: "USD",
    out_of_hours: "Out of hours, if you are worried about your skin after a treatment, contact your doctor's after-hours line or an urgent care center; in an emergency, call 911.",
    article_prices: true,
};

/// The US place for American zones, the London one otherwise (the default zone; staff edit
/// the demo details for any other place).
fn demo_place(zone: &str) -> &'static DemoPlace {
    if zone.starts_with("America/") || zone.starts_with("US/") || zone == "Pacific/Honolulu" {
        &NEW_YORK
    } else {
        &LONDON
    }
}

fn insert_demo(conn: &mut DbConnection, opts: &SeedOptions<'_>) -> QueryResult<()> {
    let place = demo_place(opts.timezone);
    diesel::insert_into(clinics::table)
        .values(NewClinic {
            name: "Carepath Skin Clinic",
            address: place.address,
            phone: place.phone,
            email: "hello@carepath.example",
            reply_to: "",
            out_of_hours: place.out_of_hours,
            currency: place.currency,
            timezone: opts.timezone,
            slot_minutes: i32::from(opts.rules.grid_minutes),
            lead_time_minutes: opts.rules.lead_time.num_minutes() as i32,
            horizon_days: opts.rules.horizon_days as i32,
            cancel_cutoff_hours: opts.cancel_cutoff_hours,
            created_at: opts.now,
            mail_window_start: i32::from(opts.mail_window.0),
            mail_window_end: i32::from(opts.mail_window.1),
        })
        .execute(conn)?;
    let hours: Vec<NewClinicHours> = CLINIC_HOURS
        .iter()
        .map(|&(weekday, open_minute, close_minute)| NewClinicHours {
            weekday,
            open_minute,
            close_minute,
        })
        .collect();
    // One row at a time: MultiConnection has no multi-row insert (SQLite lacks DEFAULT in VALUES).
    for h in &hours {
        diesel::insert_into(clinic_hours::table)
            .values(h)
            .execute(conn)?;
    }
    for (position, t) in TREATMENTS.iter().enumerate() {
        diesel::insert_into(treatments::table)
            .values(NewTreatment {
                slug: t.slug,
                name: t.name,
                summary: t.summary,
                description: t.description,
                during_session: t.during,
                recovery: t.recovery,
                sessions_note: t.sessions,
                duration_minutes: t.duration,
                buffer_minutes: t.buffer,
                price_min_cents: if place.article_prices {
                    t.price.0
                } else {
                    t.price_gbp.0
                },
                price_max_cents: if place.article_prices {
                    t.price.1
                } else {
                    t.price_gbp.1
                },
                qualifications: t.qualifications,
                active: true,
                position: position as i32,
            })
            .execute(conn)?;
    }
    for p in PRACTITIONERS {
        diesel::insert_into(practitioners::table)
            .values(NewPractitioner {
                name: p.name,
                title: p.title,
                qualifications: p.qualifications,
                bio: p.bio,
                active: true,
            })
            .execute(conn)?;
        let id: i32 = practitioners::table
            .filter(practitioners::name.eq(p.name))
            .select(practitioners::id)
            .order(practitioners::id.desc())
            .first(conn)?;
        let rows: Vec<NewPractitionerHours> = p
            .hours
            .iter()
            .map(
                |&(weekday, start_minute, end_minute)| NewPractitionerHours {
                    practitioner_id: id,
                    weekday,
                    start_minute,
                    end_minute,
                },
            )
            .collect();
        for r in &rows {
            diesel::insert_into(practitioner_hours::table)
                .values(r)
                .execute(conn)?;
        }
    }
    resources::seed(conn)?;
    courses::seed(conn)?;
    Ok(())
}
