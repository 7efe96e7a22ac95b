//! Shared devices and rooms: which are free (for availability), taking them inside the booking
//! transaction, and the admin's edits. The database's guard (trigger / exclusion constraint on
//! `appointment_resources`) backs up the check here, so a race ends in a clean 409.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use diesel::Connection;
use serde_json::json;

use crate::db::DbConnection;
use crate::db::models::{AppointmentRow, TreatmentRow, from_db, to_db};
pub use crate::db::resources::ResourceRow;
use crate::db::resources::{self as store, NewResource};
use crate::domain::availability::SlotProblem;
use crate::domain::errors::FieldErrors;
use crate::domain::hours::WeeklyHours;
use crate::domain::resources::{Held, Needs, Resource, open_spans, parse_kind, within};
use crate::domain::time::{datetime_label, local_parts};
use crate::domain::working_week::{WeekInput, rows, summary};
use crate::error::AppError;
use crate::service::audit::{self, Actor, Entry};
use crate::service::catalog_snapshot::{self, CatalogSnapshot};

/// What `treatment` needs and what of it is taken in `[from, to)`, with each resource's own
/// hours (from the catalog in memory) laid out over those days; `exclude` leaves one
/// appointment's holdings out (the one being moved).
pub fn needs_around(
    conn: &mut DbConnection,
    treatment_id: i32,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    exclude: Option<i32>,
) -> Result<Needs, AppError> {
    let cat = catalog_snapshot::current(conn)?;
    needs_around_in(conn, &cat, treatment_id, from, to, exclude)
}

/// `needs_around` with the catalog already read (one freshness check per request): the kinds
/// and resources come from memory, only the holdings from the database.
pub fn needs_around_in(
    conn: &mut DbConnection,
    cat: &CatalogSnapshot,
    treatment_id: i32,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    exclude: Option<i32>,
) -> Result<Needs, AppError> {
    let kinds = cat.kinds_needed(treatment_id);
    if kinds.is_empty() {
        return Ok(Needs::default());
    }
    let rows = cat.active_of_kinds(&kinds);
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let held = store::held_between(conn, &ids, to_db(from), to_db(to), exclude)?;
    let tz = cat.clinic.tz;
    // A day either side: a session near local midnight may fall on the neighbouring date.
    let (first, last) = (
        local_parts(tz, from).0 - Duration::days(1),
        local_parts(tz, to).0 + Duration::days(1),
    );
    Ok(Needs::new(
        kinds,
        rows.into_iter()
            .map(|r| Resource {
                open: cat
                    .resource_week(r.id)
                    .map(|week| open_spans(tz, &week, first, last)),
                id: r.id,
                kind: r.kind,
            })
            .collect(),
        held.into_iter()
            .map(|(resource_id, s, e)| Held {
                resource_id,
                start: from_db(s),
                end: from_db(e),
            })
            .collect(),
    ))
}

/// Inside the booking (or move) transaction: takes one free resource of each kind the
/// appointment's treatment needs, for its whole held time. None open: `ResourceClosed`; none
/// free: the slot is taken.
///
/// Two bookings for different practitioners racing on PostgreSQL both see room 1 free and both
/// try it; the database lets one have it and the other's insert fails. That one then tries the
/// next free room of the kind (each try in its own savepoint, so the failure doesn't spoil the
/// transaction), so N racers for N rooms all get one. SQLite has one writer: no race to lose.
pub fn take_for(
    conn: &mut DbConnection,
    treatment: &TreatmentRow,
    row: &AppointmentRow,
) -> Result<(), AppError> {
    let cat = catalog_snapshot::current(conn)?;
    take_for_in(conn, &cat, treatment, row)
}

/// `take_for` with the catalog the booking transaction read.
pub fn take_for_in(
    conn: &mut DbConnection,
    cat: &catalog_snapshot::CatalogSnapshot,
    treatment: &TreatmentRow,
    row: &AppointmentRow,
) -> Result<(), AppError> {
    let (start, end, until) = (
        from_db(row.starts_at),
        from_db(row.ends_at),
        from_db(row.blocks_until),
    );
    let needs = needs_around_in(conn, cat, treatment.id, start, until, Some(row.id))?;
    let candidates = needs
        .candidates(start, end, until)
        .map_err(AppError::SlotUnavailable)?;
    for of_kind in candidates {
        let mut taken = false;
        for resource_id in of_kind {
            // Outside the savepoint below: the lock must last to the end of the transaction.
            store::lock_for_hold(conn, resource_id, row.starts_at, row.blocks_until)?;
            let attempt = crate::db::writer::may_fail(conn, |c| {
                store::hold(c, row.id, resource_id, row.starts_at, row.blocks_until)
            });
            match attempt {
                Ok(_) => {
                    taken = true;
                    break;
                }
                Err(e) if crate::db::is_overlap(&e) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        if !taken {
            return Err(AppError::SlotUnavailable(SlotProblem::Taken));
        }
    }
    Ok(())
}

/// Before an appointment moves: lets go of what it holds, so `take_for` picks afresh.
pub fn release(conn: &mut DbConnection, appointment_id: i32) -> Result<(), AppError> {
    store::release(conn, appointment_id)?;
    Ok(())
}

/// Keeps only the items whose session (`span`: start, end, held until) finds every resource
/// the treatment needs open and free. One query for the whole span of the items.
pub fn keep_free<T>(
    conn: &mut DbConnection,
    cat: &CatalogSnapshot,
    treatment_id: i32,
    items: Vec<T>,
    span: impl Fn(&T) -> (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>),
    exclude: Option<i32>,
) -> Result<Vec<T>, AppError> {
    let (Some(from), Some(to)) = (
        items.iter().map(|i| span(i).0).min(),
        items.iter().map(|i| span(i).2).max(),
    ) else {
        return Ok(items);
    };
    let needs = needs_around_in(conn, cat, treatment_id, from, to, exclude)?;
    if needs.kinds.is_empty() {
        return Ok(items);
    }
    Ok(items
        .into_iter()
        .filter(|i| {
            let (s, e, u) = span(i);
            needs.pick(s, e, u).is_some()
        })
        .collect())
}

/// The resources each appointment holds, by appointment id (for the day view).
pub fn held_by(
    conn: &mut DbConnection,
    appointment_ids: &[i32],
) -> Result<BTreeMap<i32, Vec<ResourceRow>>, AppError> {
    let mut map: BTreeMap<i32, Vec<ResourceRow>> = BTreeMap::new();
    for (id, r) in store::held_by(conn, appointment_ids)? {
        map.entry(id).or_default().push(r);
    }
    Ok(map)
}

/// The admin's view: every resource with its hours, and each treatment's needs.
#[derive(Debug, Clone)]
pub struct Inventory {
    pub resources: Vec<ResourceRow>,
    /// Each resource's hours as a line ("Mon 09:00–13:00; …"), by id; a resource without hours
    /// of its own is absent (available whenever the clinic is open).
    pub hours: BTreeMap<i32, String>,
    pub treatments: Vec<(TreatmentRow, Vec<String>)>,
}

pub fn inventory(conn: &mut DbConnection) -> Result<Inventory, AppError> {
    let resources = store::all(conn)?;
    let cat = catalog_snapshot::current(conn)?;
    let hours = resources
        .iter()
        .filter_map(|r| {
            cat.resource_week(r.id)
                .map(|w| (r.id, summary(&w).join("; ")))
        })
        .collect();
    let needs = store::all_needs(conn)?;
    let treatments = crate::db::treatments::all_treatments(conn)?
        .into_iter()
        .map(|t| {
            let kinds = needs
                .iter()
                .filter(|(id, _)| *id == t.id)
                .map(|(_, k)| k.clone())
                .collect();
            (t, kinds)
        })
        .collect();
    Ok(Inventory {
        resources,
        hours,
        treatments,
    })
}

pub fn all(conn: &mut DbConnection) -> Result<Vec<ResourceRow>, AppError> {
    Ok(store::all(conn)?)
}

fn invalid(field: &str, message: &str) -> AppError {
    let mut f = FieldErrors::new();
    f.add(field, message);
    AppError::Invalid(f)
}

fn record(
    c: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    action: &'static str,
    id: Option<i32>,
    after: serde_json::Value,
) -> Result<(), AppError> {
    audit::record(
        c,
        now,
        actor,
        Entry {
            action,
            subject_kind: "resource",
            subject_id: id,
            before: None,
            after: Some(after),
            note: None,
        },
    )?;
    Ok(())
}

/// A name and kind as typed, checked: (name, kind), or every problem by field.
fn parse_resource<'a>(name: &'a str, kind: &str) -> Result<(&'a str, String), AppError> {
    let name = name.trim();
    let mut errors = FieldErrors::new();
    if name.is_empty() || name.chars().count() > 80 {
        errors.add("name", "Give the resource a name of 1 to 80 characters.");
    }
    let kind = parse_kind(kind);
    if kind.is_none() {
        errors.add(
            "kind",
            "Give a kind of 1 to 60 characters, e.g. \"laser device\".",
        );
    }
    if name
        .chars()
        .any(|c| crate::domain::input::refused_char(c, false))
    {
        errors.add("name", "A name cannot contain control characters.");
    }
    match kind.filter(|_| errors.is_empty()) {
        Some(kind) => Ok((name, kind)),
        None => Err(AppError::Invalid(errors)),
    }
}

/// A name already taken is a mistake in `name`.
fn name_taken(result: Result<(), AppError>) -> Result<(), AppError> {
    match crate::service::changes::committed(result) {
        Err(AppError::Db(e)) if crate::db::is_unique_violation(&e) => Err(invalid(
            "name",
            "There is already a resource with that name.",
        )),
        other => other,
    }
}

/// Adds a resource (count one) of a kind.
pub fn create(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    name: &str,
    kind: &str,
) -> Result<(), AppError> {
    let (name, kind) = parse_resource(name, kind)?;
    let result = conn.transaction(|c| {
        store::insert(
            c,
            &NewResource {
                name,
                kind: &kind,
                active: true,
            },
        )?;
        record(
            c,
            now,
            actor,
            "resource.create",
            None,
            json!({"name": name, "kind": kind}),
        )
    });
    name_taken(result)
}

/// Renames a resource or changes its kind. Appointments already holding it keep it; from now
/// on it serves treatments that need its new kind.
pub fn update(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    id: i32,
    name: &str,
    kind: &str,
) -> Result<(), AppError> {
    let (name, kind) = parse_resource(name, kind)?;
    let result = conn.transaction(|c| {
        if store::rename(c, id, name, &kind)? == 0 {
            return Err(AppError::NotFound("resource"));
        }
        record(
            c,
            now,
            actor,
            "resource.update",
            Some(id),
            json!({"name": name, "kind": kind}),
        )
    });
    name_taken(result)
}

/// Takes a resource out of use (or back): appointments already holding it keep it.
pub fn set_active(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    id: i32,
    active: bool,
) -> Result<(), AppError> {
    conn.transaction(|c| {
        if store::set_active(c, id, active)? == 0 {
            return Err(AppError::NotFound("resource"));
        }
        record(
            c,
            now,
            actor,
            "resource.update",
            Some(id),
            json!({"active": active}),
        )
    })
}

/// Sets the kinds a treatment needs (a comma-separated list as the form gives it).
pub fn set_needs(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    treatment_id: i32,
    kinds: &str,
) -> Result<(), AppError> {
    let mut parsed: Vec<String> = Vec::new();
    for raw in kinds.split(',').filter(|k| !k.trim().is_empty()) {
        match parse_kind(raw) {
            Some(k) if !parsed.contains(&k) => parsed.push(k),
            Some(_) => {}
            None => {
                return Err(invalid(
                    "kinds",
                    "Each kind is 1 to 60 characters, separated by commas.",
                ));
            }
        }
    }
    conn.transaction(|c| {
        if crate::db::treatments::find_treatment(c, treatment_id)?.is_none() {
            return Err(AppError::NotFound("treatment"));
        }
        store::set_needs(c, treatment_id, &parsed)?;
        record(
            c,
            now,
            actor,
            "treatment.resources",
            Some(treatment_id),
            json!({"kinds": parsed}),
        )
    })
}

/// A resource's page: the resource, its own weekly hours (`None`: whenever the clinic is open)
/// and the upcoming appointments holding it outside them (kept, but worth a look).
#[derive(Debug, Clone)]
pub struct HoursPage {
    pub resource: ResourceRow,
    pub week: Option<WeeklyHours>,
    /// (appointment id, its start as the clinic's wall clock says it)
    pub outside: Vec<(i32, String)>,
}

pub fn with_hours(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    id: i32,
) -> Result<HoursPage, AppError> {
    let resource = store::by_id(conn, id)?.ok_or(AppError::NotFound("resource"))?;
    let cat = catalog_snapshot::current(conn)?;
    let week = cat.resource_week(id);
    let tz = cat.clinic.tz;
    let outside = match &week {
        None => Vec::new(),
        Some(w) => store::upcoming_holdings(conn, id, to_db(now))?
            .into_iter()
            .map(|(aid, s, e)| (aid, from_db(s), from_db(e)))
            .filter(|(_, s, e)| {
                let (date, _) = local_parts(tz, *s);
                let spans = open_spans(tz, w, date - Duration::days(1), date + Duration::days(1));
                !within(&spans, *s, *e)
            })
            .map(|(aid, s, _)| (aid, datetime_label(tz, s)))
            .collect(),
    };
    Ok(HoursPage {
        resource,
        week,
        outside,
    })
}

/// Sets a resource's weekly hours, as the week editor posted them. A week left all empty clears
/// them: the resource is then available whenever the clinic is open. Bookings already holding
/// it keep it; only new bookings and moves are held to the new hours.
pub fn set_hours(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    id: i32,
    week: &WeekInput,
) -> Result<(), AppError> {
    let hours = week.parse().map_err(AppError::Invalid)?;
    let rows = rows(&hours);
    conn.transaction(|c| {
        if store::by_id(c, id)?.is_none() {
            return Err(AppError::NotFound("resource"));
        }
        store::replace_hours(c, id, &rows)?;
        let after = if rows.is_empty() {
            json!({"hours": "whenever the clinic is open"})
        } else {
            json!({"hours": summary(&hours)})
        };
        record(c, now, actor, "resource.hours", Some(id), after)
    })
}

/// Whether every device and room `treatment_id` needs is free for `[start, until)` (for pages
/// outside a transaction; booking re-checks under its lock).
pub fn free_at(
    conn: &mut DbConnection,
    treatment_id: i32,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<(), AppError> {
    needs_around(conn, treatment_id, start, until, None)?
        .candidates(start, end, until)
        .map(|_| ())
        .map_err(AppError::SlotUnavailable)
}
