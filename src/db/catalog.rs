//! Queries for the clinic, its hours, treatments, practitioners and their working time.

use chrono::NaiveDateTime;
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

pub fn active_treatments(conn: &mut DbConnection) -> QueryResult<Vec<TreatmentRow>> {
    treatments::table
        .filter(treatments::active.eq(true))
        .order((treatments::position, treatments::id))
        .select(TreatmentRow::as_select())
        .load(conn)
}

pub fn active_treatment_by_slug(
    conn: &mut DbConnection,
    slug: &str,
) -> QueryResult<Option<TreatmentRow>> {
    treatments::table
        .filter(treatments::slug.eq(slug))
        .filter(treatments::active.eq(true))
        .select(TreatmentRow::as_select())
        .first(conn)
        .optional()
}

pub fn treatment(conn: &mut DbConnection, id: i32) -> QueryResult<TreatmentRow> {
    treatments::table
        .find(id)
        .select(TreatmentRow::as_select())
        .first(conn)
}

pub fn active_practitioners(conn: &mut DbConnection) -> QueryResult<Vec<PractitionerRow>> {
    practitioners::table
        .filter(practitioners::active.eq(true))
        .order(practitioners::id)
        .select(PractitionerRow::as_select())
        .load(conn)
}

pub fn practitioner(conn: &mut DbConnection, id: i32) -> QueryResult<PractitionerRow> {
    practitioners::table
        .find(id)
        .select(PractitionerRow::as_select())
        .first(conn)
}

pub fn hours_of(
    conn: &mut DbConnection,
    ids: &[i32],
    weekday: i32,
) -> QueryResult<Vec<PractitionerHoursRow>> {
    practitioner_hours::table
        .filter(practitioner_hours::practitioner_id.eq_any(ids))
        .filter(practitioner_hours::weekday.eq(weekday))
        .select(PractitionerHoursRow::as_select())
        .load(conn)
}

pub fn all_practitioner_hours(conn: &mut DbConnection) -> QueryResult<Vec<PractitionerHoursRow>> {
    practitioner_hours::table
        .order((
            practitioner_hours::practitioner_id,
            practitioner_hours::weekday,
            practitioner_hours::start_minute,
        ))
        .select(PractitionerHoursRow::as_select())
        .load(conn)
}

/// Time off of these practitioners that touches [from, to).
pub fn time_off_between(
    conn: &mut DbConnection,
    ids: &[i32],
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<TimeOffRow>> {
    time_off::table
        .filter(time_off::practitioner_id.eq_any(ids))
        .filter(time_off::starts_at.lt(to))
        .filter(time_off::ends_at.gt(from))
        .select(TimeOffRow::as_select())
        .load(conn)
}

/// Takes the practitioner's booking lock for the rest of the transaction: on PostgreSQL a row
/// lock that queues concurrent bookings for them; on SQLite the write that makes the transaction
/// a writer from its first statement (so it waits for the lock instead of failing later).
pub fn lock_practitioner(conn: &mut DbConnection, id: i32) -> QueryResult<usize> {
    diesel::update(practitioners::table.find(id))
        .set(practitioners::booking_seq.eq(practitioners::booking_seq + 1))
        .execute(conn)
}
