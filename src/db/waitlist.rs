//! The waitlist's queries (issue 11): entries, the offers of freed slots, and the digests of the
//! claim and leave links their emails carry.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{outbox, waitlist_entries, waitlist_links, waitlist_offers};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = waitlist_entries)]
pub struct EntryRow {
    pub id: i32,
    pub entry_ref: String,
    pub treatment_id: i32,
    pub practitioner_id: Option<i32>,
    pub from_date: String,
    pub to_date: String,
    pub name: String,
    pub email: String,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = waitlist_entries)]
pub struct NewEntry<'a> {
    pub entry_ref: &'a str,
    pub treatment_id: i32,
    pub practitioner_id: Option<i32>,
    pub from_date: &'a str,
    pub to_date: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub status: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = waitlist_offers)]
pub struct OfferRow {
    pub id: i32,
    pub entry_id: i32,
    pub outbox_key: String,
    pub practitioner_id: i32,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub status: String,
    pub appointment_id: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = waitlist_offers)]
pub struct NewOffer<'a> {
    pub entry_id: i32,
    pub outbox_key: &'a str,
    pub practitioner_id: i32,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub status: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = waitlist_links)]
pub struct LinkRow {
    pub token_hash: String,
    pub purpose: String,
    pub entry_id: i32,
    pub offer_id: Option<i32>,
    pub created_at: NaiveDateTime,
}

pub fn insert_entry(conn: &mut DbConnection, new: &NewEntry<'_>) -> QueryResult<EntryRow> {
    diesel::insert_into(waitlist_entries::table)
        .values(new)
        .execute(conn)?;
    waitlist_entries::table
        .filter(waitlist_entries::entry_ref.eq(new.entry_ref))
        .select(EntryRow::as_select())
        .first(conn)
}

pub fn entry(conn: &mut DbConnection, id: i32) -> QueryResult<EntryRow> {
    waitlist_entries::table
        .find(id)
        .select(EntryRow::as_select())
        .first(conn)
}

/// An entry by id, or None (a staff URL may name any number).
pub fn find_entry(conn: &mut DbConnection, id: i32) -> QueryResult<Option<EntryRow>> {
    waitlist_entries::table
        .find(id)
        .select(EntryRow::as_select())
        .first(conn)
        .optional()
}

/// Locks an entry's row for the rest of the transaction (PostgreSQL; SQLite's writer lock
/// already serialises), so two claims of one entry's offers run one after the other.
pub fn lock_entry(conn: &mut DbConnection, id: i32) -> QueryResult<usize> {
    diesel::update(waitlist_entries::table.find(id))
        .set(waitlist_entries::id.eq(id))
        .execute(conn)
}

/// One email's waiting entries for a treatment (to extend instead of adding a duplicate).
pub fn waiting_of(
    conn: &mut DbConnection,
    email: &str,
    treatment_id: i32,
) -> QueryResult<Vec<EntryRow>> {
    waitlist_entries::table
        .filter(waitlist_entries::email.eq(email))
        .filter(waitlist_entries::treatment_id.eq(treatment_id))
        .filter(waitlist_entries::status.eq("waiting"))
        .order(waitlist_entries::id)
        .select(EntryRow::as_select())
        .load(conn)
}

/// Waiting entries whose range holds `date` ('YYYY-MM-DD'), first joined first.
pub fn waiting_on(conn: &mut DbConnection, date: &str) -> QueryResult<Vec<EntryRow>> {
    waitlist_entries::table
        .filter(waitlist_entries::status.eq("waiting"))
        .filter(waitlist_entries::from_date.le(date))
        .filter(waitlist_entries::to_date.ge(date))
        .order((waitlist_entries::created_at, waitlist_entries::id))
        .select(EntryRow::as_select())
        .load(conn)
}

/// Entries for the staff list: optionally one treatment, optionally those waiting on `date`.
pub fn listing(
    conn: &mut DbConnection,
    treatment_id: Option<i32>,
    date: Option<&str>,
) -> QueryResult<Vec<EntryRow>> {
    let mut q = waitlist_entries::table
        .select(EntryRow::as_select())
        .into_boxed();
    if let Some(t) = treatment_id {
        q = q.filter(waitlist_entries::treatment_id.eq(t));
    }
    if let Some(d) = date {
        q = q
            .filter(waitlist_entries::from_date.le(d.to_string()))
            .filter(waitlist_entries::to_date.ge(d.to_string()));
    }
    q.order((
        waitlist_entries::treatment_id,
        waitlist_entries::created_at,
        waitlist_entries::id,
    ))
    .limit(500)
    .load(conn)
}

pub fn set_range(
    conn: &mut DbConnection,
    id: i32,
    from: &str,
    to: &str,
    name: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(waitlist_entries::table.find(id))
        .set((
            waitlist_entries::from_date.eq(from),
            waitlist_entries::to_date.eq(to),
            waitlist_entries::name.eq(name),
            waitlist_entries::updated_at.eq(now),
        ))
        .execute(conn)
}

/// Moves a waiting entry to `status`; 0 when it was no longer waiting.
pub fn finish_entry(
    conn: &mut DbConnection,
    id: i32,
    status: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        waitlist_entries::table
            .find(id)
            .filter(waitlist_entries::status.eq("waiting")),
    )
    .set((
        waitlist_entries::status.eq(status),
        waitlist_entries::updated_at.eq(now),
    ))
    .execute(conn)
}

pub fn insert_offer(conn: &mut DbConnection, new: &NewOffer<'_>) -> QueryResult<usize> {
    diesel::insert_into(waitlist_offers::table)
        .values(new)
        .execute(conn)
}

pub fn offer(conn: &mut DbConnection, id: i32) -> QueryResult<OfferRow> {
    waitlist_offers::table
        .find(id)
        .select(OfferRow::as_select())
        .first(conn)
}

pub fn offer_by_key(conn: &mut DbConnection, key: &str) -> QueryResult<Option<OfferRow>> {
    waitlist_offers::table
        .filter(waitlist_offers::outbox_key.eq(key))
        .select(OfferRow::as_select())
        .first(conn)
        .optional()
}

/// Every offer made to these entries (open or not): the matching rule skips entries holding an
/// open one that overlaps, and never offers one entry the same slot twice.
pub fn offers_of(conn: &mut DbConnection, entry_ids: &[i32]) -> QueryResult<Vec<OfferRow>> {
    waitlist_offers::table
        .filter(waitlist_offers::entry_id.eq_any(entry_ids))
        .order(waitlist_offers::id)
        .select(OfferRow::as_select())
        .load(conn)
}

/// When each offer's email went out (None: not yet), by the outbox row it names.
pub fn sent_at(conn: &mut DbConnection, outbox_key: &str) -> QueryResult<Option<NaiveDateTime>> {
    Ok(outbox::table
        .filter(outbox::dedupe_key.eq(outbox_key))
        .filter(outbox::status.eq("sent"))
        .select(outbox::sent_at)
        .first::<Option<NaiveDateTime>>(conn)
        .optional()?
        .flatten())
}

/// Sets an open offer's status; 0 when it was no longer open.
pub fn close_offer(
    conn: &mut DbConnection,
    id: i32,
    status: &str,
    appointment_id: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        waitlist_offers::table
            .find(id)
            .filter(waitlist_offers::status.eq("open")),
    )
    .set((
        waitlist_offers::status.eq(status),
        waitlist_offers::appointment_id.eq(appointment_id),
        waitlist_offers::updated_at.eq(now),
    ))
    .execute(conn)
}

/// Marks every other open offer of a practitioner's overlapping time as taken.
pub fn take_overlapping(
    conn: &mut DbConnection,
    practitioner_id: i32,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        waitlist_offers::table
            .filter(waitlist_offers::practitioner_id.eq(practitioner_id))
            .filter(waitlist_offers::status.eq("open"))
            .filter(waitlist_offers::starts_at.lt(ends_at))
            .filter(waitlist_offers::ends_at.gt(starts_at)),
    )
    .set((
        waitlist_offers::status.eq("taken"),
        waitlist_offers::updated_at.eq(now),
    ))
    .execute(conn)
}

/// Withdraws an entry's open offers (it left the list).
pub fn withdraw_offers(
    conn: &mut DbConnection,
    entry_id: i32,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        waitlist_offers::table
            .filter(waitlist_offers::entry_id.eq(entry_id))
            .filter(waitlist_offers::status.eq("open")),
    )
    .set((
        waitlist_offers::status.eq("withdrawn"),
        waitlist_offers::updated_at.eq(now),
    ))
    .execute(conn)
}

pub fn insert_links(conn: &mut DbConnection, rows: &[LinkRow]) -> QueryResult<usize> {
    let mut n = 0;
    for row in rows {
        n += diesel::insert_into(waitlist_links::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(n)
}

/// The link a digest opens, for its purpose.
pub fn link(conn: &mut DbConnection, hash: &str, purpose: &str) -> QueryResult<Option<LinkRow>> {
    waitlist_links::table
        .filter(waitlist_links::token_hash.eq(hash))
        .filter(waitlist_links::purpose.eq(purpose))
        .select(LinkRow::as_select())
        .first(conn)
        .optional()
}

/// An email's entries of every status (privacy: export and erasure look up by email).
pub fn of_email(conn: &mut DbConnection, email: &str) -> QueryResult<Vec<EntryRow>> {
    waitlist_entries::table
        .filter(waitlist_entries::email.eq(email))
        .order(waitlist_entries::id)
        .select(EntryRow::as_select())
        .load(conn)
}

/// Erases an email's entries with their offers and links (cascade), and the offer emails not
/// yet sent to it.
pub fn delete_of_email(conn: &mut DbConnection, email: &str) -> QueryResult<usize> {
    let ids: Vec<i32> = waitlist_entries::table
        .filter(waitlist_entries::email.eq(email))
        .select(waitlist_entries::id)
        .load(conn)?;
    if ids.is_empty() {
        return Ok(0);
    }
    diesel::delete(waitlist_links::table.filter(waitlist_links::entry_id.eq_any(&ids)))
        .execute(conn)?;
    diesel::delete(waitlist_offers::table.filter(waitlist_offers::entry_id.eq_any(&ids)))
        .execute(conn)?;
    diesel::delete(
        outbox::table
            .filter(outbox::kind.eq("waitlist_offer"))
            .filter(outbox::recipient.eq(email)),
    )
    .execute(conn)?;
    diesel::delete(waitlist_entries::table.filter(waitlist_entries::id.eq_any(&ids))).execute(conn)
}
