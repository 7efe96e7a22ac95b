//! Reading (and, for set-ups the pages can't reach, writing) the database behind the app's
//! back, so tests can check what was stored and not only what was shown.

use carepath::db::models::{AppointmentRow, AuditRow, OutboxRow};
use diesel::prelude::*;
use serde_json::Value;

use super::app::TestApp;

impl TestApp {
    pub fn appointment_count(&self) -> i64 {
        let mut c = self.state.pool.get().expect("conn");
        carepath::db::appointments::count(&mut c).expect("count")
    }

    pub fn patient_count(&self) -> i64 {
        use carepath::db::schema::patients;
        let mut c = self.state.pool.get().expect("conn");
        patients::table.count().get_result(&mut *c).expect("count")
    }

    pub fn appointment(&self, id: i32) -> AppointmentRow {
        let mut c = self.state.pool.get().expect("conn");
        carepath::db::appointments::by_id(&mut c, id).expect("appointment")
    }

    /// Sets an appointment's status directly (for histories the rules wouldn't let a test make now).
    pub fn set_status(&self, id: i32, status: &str) {
        use carepath::db::schema::appointments;
        let mut c = self.state.pool.get().expect("conn");
        diesel::update(appointments::table.find(id))
            .set(appointments::status.eq(status))
            .execute(&mut *c)
            .expect("status");
    }

    /// The audit rows about one subject, oldest first.
    pub fn audit_trail(&self, kind: &str, id: i32) -> Vec<AuditRow> {
        let mut c = self.state.pool.get().expect("conn");
        carepath::db::audit::for_subject(&mut c, kind, id).expect("audit rows")
    }

    /// The audit rows about one subject, oldest first: (action, before, after, note), the
    /// snapshots parsed (Null where there is none).
    pub fn audit_changes(
        &self,
        kind: &str,
        id: i32,
    ) -> Vec<(String, Value, Value, Option<String>)> {
        let parse = |s: Option<String>| {
            s.map(|s| serde_json::from_str(&s).expect("json"))
                .unwrap_or(Value::Null)
        };
        self.audit_trail(kind, id)
            .into_iter()
            .map(|r| (r.action, parse(r.before_json), parse(r.after_json), r.note))
            .collect()
    }

    pub fn audit_count(&self) -> i64 {
        use carepath::db::schema::audit_log;
        let mut c = self.state.pool.get().expect("conn");
        audit_log::table.count().get_result(&mut *c).expect("count")
    }

    /// Every outbox row, oldest first.
    pub fn outbox(&self) -> Vec<OutboxRow> {
        use carepath::db::schema::outbox;
        let mut c = self.state.pool.get().expect("conn");
        outbox::table
            .order(outbox::id)
            .select(OutboxRow::as_select())
            .load(&mut *c)
            .expect("outbox rows")
    }

    /// The outbox rows of one appointment, oldest first.
    pub fn outbox_of(&self, appointment: i32) -> Vec<OutboxRow> {
        use carepath::db::schema::outbox;
        let mut c = self.state.pool.get().expect("conn");
        outbox::table
            .filter(outbox::appointment_id.eq(appointment))
            .order(outbox::id)
            .select(OutboxRow::as_select())
            .load(&mut *c)
            .expect("outbox rows")
    }
}

impl TestApp {
    /// A working unsubscribe token for this patient, minted and stored the way rendering an
    /// email does (for set-ups that need one without sending a follow-up).
    pub fn unsubscribe_token(&self, patient_id: i32) -> String {
        use carepath::service::links;
        let mut c = self.state.pool.get().expect("conn");
        let (token, grant) = links::mint_unsubscribe(patient_id);
        links::store(&mut c, self.clock.now(), &[grant]).expect("store the link");
        token.as_str().to_string()
    }

    /// Every digest in `link_tokens`, with its purpose.
    pub fn link_digests(&self) -> Vec<(String, String)> {
        use carepath::db::schema::link_tokens;
        let mut c = self.state.pool.get().expect("conn");
        link_tokens::table
            .select((link_tokens::token_hash, link_tokens::purpose))
            .load(&mut *c)
            .expect("link rows")
    }
}

/// An audit snapshot, parsed.
pub fn json_of(s: &Option<String>) -> Value {
    serde_json::from_str(s.as_deref().expect("a snapshot")).expect("json")
}

/// The rows of one kind.
pub fn of_kind<'a>(rows: &'a [OutboxRow], kind: &str) -> Vec<&'a OutboxRow> {
    rows.iter().filter(|r| r.kind == kind).collect()
}

/// Whether this PostgreSQL connection could take the two-key advisory lock `key` right now; it
/// takes and gives it back in its own transaction, so a test can see which locks another
/// connection's open transaction holds without waiting on it.
pub fn advisory_lock_free(conn: &mut carepath::db::DbConnection, key: (i32, i32)) -> bool {
    use diesel::connection::Connection;
    conn.transaction(|c| -> diesel::QueryResult<bool> {
        diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
            "pg_try_advisory_xact_lock({}, {})",
            key.0, key.1
        )))
        .get_result(c)
    })
    .expect("try an advisory lock")
}

/// UTC day number (days since 1970-01-01) of a date written `YYYY-MM-DD`: the advisory locks'
/// second key.
pub fn utc_day_number(date: &str) -> i32 {
    let d = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("a date");
    (d.and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        .timestamp()
        / 86_400) as i32
}
