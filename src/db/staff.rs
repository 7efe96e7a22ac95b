//! Staff accounts, their sessions, and shared secrets.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::models::*;
use super::schema::{app_secrets, staff_sessions, staff_users};

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    staff_users::table.count().get_result(conn)
}

pub fn by_email(conn: &mut DbConnection, email_lower: &str) -> QueryResult<Option<StaffRow>> {
    if email_lower.contains('\0') {
        // PostgreSQL refuses NUL in a parameter; no stored email holds one.
        return Ok(None);
    }
    staff_users::table
        .filter(staff_users::email.eq(email_lower))
        .select(StaffRow::as_select())
        .first(conn)
        .optional()
}

pub fn by_id(conn: &mut DbConnection, id: i32) -> QueryResult<Option<StaffRow>> {
    staff_users::table
        .find(id)
        .select(StaffRow::as_select())
        // One row by primary key; no `LIMIT ?`, which SQLite re-prepares on every run.
        .get_result(conn)
        .optional()
}

pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<StaffRow>> {
    staff_users::table
        .order(staff_users::email)
        .select(StaffRow::as_select())
        .load(conn)
}

pub fn insert(conn: &mut DbConnection, new: &NewStaff<'_>) -> QueryResult<StaffRow> {
    diesel::insert_into(staff_users::table)
        .values(new)
        .execute(conn)?;
    by_email(conn, new.email)?.ok_or(diesel::result::Error::NotFound)
}

pub fn set_password_expiry(
    conn: &mut DbConnection,
    id: i32,
    expires: Option<NaiveDateTime>,
) -> QueryResult<usize> {
    diesel::update(staff_users::table.find(id))
        .set(staff_users::password_expires_at.eq(expires))
        .execute(conn)
}

pub fn set_password(
    conn: &mut DbConnection,
    id: i32,
    hash: &str,
    must_change: bool,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(staff_users::table.find(id))
        .set((
            staff_users::password_hash.eq(hash),
            staff_users::must_change_password.eq(must_change),
            staff_users::password_expires_at.eq(None::<NaiveDateTime>),
            staff_users::updated_at.eq(now),
        ))
        .execute(conn)
}

pub fn update_profile(
    conn: &mut DbConnection,
    id: i32,
    name: &str,
    role: &str,
    practitioner_id: Option<i32>,
    active: bool,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(staff_users::table.find(id))
        .set((
            staff_users::name.eq(name),
            staff_users::role.eq(role),
            staff_users::practitioner_id.eq(practitioner_id),
            staff_users::active.eq(active),
            staff_users::updated_at.eq(now),
        ))
        .execute(conn)
}

// --- sessions ---

pub fn session(
    conn: &mut DbConnection,
    key: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<String>> {
    staff_sessions::table
        .filter(staff_sessions::session_key.eq(key))
        .filter(staff_sessions::expires_at.gt(now))
        .select(staff_sessions::state)
        // One row by primary key; no `LIMIT ?`, which SQLite re-prepares on every run.
        .get_result(conn)
        .optional()
}

pub fn insert_session(
    conn: &mut DbConnection,
    key: &str,
    state: &str,
    staff_id: Option<i32>,
    expires_at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(staff_sessions::table)
        .values((
            staff_sessions::session_key.eq(key),
            staff_sessions::state.eq(state),
            staff_sessions::staff_id.eq(staff_id),
            staff_sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)
}

pub fn update_session(
    conn: &mut DbConnection,
    key: &str,
    state: &str,
    staff_id: Option<i32>,
    expires_at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(staff_sessions::table.find(key))
        .set((
            staff_sessions::state.eq(state),
            staff_sessions::staff_id.eq(staff_id),
            staff_sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)
}

pub fn touch_session(
    conn: &mut DbConnection,
    key: &str,
    expires_at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(staff_sessions::table.find(key))
        .set(staff_sessions::expires_at.eq(expires_at))
        .execute(conn)
}

pub fn delete_session(conn: &mut DbConnection, key: &str) -> QueryResult<usize> {
    diesel::delete(staff_sessions::table.find(key)).execute(conn)
}

/// Logs a person out everywhere (after a password change), except the session they're using.
pub fn delete_sessions_of(
    conn: &mut DbConnection,
    staff_id: i32,
    except: Option<&str>,
) -> QueryResult<usize> {
    diesel::delete(
        staff_sessions::table
            .filter(staff_sessions::staff_id.eq(staff_id))
            .filter(staff_sessions::session_key.ne(except.unwrap_or(""))),
    )
    .execute(conn)
}

pub fn delete_expired_sessions(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(staff_sessions::table.filter(staff_sessions::expires_at.le(now))).execute(conn)
}

// --- secrets ---

/// The named secret, creating it with `make()` if no instance has yet. Racing instances agree:
/// the first insert wins and everyone reads it back.
pub fn secret(
    conn: &mut DbConnection,
    name: &str,
    make: impl FnOnce() -> String,
) -> QueryResult<String> {
    let existing: Option<String> = app_secrets::table
        .find(name)
        .select(app_secrets::value)
        .first(conn)
        .optional()?;
    if let Some(v) = existing {
        return Ok(v);
    }
    let inserted = diesel::insert_into(app_secrets::table)
        .values((app_secrets::name.eq(name), app_secrets::value.eq(make())))
        .execute(conn);
    match inserted {
        Ok(_) => {}
        Err(e) if super::is_unique_violation(&e) => {}
        Err(e) => return Err(e),
    }
    app_secrets::table
        .find(name)
        .select(app_secrets::value)
        .first(conn)
}

/// Locks a staff account's row for the transaction (see `catalog::lock_treatment`).
pub fn lock_staff(conn: &mut DbConnection, id: i32) -> QueryResult<usize> {
    diesel::update(staff_users::table.find(id))
        .set(staff_users::updated_at.eq(staff_users::updated_at))
        .execute(conn)
}
