//! The clinic's row (contact details, zone, booking rules, sending window) and its opening hours.

use diesel::prelude::*;

use super::DbConnection;
use super::models::*;
use super::schema::*;

pub fn clinic(conn: &mut DbConnection) -> QueryResult<Option<ClinicRow>> {
    clinics::table
        .order(clinics::id)
        .select(ClinicRow::as_select())
        .first(conn)
        .optional()
}

pub fn clinic_hours(conn: &mut DbConnection) -> QueryResult<Vec<ClinicHoursRow>> {
    clinic_hours::table
        .order((clinic_hours::weekday, clinic_hours::open_minute))
        .select(ClinicHoursRow::as_select())
        .load(conn)
}

/// A write that locks the clinic row for the transaction (see `catalog::lock_treatment`).
pub fn lock_clinic(conn: &mut DbConnection, id: i32) -> QueryResult<usize> {
    diesel::update(clinics::table.find(id))
        .set(clinics::name.eq(clinics::name))
        .execute(conn)
}

/// The daily window (clinic-local minutes) in which non-urgent email may go out.
pub fn set_mail_window(
    conn: &mut DbConnection,
    id: i32,
    start: i32,
    end: i32,
) -> QueryResult<usize> {
    diesel::update(clinics::table.find(id))
        .set((
            clinics::mail_window_start.eq(start),
            clinics::mail_window_end.eq(end),
        ))
        .execute(conn)
}

pub struct ClinicUpdate<'a> {
    pub name: &'a str,
    pub address: &'a str,
    pub phone: &'a str,
    pub email: &'a str,
    pub timezone: &'a str,
    pub slot_minutes: i32,
    pub lead_time_minutes: i32,
    pub horizon_days: i32,
    pub cancel_cutoff_hours: i32,
    pub reply_to: &'a str,
    pub out_of_hours: &'a str,
    pub currency: &'a str,
}

/// Claims the day's summary of unclosed sessions: moves the stored day to `day` if it is
/// earlier. 1 when this caller won the day, 0 when another instance (or an earlier tick) did.
pub fn claim_unclosed_summary(conn: &mut DbConnection, id: i32, day: &str) -> QueryResult<usize> {
    diesel::update(
        clinics::table
            .find(id)
            .filter(clinics::unclosed_summary_on.lt(day)),
    )
    .set(clinics::unclosed_summary_on.eq(day))
    .execute(conn)
}

/// Gives a claimed day back (the summary could not be sent), if it is still `day`.
pub fn release_unclosed_summary(
    conn: &mut DbConnection,
    id: i32,
    day: &str,
    previous: &str,
) -> QueryResult<usize> {
    diesel::update(
        clinics::table
            .find(id)
            .filter(clinics::unclosed_summary_on.eq(day)),
    )
    .set(clinics::unclosed_summary_on.eq(previous))
    .execute(conn)
}

/// How many upcoming bookings one patient email may hold online.
pub fn set_max_active_bookings(conn: &mut DbConnection, id: i32, n: i32) -> QueryResult<usize> {
    diesel::update(clinics::table.find(id))
        .set(clinics::max_active_bookings.eq(n))
        .execute(conn)
}

/// The waitlist's settings (issue 11); `None` keeps a value.
pub fn set_waitlist(
    conn: &mut DbConnection,
    id: i32,
    offers: Option<i32>,
    claim_hours: Option<i32>,
) -> QueryResult<usize> {
    let mut n = 0;
    if let Some(v) = offers {
        n += diesel::update(clinics::table.find(id))
            .set(clinics::waitlist_offers.eq(v))
            .execute(conn)?;
    }
    if let Some(v) = claim_hours {
        n += diesel::update(clinics::table.find(id))
            .set(clinics::waitlist_claim_hours.eq(v))
            .execute(conn)?;
    }
    Ok(n)
}

pub fn update_clinic(conn: &mut DbConnection, id: i32, u: &ClinicUpdate<'_>) -> QueryResult<usize> {
    diesel::update(clinics::table.find(id))
        .set((
            clinics::name.eq(u.name),
            clinics::address.eq(u.address),
            clinics::phone.eq(u.phone),
            clinics::email.eq(u.email),
            clinics::timezone.eq(u.timezone),
            clinics::slot_minutes.eq(u.slot_minutes),
            clinics::lead_time_minutes.eq(u.lead_time_minutes),
            clinics::horizon_days.eq(u.horizon_days),
            clinics::cancel_cutoff_hours.eq(u.cancel_cutoff_hours),
            clinics::reply_to.eq(u.reply_to),
            clinics::out_of_hours.eq(u.out_of_hours),
            clinics::currency.eq(u.currency),
        ))
        .execute(conn)
}

/// Replaces the opening hours with these (weekday, open, close) rows.
pub fn replace_clinic_hours(conn: &mut DbConnection, rows: &[(i32, i32, i32)]) -> QueryResult<()> {
    diesel::delete(clinic_hours::table).execute(conn)?;
    for &(weekday, open_minute, close_minute) in rows {
        diesel::insert_into(clinic_hours::table)
            .values(NewClinicHours {
                weekday,
                open_minute,
                close_minute,
            })
            .execute(conn)?;
    }
    Ok(())
}
