//! Practitioners: profile, active or not, weekly hours, time off and the calendar feed. Changes
//! that would strand booked appointments are saved only after the person confirmed them.

use chrono::{DateTime, Utc};
use diesel::Connection;
use serde_json::{Value, json};

use super::schedule_conflicts::{self as conflicts, Confirmation, Guarded};
use crate::db::DbConnection;
use crate::db::models::{NewTimeOff, PractitionerRow, TimeOffRow, from_db, to_db};
use crate::domain::calendar_feed::FeedToken;
use crate::domain::catalog::PractitionerInput;
use crate::domain::hours::{WeeklyHours, weekday_from_index};
use crate::domain::schedule_conflicts::{during, outside_hours};
use crate::domain::time::rfc3339_local;
use crate::domain::time_off;
use crate::domain::working_week::{WeekInput, rows, summary};
use crate::error::AppError;
use crate::service::audit::{self, Actor, Entry};
use crate::service::clinic::{self, Clinic, minute_range};

pub fn snapshot(p: &PractitionerRow) -> Value {
    json!({
        "name": p.name,
        "title": p.title,
        "bio": p.bio,
        "qualifications": p.qualifications,
        "active": p.active,
    })
}

fn find(conn: &mut DbConnection, id: i32) -> Result<PractitionerRow, AppError> {
    crate::db::practitioners::find_practitioner(conn, id)?.ok_or(AppError::NotFound("practitioner"))
}

/// Locks the practitioner's booking row for the transaction (the lock bookings take), so no
/// booking can slip in between the conflict check and the save. 404 when there is none.
fn lock(conn: &mut DbConnection, id: i32) -> Result<PractitionerRow, AppError> {
    if crate::db::practitioners::lock_practitioner(conn, id)? == 0 {
        return Err(AppError::NotFound("practitioner"));
    }
    find(conn, id)
}

pub fn weekly_hours(conn: &mut DbConnection, id: i32) -> Result<WeeklyHours, AppError> {
    let mut hours = WeeklyHours::default();
    for h in crate::db::practitioners::weekly_hours_of(conn, id)? {
        if let (Some(day), Ok(r)) = (
            weekday_from_index(h.weekday),
            minute_range(h.start_minute, h.end_minute),
        ) {
            hours.add(day, r);
        }
    }
    Ok(hours)
}

/// One audit row about a practitioner.
struct Change<'a> {
    action: &'a str,
    before: Option<Value>,
    after: Option<Value>,
    note: Option<String>,
}

/// Writes the audit row of a change to practitioner `id`.
fn record(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    id: i32,
    ch: Change<'_>,
) -> Result<(), AppError> {
    audit::record(
        conn,
        now,
        actor,
        Entry {
            action: ch.action,
            subject_kind: "practitioner",
            subject_id: Some(id),
            before: ch.before,
            after: ch.after,
            note: ch.note.as_deref(),
        },
    )?;
    Ok(())
}

pub fn create(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    input: &PractitionerInput,
) -> Result<PractitionerRow, AppError> {
    let values = input.parse().map_err(AppError::Invalid)?;
    crate::service::changes::committed(conn.transaction(|c| {
        let id = crate::db::practitioners::insert_practitioner(c, &values)?;
        let row = find(c, id)?;
        record(
            c,
            now,
            actor,
            id,
            Change {
                action: "practitioner.create",
                before: None,
                after: Some(snapshot(&row)),
                note: None,
            },
        )?;
        Ok(row)
    }))
}

pub fn update(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    id: i32,
    input: &PractitionerInput,
) -> Result<PractitionerRow, AppError> {
    let values = input.parse().map_err(AppError::Invalid)?;
    crate::service::changes::committed(conn.transaction(|c| {
        let before = lock(c, id)?;
        crate::db::practitioners::update_practitioner(c, id, &values)?;
        let after = find(c, id)?;
        record(
            c,
            now,
            actor,
            id,
            Change {
                action: "practitioner.update",
                before: Some(snapshot(&before)),
                after: Some(snapshot(&after)),
                note: None,
            },
        )?;
        Ok(after)
    }))
}

/// Deactivating takes the practitioner out of booking; their booked appointments stay (and are
/// listed, to be moved or cancelled). Reactivating strands nothing.
pub fn set_active(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    id: i32,
    active: bool,
    confirm: &Confirmation,
) -> Result<Guarded<()>, AppError> {
    crate::service::changes::committed(conn.transaction(|c| {
        let before = lock(c, id)?;
        let clinic = clinic::load(c)?;
        let listed = if active {
            Vec::new()
        } else {
            conflicts::upcoming(c, now, Some(id))?
        };
        let ids: Vec<i32> = listed.iter().map(|l| l.appointment.id).collect();
        let views = conflicts::views(clinic.tz, &listed, &ids);
        if !confirm.allows(&ids) {
            return Ok(Guarded {
                saved: None,
                conflicts: views,
            });
        }
        if before.active != active {
            crate::db::practitioners::set_practitioner_active(c, id, active)?;
            let after = find(c, id)?;
            record(
                c,
                now,
                actor,
                id,
                Change {
                    action: if active {
                        "practitioner.reactivate"
                    } else {
                        "practitioner.deactivate"
                    },
                    before: Some(snapshot(&before)),
                    after: Some(snapshot(&after)),
                    note: conflicts::note(&ids),
                },
            )?;
        }
        Ok(Guarded {
            saved: Some(()),
            conflicts: views,
        })
    }))
}

pub fn set_hours(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    id: i32,
    week: &WeekInput,
    confirm: &Confirmation,
) -> Result<Guarded<()>, AppError> {
    let hours = week.parse().map_err(AppError::Invalid)?;
    crate::service::changes::committed(conn.transaction(|c| {
        lock(c, id)?;
        let clinic = clinic::load(c)?;
        let before = weekly_hours(c, id)?;
        let listed = conflicts::upcoming(c, now, Some(id))?;
        let ids = outside_hours(clinic.tz, &hours, &conflicts::booked(&listed));
        let views = conflicts::views(clinic.tz, &listed, &ids);
        if !confirm.allows(&ids) {
            return Ok(Guarded {
                saved: None,
                conflicts: views,
            });
        }
        crate::db::practitioners::replace_hours(c, id, &rows(&hours))?;
        record(
            c,
            now,
            actor,
            id,
            Change {
                action: "practitioner.hours",
                before: Some(json!({ "hours": summary(&before) })),
                after: Some(json!({ "hours": summary(&hours) })),
                note: conflicts::note(&ids),
            },
        )?;
        Ok(Guarded {
            saved: Some(()),
            conflicts: views,
        })
    }))
}

fn time_off_snapshot(tz: chrono_tz::Tz, t: &TimeOffRow) -> Value {
    json!({
        "starts_at": rfc3339_local(tz, from_db(t.starts_at)),
        "ends_at": rfc3339_local(tz, from_db(t.ends_at)),
        "reason": t.reason,
    })
}

/// Time off as typed: local `starts` and `ends` in the clinic's zone, and a reason.
pub struct TimeOffForm<'a> {
    pub starts: &'a str,
    pub ends: &'a str,
    pub reason: &'a str,
}

pub fn add_time_off(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    id: i32,
    form: &TimeOffForm<'_>,
    confirm: &Confirmation,
) -> Result<Guarded<i32>, AppError> {
    let tz = clinic::load(conn)?.tz;
    let span =
        time_off::parse(tz, form.starts, form.ends, form.reason).map_err(AppError::Invalid)?;
    crate::service::changes::committed(conn.transaction(|c| {
        lock(c, id)?;
        let listed = conflicts::upcoming(c, now, Some(id))?;
        let ids = during(span.start, span.end, &conflicts::booked(&listed));
        let views = conflicts::views(tz, &listed, &ids);
        if !confirm.allows(&ids) {
            return Ok(Guarded {
                saved: None,
                conflicts: views,
            });
        }
        let off_id = crate::db::practitioners::insert_time_off(
            c,
            &NewTimeOff {
                practitioner_id: id,
                starts_at: to_db(span.start),
                ends_at: to_db(span.end),
                reason: &span.reason,
            },
        )?;
        let row =
            crate::db::practitioners::time_off(c, off_id)?.ok_or(AppError::NotFound("time off"))?;
        record(
            c,
            now,
            actor,
            id,
            Change {
                action: "practitioner.time_off.add",
                before: None,
                after: Some(time_off_snapshot(tz, &row)),
                note: conflicts::note(&ids),
            },
        )?;
        Ok(Guarded {
            saved: Some(off_id),
            conflicts: views,
        })
    }))
}

pub fn remove_time_off(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    id: i32,
    time_off_id: i32,
) -> Result<(), AppError> {
    let tz = clinic::load(conn)?.tz;
    crate::service::changes::committed(conn.transaction(|c| {
        lock(c, id)?;
        let row = crate::db::practitioners::time_off(c, time_off_id)?
            .filter(|t| t.practitioner_id == id)
            .ok_or(AppError::NotFound("time off"))?;
        crate::db::practitioners::delete_time_off(c, time_off_id, id)?;
        record(
            c,
            now,
            actor,
            id,
            Change {
                action: "practitioner.time_off.remove",
                before: Some(time_off_snapshot(tz, &row)),
                after: None,
                note: None,
            },
        )
    }))
}

/// Publishes the practitioner's calendar feed under a new secret address; an earlier address
/// stops working at once. Only the secret's digest is stored: the token returned here is the one
/// time the address can be shown.
pub fn publish_feed(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    id: i32,
) -> Result<FeedToken, AppError> {
    let token = FeedToken::generate();
    conn.transaction(|c| {
        let before = lock(c, id)?;
        crate::db::practitioners::set_calendar_token_hash(c, id, Some(&token.digest()))?;
        // The token itself never goes into the trail: whoever reads the trail could subscribe.
        let (action, was) = if before.calendar_token_hash.is_some() {
            ("practitioner.calendar_feed.regenerate", "published")
        } else {
            ("practitioner.calendar_feed.create", "none")
        };
        record(
            c,
            now,
            actor,
            id,
            Change {
                action,
                before: Some(json!({ "calendar_feed": was })),
                after: Some(json!({ "calendar_feed": "published (new address)" })),
                note: None,
            },
        )
    })?;
    Ok(token)
}

pub fn revoke_feed(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    id: i32,
) -> Result<(), AppError> {
    conn.transaction(|c| {
        let before = lock(c, id)?;
        if before.calendar_token_hash.is_none() {
            return Ok(());
        }
        crate::db::practitioners::set_calendar_token_hash(c, id, None)?;
        record(
            c,
            now,
            actor,
            id,
            Change {
                action: "practitioner.calendar_feed.revoke",
                before: Some(json!({ "calendar_feed": "published" })),
                after: Some(json!({ "calendar_feed": "none" })),
                note: None,
            },
        )
    })
}

/// Every practitioner, active or not, for the list and the account form.
pub fn all(conn: &mut DbConnection) -> Result<Vec<PractitionerRow>, AppError> {
    Ok(crate::db::practitioners::all_practitioners(conn)?)
}

/// Everything a practitioner's page shows.
pub struct PractitionerPage {
    pub clinic: Clinic,
    pub practitioner: PractitionerRow,
    pub hours: WeeklyHours,
    /// Time off not over yet.
    pub time_off: Vec<TimeOffRow>,
}

pub fn page(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    id: i32,
) -> Result<PractitionerPage, AppError> {
    let practitioner = find(conn, id)?;
    Ok(PractitionerPage {
        clinic: clinic::load(conn)?,
        practitioner,
        hours: weekly_hours(conn, id)?,
        time_off: crate::db::practitioners::time_off_of(conn, id, to_db(now))?,
    })
}
