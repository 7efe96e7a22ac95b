//! Staff notes on an appointment.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::models::*;
use crate::db::schema::{appointment_notes, staff_users};

#[derive(Debug, Insertable)]
#[diesel(table_name = appointment_notes)]
pub struct NewNote<'a> {
    pub appointment_id: i32,
    pub staff_id: i32,
    pub body: &'a str,
    pub created_at: NaiveDateTime,
}

/// Inserts a note. Call it with the appointment locked (`lock`): the newest note of the
/// appointment is then the one just written (there is no RETURNING over both backends).
pub fn insert_note(conn: &mut DbConnection, new: &NewNote<'_>) -> QueryResult<AppointmentNoteRow> {
    diesel::insert_into(appointment_notes::table)
        .values(new)
        .execute(conn)?;
    appointment_notes::table
        .filter(appointment_notes::appointment_id.eq(new.appointment_id))
        .order(appointment_notes::id.desc())
        .select(AppointmentNoteRow::as_select())
        .first(conn)
}

/// An appointment's notes, oldest first, with their authors' names.
pub fn notes_of(
    conn: &mut DbConnection,
    appointment_id: i32,
) -> QueryResult<Vec<(AppointmentNoteRow, String)>> {
    appointment_notes::table
        .inner_join(staff_users::table)
        .filter(appointment_notes::appointment_id.eq(appointment_id))
        .order((appointment_notes::created_at, appointment_notes::id))
        .select((AppointmentNoteRow::as_select(), staff_users::name))
        .load(conn)
}
