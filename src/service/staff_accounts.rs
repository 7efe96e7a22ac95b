//! Staff accounts: creating them (with a one-time password) and changing role or access.

use chrono::{DateTime, Utc};
use diesel::Connection;
use serde_json::{Value, json};

use crate::db::models::{StaffRow, to_db};
use crate::db::staff::lock_staff;
use crate::db::{DbConnection, staff};
use crate::domain::errors::FieldErrors;
use crate::domain::patient::EmailAddress;
use crate::domain::staff::{Role, check_new_password};
use crate::error::AppError;
use crate::service::audit::{self, Actor, Entry};
use crate::service::staff::{self as accounts, NewAccount};

pub fn snapshot(s: &StaffRow) -> Value {
    json!({
        "email": s.email,
        "name": s.name,
        "role": s.role,
        "practitioner_id": s.practitioner_id,
        "active": s.active,
    })
}

/// The role and linked practitioner as typed; only a practitioner account links one, and it
/// must exist.
fn role_and_link(
    conn: &mut DbConnection,
    errors: &mut FieldErrors,
    role: &str,
    practitioner: &str,
) -> Result<(Option<Role>, Option<i32>), AppError> {
    let role = Role::parse(role);
    if role.is_none() {
        errors.add("role", "Choose a role.");
    }
    let mut link = None;
    if role == Some(Role::Practitioner) {
        match practitioner.trim().parse::<i32>() {
            Ok(id) if crate::db::practitioners::find_practitioner(conn, id)?.is_some() => {
                link = Some(id)
            }
            _ => errors.add(
                "practitioner",
                "A practitioner account must be linked to a practitioner.",
            ),
        }
    }
    Ok((role, link))
}

pub struct AccountInput<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub practitioner: &'a str,
    pub password: &'a str,
}

/// A new account whose initial password must be changed at its first login.
pub fn create(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    input: &AccountInput<'_>,
) -> Result<StaffRow, AppError> {
    let mut errors = FieldErrors::new();
    let (role, link) = role_and_link(conn, &mut errors, input.role, input.practitioner)?;
    let account = NewAccount {
        email: input.email,
        name: input.name.trim(),
        role: role.unwrap_or(Role::FrontDesk),
        practitioner_id: link,
        password: input.password,
        must_change_password: true,
    };
    if input.name.trim().chars().count() > 100 {
        errors.add("name", "At most 100 characters, please.");
    }
    if !errors.is_empty() {
        // Nothing is created; name the shared checks' problems too, so all show at once.
        if let Err(m) = EmailAddress::parse(input.email) {
            errors.add("email", m);
        }
        if input.name.trim().is_empty() {
            errors.add("name", "Please enter a name.");
        }
        if let Err(m) = check_new_password(input.password, input.password) {
            errors.add("password", m);
        }
        return Err(AppError::Invalid(errors));
    }
    accounts::create(conn, now, actor, &account)
}

pub struct AccountEdit<'a> {
    pub name: &'a str,
    pub role: &'a str,
    pub practitioner: &'a str,
    pub active: bool,
}

/// Changes name, role, linked practitioner and whether the account may log in. An admin can't
/// take away their own admin access, so the console always keeps at least one admin.
pub fn update(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    acting_id: i32,
    id: i32,
    edit: &AccountEdit<'_>,
) -> Result<StaffRow, AppError> {
    let mut errors = FieldErrors::new();
    let (role, link) = role_and_link(conn, &mut errors, edit.role, edit.practitioner)?;
    let name = edit.name.trim();
    if name.is_empty() {
        errors.add("name", "Please enter a name.");
    } else if name.chars().count() > 100 {
        errors.add("name", "At most 100 characters, please.");
    }
    if id == acting_id {
        if role.is_some_and(|r| r != Role::Admin) {
            errors.add(
                "role",
                "You can't remove your own admin role; ask another admin.",
            );
        }
        if !edit.active {
            errors.add("active", "You can't deactivate your own account.");
        }
    }
    let Some(role) = role.filter(|_| errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    conn.transaction(|c| {
        if lock_staff(c, id)? == 0 {
            return Err(AppError::NotFound("staff account"));
        }
        let before = staff::by_id(c, id)?.ok_or(AppError::NotFound("staff account"))?;
        staff::update_profile(c, id, name, role.as_str(), link, edit.active, to_db(now))?;
        if !edit.active {
            // Logged out everywhere at once, not at their next request only.
            staff::delete_sessions_of(c, id, None)?;
        }
        let after = staff::by_id(c, id)?.ok_or(AppError::NotFound("staff account"))?;
        audit::record(
            c,
            now,
            actor,
            Entry {
                action: "staff.update",
                subject_kind: "staff",
                subject_id: Some(id),
                before: Some(snapshot(&before)),
                after: Some(snapshot(&after)),
                note: None,
            },
        )?;
        Ok(after)
    })
}

/// Every account with the name of the practitioner it is linked to, if any.
pub fn list(conn: &mut DbConnection) -> Result<Vec<(StaffRow, Option<String>)>, AppError> {
    let accounts = staff::all(conn)?;
    let practitioners = crate::db::practitioners::all_practitioners(conn)?;
    Ok(accounts
        .into_iter()
        .map(|a| {
            let linked = a
                .practitioner_id
                .and_then(|id| practitioners.iter().find(|p| p.id == id))
                .map(|p| p.name.clone());
            (a, linked)
        })
        .collect())
}

/// One account (404 when there is none).
pub fn find(conn: &mut DbConnection, id: i32) -> Result<StaffRow, AppError> {
    staff::by_id(conn, id)?.ok_or(AppError::NotFound("staff account"))
}
