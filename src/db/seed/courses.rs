//! The demo clinic's recommended courses, from the article (shared/seed) and standard
//! practice: microneedling as a course of 3 sessions 4–6 weeks apart (the skin's collagen
//! renewal cycle), chemical peels as a series of 3, 2–4 weeks apart. Laser resurfacing and
//! microdermabrasion have none: "one or several sessions" on the practitioner's plan (admins
//! add one in the console when they want the interval checked).

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::courses;
use crate::db::schema::treatments;

/// (slug, sessions, minimum days apart, maximum days apart)
const PLANS: &[(&str, i32, i32, i32)] =
    &[("microneedling", 3, 28, 42), ("chemical-peel", 3, 14, 28)];

pub fn seed(conn: &mut DbConnection) -> QueryResult<()> {
    for &(slug, sessions, min, max) in PLANS {
        let id: Option<i32> = treatments::table
            .filter(treatments::slug.eq(slug))
            .select(treatments::id)
            .first(conn)
            .optional()?;
        if let Some(id) = id {
            courses::set_plan(conn, id, Some((sessions, min, max)))?;
        }
    }
    Ok(())
}
