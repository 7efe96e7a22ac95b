//! Staff accounts: creating them, logging in (throttled, never locked), changing passwords.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Utc};
use diesel::Connection;
use serde_json::json;

use crate::db::models::{NewStaff, StaffRow, from_db, to_db};
use crate::db::{DbConnection, Pool, staff};
use crate::domain::errors::FieldErrors;
use crate::domain::login_throttle::{self, Throttle};
use crate::domain::patient::EmailAddress;
use crate::domain::staff::{Role, check_new_password};
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
    if generated.is_some() {
        staff::set_password_expiry(conn, row.id, Some(to_db(now + ONE_TIME_PASSWORD_LIFE)))?;
    }
    Ok(generated.map(|p| (row.email, p)))
}

/// How long the printed first-admin password works.
pub const ONE_TIME_PASSWORD_LIFE: chrono::Duration = chrono::Duration::hours(24);

pub fn generate_password() -> String {
    crate::domain::token::random_url_safe(15)
}

#[derive(Debug, PartialEq, Eq)]
pub enum LoginError {
    /// Unknown email, wrong password, or too many attempts: one answer for all three.
    Invalid,
    /// The right one-time password, printed too long ago.
    Expired,
}

/// Failed logins by client and by account, in memory (see `domain::login_throttle`), and the
/// count of attempts at unknown emails (which write nothing to the database).
#[derive(Default)]
pub struct LoginThrottle(std::sync::Mutex<Throttle>);

impl LoginThrottle {
    fn with<T>(&self, f: impl FnOnce(&mut Throttle) -> T) -> T {
        // A poisoned lock only means another request panicked mid-update; the counts are still
        // usable.
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut t)
    }

    fn keys(client: &str, email: &str) -> [String; 2] {
        [format!("client:{client}"), format!("account:{email}")]
    }

    fn blocked(&self, keys: &[String; 2], now: DateTime<Utc>) -> bool {
        self.with(|t| t.blocked(&keys[0], now) || t.blocked(&keys[1], now))
    }

    fn failure(&self, keys: &[String; 2], now: DateTime<Utc>) {
        self.with(|t| {
            t.failure(&keys[0], now, login_throttle::PER_CLIENT);
            t.failure(&keys[1], now, login_throttle::PER_ACCOUNT);
        });
    }

    fn success(&self, keys: &[String; 2]) {
        self.with(|t| keys.iter().for_each(|k| t.success(k)));
    }

    /// Forgets quiet keys; returns the unknown-email failures since the last call (for the log).
    pub fn tick(&self, now: DateTime<Utc>) -> u64 {
        self.with(|t| {
            t.prune(now);
            t.take_unknown_email_failures()
        })
    }
}

/// Checks a login from `client` (its address). No database connection is held while Argon2
/// runs; an unknown email is verified against a dummy hash (same time) and only counted in
/// memory; a known account's failure is audited. A client or account that failed too often
/// waits a short, doubling while (`domain::login_throttle`), answered exactly like a wrong
/// password — and never longer than a minute for a fresh client with the right password.
pub fn login(
    pool: &Pool,
    guard: &LoginThrottle,
    now: DateTime<Utc>,
    client: &str,
    email: &str,
    password: &str,
) -> Result<Result<StaffRow, LoginError>, AppError> {
    let key = email.trim().to_lowercase();
    let keys = LoginThrottle::keys(client, &key);
    if guard.blocked(&keys, now) {
        // The same work as a real attempt, so not even the timing tells it apart.
        let _ = verify(password, dummy_hash());
        return Ok(Err(LoginError::Invalid));
    }
    let row = {
        let mut c = pool.get()?;
        staff::by_email(&mut c, &key)?
    }
    .filter(|r| r.active);
    let hash = row
        .as_ref()
        .map_or(dummy_hash(), |r| r.password_hash.as_str());
    let ok = verify(password, hash);
    let row = match row {
        Some(row) if ok => row,
        Some(row) => {
            guard.failure(&keys, now);
            let mut c = pool.get()?;
            audit_login(&mut c, now, &key, Some(row.id), "login.failure")?;
            return Ok(Err(LoginError::Invalid));
        }
        None => {
            guard.failure(&keys, now);
            guard.with(Throttle::unknown_email);
            return Ok(Err(LoginError::Invalid));
        }
    };
    if row.password_expires_at.is_some_and(|t| from_db(t) <= now) {
        return Ok(Err(LoginError::Expired));
    }
    guard.success(&keys);
    let mut c = pool.get()?;
    audit_login(&mut c, now, &key, Some(row.id), "login.success")?;
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

/// Changes a password after checking the current one; other sessions of the account end. A
/// wrong current password counts like a failed login (and is throttled the same way); no
/// database connection is held while Argon2 runs.
#[allow(clippy::too_many_arguments)]
pub fn change_password(
    pool: &Pool,
    guard: &LoginThrottle,
    now: DateTime<Utc>,
    client: &str,
    id: i32,
    current: &str,
    new: &str,
    confirm: &str,
) -> Result<(), AppError> {
    let row = {
        let mut c = pool.get()?;
        staff::by_id(&mut c, id)?
    }
    .ok_or(AppError::NotFound("account"))?;
    let keys = LoginThrottle::keys(client, &row.email);
    let mut errors = FieldErrors::new();
    if guard.blocked(&keys, now) {
        errors.add(
            "current",
            "Too many wrong passwords. Wait a minute and try again.",
        );
    } else if !verify(current, &row.password_hash) {
        guard.failure(&keys, now);
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
    guard.success(&keys);
    let hash = hash_password(new)?;
    let mut conn = pool.get()?;
    conn.transaction(|c| {
        staff::set_password(c, id, &hash, false, to_db(now))?;
        staff::delete_sessions_of(c, id, None)?;
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
    use crate::domain::token::sha256_hex;
    use crate::error::AppError;

    // Keys are stored, and looked up, as their SHA-256 only.

    /// The state of session `key`, unless it has expired.
    pub fn load(
        conn: &mut DbConnection,
        now: DateTime<Utc>,
        key: &str,
    ) -> Result<Option<String>, AppError> {
        Ok(staff::session(conn, &sha256_hex(key), to_db(now))?)
    }

    /// Stores a new session.
    pub fn start(
        conn: &mut DbConnection,
        key: &str,
        state: &str,
        staff_id: Option<i32>,
        expires: DateTime<Utc>,
    ) -> Result<(), AppError> {
        staff::insert_session(conn, &sha256_hex(key), state, staff_id, to_db(expires))?;
        Ok(())
    }

    /// Removes expired sessions (the scheduler's tick calls this, not every login).
    pub fn purge_expired(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<usize, AppError> {
        Ok(staff::delete_expired_sessions(conn, to_db(now))?)
    }

    /// Replaces a session's state; false when the session is gone. An UPDATE only, never an
    /// insert: a session revoked (logged out, password changed, account deactivated) while a
    /// request of it was in flight stays gone when that request ends.
    pub fn update(
        conn: &mut DbConnection,
        key: &str,
        state: &str,
        staff_id: Option<i32>,
        expires: DateTime<Utc>,
    ) -> Result<bool, AppError> {
        Ok(staff::update_session(conn, &sha256_hex(key), state, staff_id, to_db(expires))? > 0)
    }

    pub fn extend(
        conn: &mut DbConnection,
        key: &str,
        expires: DateTime<Utc>,
    ) -> Result<(), AppError> {
        staff::touch_session(conn, &sha256_hex(key), to_db(expires))?;
        Ok(())
    }

    pub fn end(conn: &mut DbConnection, key: &str) -> Result<(), AppError> {
        staff::delete_session(conn, &sha256_hex(key))?;
        Ok(())
    }
}
