//! Shared devices and rooms: the resources, which kinds a treatment needs, and which resource an
//! appointment holds. The overlap guard on `appointment_resources` lives in the migrations.

use chrono::NaiveDateTime;
use diesel::connection::DefaultLoadingMode;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{appointment_resources, resource_hours, resources, treatment_resource_kinds};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = resources)]
pub struct ResourceRow {
    pub id: i32,
    pub name: String,
    pub kind: String,
    pub active: bool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = resources)]
pub struct NewResource<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub active: bool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = appointment_resources)]
struct NewHolding {
    appointment_id: i32,
    resource_id: i32,
    starts_at: NaiveDateTime,
    blocks_until: NaiveDateTime,
    active: bool,
}

/// One interval of a resource's weekly hours (weekday 0 = Monday, minutes of the local day).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = resource_hours)]
pub struct ResourceHoursRow {
    pub id: i32,
    pub resource_id: i32,
    pub weekday: i32,
    pub start_minute: i32,
    pub end_minute: i32,
}

/// Every resource's weekly hours (for the in-memory catalog).
pub fn all_hours(conn: &mut DbConnection) -> QueryResult<Vec<ResourceHoursRow>> {
    resource_hours::table
        .order((
            resource_hours::resource_id,
            resource_hours::weekday,
            resource_hours::start_minute,
        ))
        .select(ResourceHoursRow::as_select())
        .load(conn)
}

/// Replaces a resource's week with these (weekday, start, end) rows; none means "whenever the
/// clinic is open". Call inside a transaction.
pub fn replace_hours(
    conn: &mut DbConnection,
    resource_id: i32,
    rows: &[(i32, i32, i32)],
) -> QueryResult<()> {
    diesel::delete(resource_hours::table.filter(resource_hours::resource_id.eq(resource_id)))
        .execute(conn)?;
    // One row at a time: MultiConnection has no multi-row insert.
    for &(weekday, start_minute, end_minute) in rows {
        diesel::insert_into(resource_hours::table)
            .values((
                resource_hours::resource_id.eq(resource_id),
                resource_hours::weekday.eq(weekday),
                resource_hours::start_minute.eq(start_minute),
                resource_hours::end_minute.eq(end_minute),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A time a resource is taken: (resource id, start, held until).
pub type Holding = (i32, NaiveDateTime, NaiveDateTime);

pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<ResourceRow>> {
    resources::table
        .order((resources::kind, resources::name))
        .select(ResourceRow::as_select())
        .load(conn)
}

pub fn by_id(conn: &mut DbConnection, id: i32) -> QueryResult<Option<ResourceRow>> {
    resources::table
        .find(id)
        .select(ResourceRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, new: &NewResource<'_>) -> QueryResult<usize> {
    diesel::insert_into(resources::table)
        .values(new)
        .execute(conn)
}

pub fn rename(conn: &mut DbConnection, id: i32, name: &str, kind: &str) -> QueryResult<usize> {
    diesel::update(resources::table.find(id))
        .set((resources::name.eq(name), resources::kind.eq(kind)))
        .execute(conn)
}

pub fn set_active(conn: &mut DbConnection, id: i32, active: bool) -> QueryResult<usize> {
    diesel::update(resources::table.find(id))
        .set(resources::active.eq(active))
        .execute(conn)
}

/// The kinds a treatment needs one resource of each.
pub fn kinds_needed(conn: &mut DbConnection, treatment_id: i32) -> QueryResult<Vec<String>> {
    treatment_resource_kinds::table
        .filter(treatment_resource_kinds::treatment_id.eq(treatment_id))
        .order(treatment_resource_kinds::kind)
        .select(treatment_resource_kinds::kind)
        .load(conn)
}

/// Every (treatment id, kind) need.
pub fn all_needs(conn: &mut DbConnection) -> QueryResult<Vec<(i32, String)>> {
    treatment_resource_kinds::table
        .order((
            treatment_resource_kinds::treatment_id,
            treatment_resource_kinds::kind,
        ))
        .select((
            treatment_resource_kinds::treatment_id,
            treatment_resource_kinds::kind,
        ))
        .load(conn)
}

/// Replaces what a treatment needs (call inside a transaction).
pub fn set_needs(conn: &mut DbConnection, treatment_id: i32, kinds: &[String]) -> QueryResult<()> {
    diesel::delete(
        treatment_resource_kinds::table
            .filter(treatment_resource_kinds::treatment_id.eq(treatment_id)),
    )
    .execute(conn)?;
    for kind in kinds {
        diesel::insert_into(treatment_resource_kinds::table)
            .values((
                treatment_resource_kinds::treatment_id.eq(treatment_id),
                treatment_resource_kinds::kind.eq(kind),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Active resources of these kinds, by id (the order resources are tried in).
pub fn active_of_kinds(conn: &mut DbConnection, kinds: &[String]) -> QueryResult<Vec<ResourceRow>> {
    match conn {
        // One array parameter (`= ANY($1)`): one statement, prepared once.
        DbConnection::Pg(c) => resources::table
            .filter(resources::kind.eq_any(kinds))
            .filter(resources::active.eq(true))
            .order(resources::id)
            .select(ResourceRow::as_select())
            .load(c),
        // SQLite's `IN (?, …)` changes its text with the set's size and is parsed afresh on
        // every call; one fixed statement per kind stays prepared (a treatment needs one or two).
        DbConnection::Sqlite(c) => {
            let mut rows = Vec::new();
            for kind in kinds {
                rows.extend(
                    resources::table
                        .filter(resources::kind.eq(kind))
                        .filter(resources::active.eq(true))
                        .select(ResourceRow::as_select())
                        .load(c)?,
                );
            }
            rows.sort_by_key(|r| r.id);
            rows.dedup_by_key(|r| r.id);
            Ok(rows)
        }
    }
}

/// Times the given resources are held that reach into `[from, to)`, leaving out one
/// appointment's (the one being moved).
pub fn held_between(
    conn: &mut DbConnection,
    ids: &[i32],
    from: NaiveDateTime,
    to: NaiveDateTime,
    exclude: Option<i32>,
) -> QueryResult<Vec<Holding>> {
    // Nothing is held for a day (a schema CHECK): lets the index skip older history.
    let since = from - chrono::Duration::days(1);
    let exclude = exclude.unwrap_or(-1);
    match conn {
        // One array parameter (`= ANY($1)`): one statement, prepared once.
        DbConnection::Pg(c) => appointment_resources::table
            .filter(appointment_resources::resource_id.eq_any(ids))
            .filter(appointment_resources::active.eq(true))
            .filter(appointment_resources::appointment_id.ne(exclude))
            .filter(appointment_resources::starts_at.lt(to))
            .filter(appointment_resources::starts_at.gt(since))
            .filter(appointment_resources::blocks_until.gt(from))
            .select((
                appointment_resources::resource_id,
                appointment_resources::starts_at,
                appointment_resources::blocks_until,
            ))
            .load(c),
        // SQLite: one fixed statement per resource, prepared once per connection, rather than
        // an `IN (?, …)` list parsed afresh on every call.
        // Bound and read as `SqliteTime`: the same text, without chrono's format parsing.
        DbConnection::Sqlite(c) => {
            use super::sqlite_time::SqliteTime;
            let (from, to, since) = (SqliteTime(from), SqliteTime(to), SqliteTime(since));
            let mut out = Vec::new();
            for &id in ids {
                out.extend(
                    appointment_resources::table
                        .filter(appointment_resources::resource_id.eq(id))
                        .filter(appointment_resources::active.eq(true))
                        .filter(appointment_resources::appointment_id.ne(exclude))
                        .filter(appointment_resources::starts_at.lt(to))
                        .filter(appointment_resources::starts_at.gt(since))
                        .filter(appointment_resources::blocks_until.gt(from))
                        .select((
                            appointment_resources::resource_id,
                            appointment_resources::starts_at,
                            appointment_resources::blocks_until,
                        ))
                        .load_iter::<(i32, SqliteTime, SqliteTime), DefaultLoadingMode>(c)?
                        .map(|r| r.map(|(id, s, e)| (id, s.0, e.0)))
                        .collect::<QueryResult<Vec<Holding>>>()?,
                );
            }
            Ok(out)
        }
    }
}

/// On PostgreSQL, queues this transaction behind any other that is taking `resource_id` on a
/// UTC day that `[starts_at, blocks_until)` touches (transaction-scoped advisory locks, days in
/// ascending order). Without it, racers inserting holdings of one device at one time each put
/// their index entry in and then wait for the other's on the exclusion constraint, which
/// PostgreSQL resolves by aborting one as a deadlock; with 64 racers under load some ran out
/// of retries and answered 500. Resources are taken in id order within a kind and kinds in one
/// order, so these locks are always taken in one order. The key's first half is the negated
/// id: practitioners' booking locks (db::practitioners) use their positive ids. SQLite's one
/// writer queues them anyway.
pub fn lock_for_hold(
    conn: &mut DbConnection,
    resource_id: i32,
    starts_at: NaiveDateTime,
    blocks_until: NaiveDateTime,
) -> QueryResult<()> {
    let DbConnection::Pg(c) = conn else {
        return Ok(());
    };
    let (first_day, last_day) = super::practitioners::utc_days(starts_at, blocks_until);
    diesel::sql_query("SELECT pg_advisory_xact_lock($1, $2), pg_advisory_xact_lock($1, $3)")
        .bind::<diesel::sql_types::Integer, _>(-resource_id)
        .bind::<diesel::sql_types::Integer, _>(first_day)
        .bind::<diesel::sql_types::Integer, _>(last_day)
        .execute(c)
        .map(|_| ())
}

/// Records that an appointment holds a resource; the database refuses an overlap.
pub fn hold(
    conn: &mut DbConnection,
    appointment_id: i32,
    resource_id: i32,
    starts_at: NaiveDateTime,
    blocks_until: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(appointment_resources::table)
        .values(NewHolding {
            appointment_id,
            resource_id,
            starts_at,
            blocks_until,
            active: true,
        })
        .execute(conn)
}

/// Appointments holding a resource that start at or after `from`: (appointment id, start, end).
pub fn upcoming_holdings(
    conn: &mut DbConnection,
    resource_id: i32,
    from: NaiveDateTime,
) -> QueryResult<Vec<(i32, NaiveDateTime, NaiveDateTime)>> {
    use super::schema::appointments;
    appointment_resources::table
        .inner_join(appointments::table)
        .filter(appointment_resources::resource_id.eq(resource_id))
        .filter(appointment_resources::active.eq(true))
        .filter(appointment_resources::starts_at.ge(from))
        .order(appointment_resources::starts_at)
        .select((
            appointments::id,
            appointments::starts_at,
            appointments::ends_at,
        ))
        .load(conn)
}

/// Lets go of everything an appointment holds (before it is moved and assigned afresh).
pub fn release(conn: &mut DbConnection, appointment_id: i32) -> QueryResult<usize> {
    diesel::delete(
        appointment_resources::table
            .filter(appointment_resources::appointment_id.eq(appointment_id)),
    )
    .execute(conn)
}

/// The resources each of these appointments holds: (appointment id, resource).
pub fn held_by(
    conn: &mut DbConnection,
    appointment_ids: &[i32],
) -> QueryResult<Vec<(i32, ResourceRow)>> {
    appointment_resources::table
        .inner_join(resources::table)
        .filter(appointment_resources::appointment_id.eq_any(appointment_ids))
        .order(resources::name)
        .select((
            appointment_resources::appointment_id,
            ResourceRow::as_select(),
        ))
        .load(conn)
}
