//! The clinic's settings: contact details, zone, opening hours and booking rules. A change of
//! hours or zone that would strand booked appointments needs a confirmation first.

use chrono::{DateTime, Utc};
use diesel::Connection;
use serde_json::{Value, json};

use super::schedule_conflicts::{self as conflicts, Confirmation, Guarded};
use crate::db::DbConnection;
use crate::db::clinic::{ClinicUpdate, lock_clinic, replace_clinic_hours, update_clinic};
use crate::domain::clinic_settings::SettingsInput;
use crate::domain::schedule_conflicts::outside_hours;
use crate::domain::working_week::{rows, summary};
use crate::error::AppError;
use crate::service::audit::{self, Actor, Entry};
use crate::service::clinic::{self, Clinic};

pub fn snapshot(c: &Clinic) -> Value {
    json!({
        "name": c.row.name,
        "address": c.row.address,
        "phone": c.row.phone,
        "email": c.row.email,
        "timezone": c.row.timezone,
        "slot_minutes": c.row.slot_minutes,
        "lead_time_minutes": c.row.lead_time_minutes,
        "horizon_days": c.row.horizon_days,
        "cancel_cutoff_hours": c.row.cancel_cutoff_hours,
        "max_active_bookings": c.row.max_active_bookings,
        "waitlist_offers": c.row.waitlist_offers,
        "waitlist_claim_hours": c.row.waitlist_claim_hours,
        "reply_to": c.row.reply_to,
        "out_of_hours": c.row.out_of_hours,
        "currency": c.row.currency,
        "hours": summary(&c.hours),
    })
}

pub fn save(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    input: &SettingsInput,
    confirm: &Confirmation,
) -> Result<Guarded<()>, AppError> {
    let new = input.parse().map_err(AppError::Invalid)?;
    let id = clinic::load(conn)?.row.id;
    crate::service::changes::committed(conn.transaction(|c| {
        lock_clinic(c, id)?;
        let before = clinic::load(c)?;
        // Hours are wall-clock times: a new zone moves them against the (UTC) appointments too.
        let listed = conflicts::upcoming(c, now, None)?;
        let ids = outside_hours(new.tz, &new.hours, &conflicts::booked(&listed));
        let views = conflicts::views(new.tz, &listed, &ids);
        if !confirm.allows(&ids) {
            return Ok(Guarded {
                saved: None,
                conflicts: views,
            });
        }
        update_clinic(
            c,
            id,
            &ClinicUpdate {
                name: &new.name,
                address: &new.address,
                phone: &new.phone,
                email: &new.email,
                timezone: new.tz.name(),
                slot_minutes: new.slot_minutes,
                lead_time_minutes: new.lead_time_minutes,
                horizon_days: new.horizon_days,
                cancel_cutoff_hours: new.cancel_cutoff_hours,
                reply_to: new.reply_to.as_deref().unwrap_or(""),
                out_of_hours: &new.out_of_hours,
                currency: new
                    .currency
                    .map_or(before.row.currency.as_str(), |c| c.code),
            },
        )?;
        if let Some(n) = new.max_active_bookings {
            crate::db::clinic::set_max_active_bookings(c, id, n)?;
        }
        crate::db::clinic::set_waitlist(c, id, new.waitlist_offers, new.waitlist_claim_hours)?;
        replace_clinic_hours(c, &rows(&new.hours))?;
        let after = clinic::load(c)?;
        audit::record(
            c,
            now,
            actor,
            Entry {
                action: "clinic.settings",
                subject_kind: "clinic",
                subject_id: Some(id),
                before: Some(snapshot(&before)),
                after: Some(snapshot(&after)),
                note: conflicts::note(&ids).as_deref(),
            },
        )?;
        Ok(Guarded {
            saved: Some(()),
            conflicts: views,
        })
    }))
}

/// The clinic's name for page headers ("Carepath" until a clinic is set up, so the login page
/// still shows).
pub fn clinic_name(conn: &mut DbConnection) -> Result<String, AppError> {
    Ok(crate::db::clinic::clinic(conn)?
        .map(|c| c.name)
        .unwrap_or_else(|| "Carepath".into()))
}
