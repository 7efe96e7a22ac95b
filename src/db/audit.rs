//! The audit trail: append-only rows of who did what, when, with before and after.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::models::*;
use super::schema::audit_log;

pub fn insert(conn: &mut DbConnection, new: &NewAudit<'_>) -> QueryResult<usize> {
    // On the backend's own connection: every booking and change writes one.
    super::per_backend!(conn, |c| diesel::insert_into(audit_log::table)
        .values(new)
        .execute(c))
}

pub fn for_subject(conn: &mut DbConnection, kind: &str, id: i32) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(audit_log::subject_kind.eq(kind))
        .filter(audit_log::subject_id.eq(id))
        .order((audit_log::at, audit_log::id))
        .select(AuditRow::as_select())
        .load(conn)
}

/// Filters for browsing the trail; empty fields match everything.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action_prefix: Option<String>,
    pub subject_kind: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

pub fn search(
    conn: &mut DbConnection,
    f: &AuditFilter,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<AuditRow>> {
    let mut q = audit_log::table.into_boxed();
    if let Some(a) = &f.actor {
        q = q.filter(audit_log::actor_label.like(format!("%{}%", a.replace(['%', '_', '\0'], ""))));
    }
    if let Some(a) = &f.action_prefix {
        q = q.filter(audit_log::action.like(format!("{}%", a.replace(['%', '_', '\0'], ""))));
    }
    if let Some(k) = &f.subject_kind {
        q = q.filter(audit_log::subject_kind.eq(k.replace('\0', "")));
    }
    if let Some(from) = f.from {
        q = q.filter(audit_log::at.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(audit_log::at.lt(to));
    }
    q.order((audit_log::at.desc(), audit_log::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(AuditRow::as_select())
        .load(conn)
}
