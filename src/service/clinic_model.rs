//! The clinic as the rules need it — its zone, weekly hours and booking rules — built from its
//! rows. `service::clinic` serves it from the catalog kept in memory (`catalog_snapshot`), which
//! reads it with `read`; this file depends on neither, so they don't import each other.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use crate::domain::availability::BookingRules;
use crate::domain::booking::Policy;
use crate::domain::care_plan::SendWindow;

use crate::db::DbConnection;
use crate::db::models::{ClinicRow, PractitionerRow, TreatmentRow};
use crate::domain::hours::{MinuteRange, WeeklyHours, weekday_from_index};
use crate::domain::money::{Currency, USD};
use crate::domain::treatment::{may_perform, parse_qualifications};
use crate::error::AppError;
use crate::mail::compose::Letterhead;

#[derive(Debug, Clone)]
pub struct Clinic {
    pub row: ClinicRow,
    pub tz: Tz,
    pub hours: WeeklyHours,
    pub rules: BookingRules,
    pub cutoff: Duration,
    /// When non-urgent email may go out, clinic time.
    pub send_window: SendWindow,
    /// The currency prices are in.
    pub currency: Currency,
}

impl Clinic {
    /// Its name and contact, as every email shows them.
    pub fn letterhead(&self) -> Letterhead<'_> {
        Letterhead {
            name: &self.row.name,
            address: &self.row.address,
            phone: &self.row.phone,
            email: &self.row.email,
            reply_to: if self.row.reply_to.is_empty() {
                &self.row.email
            } else {
                &self.row.reply_to
            },
            out_of_hours: &self.row.out_of_hours,
        }
    }

    /// The rules a request made at `now` is judged by.
    pub fn policy(&self, now: DateTime<Utc>) -> Policy {
        Policy {
            now,
            rules: self.rules,
            cutoff: self.cutoff,
        }
    }
}

/// The clinic read from its tables (what `catalog_snapshot` keeps).
pub fn read(conn: &mut DbConnection) -> Result<Clinic, AppError> {
    let row = crate::db::clinic::clinic(conn)?
        .ok_or_else(|| AppError::Internal("the database has no clinic".into()))?;
    let tz: Tz = row.timezone.parse().map_err(|_| {
        AppError::Internal(format!("clinic time zone '{}' is unknown", row.timezone))
    })?;
    let mut hours = WeeklyHours::default();
    for h in crate::db::clinic::clinic_hours(conn)? {
        if let (Some(day), Ok(range)) = (
            weekday_from_index(h.weekday),
            minute_range(h.open_minute, h.close_minute),
        ) {
            hours.add(day, range);
        }
    }
    let rules = BookingRules {
        grid_minutes: u16::try_from(row.slot_minutes).unwrap_or(15).clamp(1, 240),
        lead_time: Duration::minutes(i64::from(row.lead_time_minutes.max(0))),
        horizon_days: u32::try_from(row.horizon_days).unwrap_or(90),
    };
    let cutoff = Duration::hours(i64::from(row.cancel_cutoff_hours.max(0)));
    let send_window = match (
        u16::try_from(row.mail_window_start),
        u16::try_from(row.mail_window_end),
    ) {
        (Ok(start), Ok(end)) if start < end && end <= 24 * 60 => SendWindow { start, end },
        _ => SendWindow::default(),
    };
    // Only validated codes are stored; an unknown one (edited by hand) shows as US dollars,
    // what every price meant before clinics had a currency.
    let currency = Currency::parse(&row.currency).unwrap_or(USD);
    Ok(Clinic {
        currency,
        row,
        tz,
        hours,
        rules,
        cutoff,
        send_window,
    })
}

pub fn minute_range(start: i32, end: i32) -> Result<MinuteRange, String> {
    let start = u16::try_from(start).map_err(|_| "negative minute")?;
    let end = u16::try_from(end).map_err(|_| "negative minute")?;
    MinuteRange::new(start, end)
}

/// Those of `practitioners` whose qualifications the treatment accepts, in their order.
pub fn qualified(
    practitioners: &[PractitionerRow],
    treatment: &TreatmentRow,
) -> Vec<PractitionerRow> {
    let accepted = parse_qualifications(&treatment.qualifications);
    practitioners
        .iter()
        .filter(|p| may_perform(&parse_qualifications(&p.qualifications), &accepted))
        .cloned()
        .collect()
}
