//! Staff accounts: creating them, logging in (with lockout), changing passwords.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Utc};
use diesel::Connection;
use serde_json::json;

use crate::db::models::{NewStaff, StaffRow, from_db, to_db};
use crate::db::{DbConnection, staff};
use crate::domain::errors::FieldErrors;
use crate::domain::patient::EmailAddress;
use crate::domain::staff::{Role, check_new_password, lockout_after};
use crate::error::AppError;
use crate::service::audit::{self, Actor, Entry};

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
}

fn verify(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A hash of nothing in particular, verified against when the email is unknown so a wrong email
/// takes as long as a wrong password (no account enumeration by timing).
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not a real password").unwrap_or_default())
}

pub struct NewAccount<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub practitioner_id: Option<i32>,
    pub password: &'a str,
    pub must_change_password: bool,
}

pub fn create(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    a: &NewAccount<'_>,
) -> Result<StaffRow, AppError> {
    let mut errors = FieldErrors::new();
    let email = errors.take(
        "email",
        EmailAddress::parse(a.email).map(|e| e.normalized()),
    );
    if let Err(e) = crate::domain::input::parse_line(a.name, 200, "a name") {
        errors.add("name", e);
    }
    if let Err(e) = check_new_password(a.password, a.password) {
        errors.add("password", e);
    }
    if a.role == Role::Practitioner && a.practitioner_id.is_none() {
        errors.add(
            "practitioner",
            "A practitioner account must be linked to a practitioner.",
        );
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let hash = hash_password(a.password)?;
    conn.transaction(|c| {
        if staff::by_email(c, &email)?.is_some() {
            let mut f = FieldErrors::new();
            f.add("email", "There is already an account with this email.");
            return Err(AppError::Invalid(f));
        }
        let row = staff::insert(
            c,
            &NewStaff {
                email: &email,
                name: a.name.trim(),
                role: a.role.as_str(),
                practitioner_id: a.practitioner_id,
                password_hash: &hash,
                must_change_password: a.must_change_password,
                active: true,
                created_at: to_db(now),
                updated_at: to_db(now),
            },
        )?;
        audit::record(
            c,
            now,
            actor,
            Entry {
                action: "staff.create",
                subject_kind: "staff",
                subject_id: Some(row.id),
                before: None,
                after: Some(json!({"email": row.email, "name": row.name, "role": row.role, "practitioner_id": row.practitioner_id})),
                note: None,
            },
        )?;
        Ok(row)
    })
}

/// On a database without staff, creates the first admin. Returns the password when it was
/// generated (to be shown once), `None` when one was given or staff already exist.
pub fn ensure_initial_admin(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    email: &str,
    given_password: Option<&str>,
) -> Result<Option<(String, String)>, AppError> {
    if staff::count(conn)? > 0 {
        return Ok(None);
    }
    let generated = given_password.is_none().then(generate_password);
    let password = given_password
        .map(str::to_string)
        .or_else(|| generated.clone())
        .unwrap_or_default();
    let account = NewAccount {
        email,
        name: "Administrator",
        role: Role::Admin,
        practitioner_id: None,
        password: &password,
        // A printed one-time password must be replaced at the first login.
        must_change_password: generated.is_some(),
    };
    let row = create(conn, now, &Actor::System, &account)?;
    Ok(generated.map(|p| (row.email, p)))
}

pub fn generate_password() -> String {
    crate::domain::token::random_url_safe(15)
}

#[derive(Debug)]
pub enum LoginError {
    Invalid,
    Locked { minutes: i64 },
}

/// Checks a login. Failed attempts count up per account and lock it for a while (see
/// `domain::staff::lockout_after`); a success resets the count.
pub fn login(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    email: &str,
    password: &str,
) -> Result<Result<StaffRow, LoginError>, AppError> {
    let key = email.trim().to_lowercase();
    let row = staff::by_email(conn, &key)?;
    let Some(row) = row.filter(|r| r.active) else {
        let _ = verify(password, dummy_hash());
        audit_login(conn, now, &key, None, "login.failure")?;
        return Ok(Err(LoginError::Invalid));
    };
    if let Some(until) = row.locked_until.map(from_db)
        && until > now
    {
        audit_login(conn, now, &key, Some(row.id), "login.locked")?;
        return Ok(Err(LoginError::Locked {
            minutes: (until - now).num_minutes() + 1,
        }));
    }
    if !verify(password, &row.password_hash) {
        let failures = row.failed_logins + 1;
        let locked_until = lockout_after(failures).map(|d| to_db(now + d));
        staff::record_login_failure(conn, row.id, failures, locked_until)?;
        audit_login(conn, now, &key, Some(row.id), "login.failure")?;
        return Ok(Err(match lockout_after(failures) {
            Some(d) => LoginError::Locked {
                minutes: d.num_minutes(),
            },
            None => LoginError::Invalid,
        }));
    }
    staff::record_login_success(conn, row.id)?;
    audit_login(conn, now, &key, Some(row.id), "login.success")?;
    Ok(Ok(row))
}

fn audit_login(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    email: &str,
    id: Option<i32>,
    action: &str,
) -> Result<(), AppError> {
    let actor = match id {
        Some(id) => Actor::Staff {
            id,
            label: email.to_string(),
        },
        None => Actor::System,
    };
    audit::record(
        conn,
        now,
        &actor,
        Entry {
            action,
            subject_kind: "staff",
            subject_id: id,
            before: None,
            after: None,
            note: Some(email),
        },
    )?;
    Ok(())
}

/// Changes a password after checking the current one; other sessions of the account end.
pub fn change_password(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    id: i32,
    current: &str,
    new: &str,
    confirm: &str,
    keep_session: Option<&str>,
) -> Result<(), AppError> {
    let row = staff::by_id(conn, id)?.ok_or(AppError::NotFound("account"))?;
    let mut errors = FieldErrors::new();
    if !verify(current, &row.password_hash) {
        errors.add("current", "That is not your current password.");
    }
    if let Err(e) = check_new_password(new, confirm) {
        errors.add("new", e);
    } else if new == current {
        errors.add("new", "Choose a password different from the current one.");
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let hash = hash_password(new)?;
    conn.transaction(|c| {
        staff::set_password(c, id, &hash, false, to_db(now))?;
        staff::delete_sessions_of(c, id, keep_session)?;
        audit::record(
            c,
            now,
            &Actor::Staff {
                id,
                label: row.email.clone(),
            },
            Entry {
                action: "staff.password_change",
                subject_kind: "staff",
                subject_id: Some(id),
                before: None,
                after: None,
                note: None,
            },
        )?;
        Ok(())
    })
}

/// The account behind a session (`None` when it is gone).
pub fn account(conn: &mut DbConnection, id: i32) -> Result<Option<StaffRow>, AppError> {
    Ok(staff::by_id(conn, id)?)
}

/// True while the account still holds a one-time password it must replace.
pub fn must_change_password(conn: &mut DbConnection, id: i32) -> Result<bool, AppError> {
    Ok(account(conn, id)?.is_some_and(|r| r.must_change_password))
}

/// Staff sessions as the session store keeps them: an opaque key, the state as JSON text, the
/// account it belongs to (so a password change or deactivation can end it) and an expiry.
pub mod sessions {
    use chrono::{DateTime, Utc};

    use crate::db::models::to_db;
    use crate::db::{DbConnection, staff};
    use crate::error::AppError;

    /// The state of session `key`, unless it has expired.
    pub fn load(
        conn: &mut DbConnection,
        now: DateTime<Utc>,
        key: &str,
    ) -> Result<Option<String>, AppError> {
        Ok(staff::session(conn, key, to_db(now))?)
    }

    /// Stores a new session.
    pub fn start(
        conn: &mut DbConnection,
        now: DateTime<Utc>,
        key: &str,
        state: &str,
        staff_id: Option<i32>,
        expires: DateTime<Utc>,
    ) -> Result<(), AppError> {
        // Expired rows go when new ones come, so the table doesn't grow without bound.
        staff::delete_expired_sessions(conn, to_db(now))?;
        staff::insert_session(conn, key, state, staff_id, to_db(expires))?;
        Ok(())
    }

    /// Replaces a session's state; false when the session is gone.
    pub fn update(
        conn: &mut DbConnection,
        key: &str,
        state: &str,
        staff_id: Option<i32>,
        expires: DateTime<Utc>,
    ) -> Result<bool, AppError> {
        Ok(staff::update_session(conn, key, state, staff_id, to_db(expires))? > 0)
    }

    pub fn extend(
        conn: &mut DbConnection,
        key: &str,
        expires: DateTime<Utc>,
    ) -> Result<(), AppError> {
        staff::touch_session(conn, key, to_db(expires))?;
        Ok(())
    }

    pub fn end(conn: &mut DbConnection, key: &str) -> Result<(), AppError> {
        staff::delete_session(conn, key)?;
        Ok(())
    }
}
