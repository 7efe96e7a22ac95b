//! The demo clinic's devices and rooms: one laser (its own suite, so laser resurfacing needs
//! only the device) and a treatment room per practitioner for everything else. Seeded with the
//! demo clinic only; a clinic upgraded from before resources existed starts with none and adds
//! its own in the console (until then nothing is restricted).

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::resources::{self, NewResource};
use crate::db::schema::treatments;

const RESOURCES: &[(&str, &str)] = &[
    ("Laser device", "laser device"),
    ("Room 1", "treatment room"),
    ("Room 2", "treatment room"),
    ("Room 3", "treatment room"),
];

/// (treatment slug, kinds it needs)
const NEEDS: &[(&str, &[&str])] = &[
    ("laser-resurfacing", &["laser device"]),
    ("chemical-peel", &["treatment room"]),
    ("microdermabrasion", &["treatment room"]),
    ("microneedling", &["treatment room"]),
];

pub fn seed(conn: &mut DbConnection) -> QueryResult<()> {
    for (name, kind) in RESOURCES {
        resources::insert(
            conn,
            &NewResource {
                name,
                kind,
                active: true,
            },
        )?;
    }
    for (slug, kinds) in NEEDS {
        let id: Option<i32> = treatments::table
            .filter(treatments::slug.eq(slug))
            .select(treatments::id)
            .first(conn)
            .optional()?;
        if let Some(id) = id {
            let kinds: Vec<String> = kinds.iter().map(|k| k.to_string()).collect();
            resources::set_needs(conn, id, &kinds)?;
        }
    }
    Ok(())
}
