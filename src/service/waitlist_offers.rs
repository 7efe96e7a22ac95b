//! The waitlist's offers (issue 11), inside other transactions: a cancellation or a move offers
//! the time it freed; a claim's booking closes its offer. Apart from `waitlist` (which books
//! through `booking`) so that `booking` can call these without an import cycle.

use chrono::{DateTime, NaiveDate, Utc};

use crate::db::models::{AppointmentRow, NewOutbox, from_db, to_db};
use crate::db::waitlist::{self as db, EntryRow, NewOffer};
use crate::db::{DbConnection, outbox, treatments};
use crate::domain::availability::check_slot;
use crate::domain::outbox::OutboxStatus;
use crate::domain::time::local_parts;
use crate::domain::token::random_url_safe;
use crate::domain::waitlist::{
    EntryStatus, Freed, OFFER_KIND, OfferStatus, Waiting, overlaps, pick,
};
use crate::error::AppError;
use crate::service::availability::{practitioner_days, timing};
use crate::service::clinic::{self, Clinic};

/// A treatment's time: start and end.
type Span = (DateTime<Utc>, DateTime<Utc>);

pub(crate) fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(crate) fn parse_day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

pub(crate) fn waiting(e: &EntryRow) -> Option<Waiting> {
    Some(Waiting {
        id: e.id,
        treatment_id: e.treatment_id,
        practitioner_id: e.practitioner_id,
        from: parse_day(&e.from_date)?,
        to: parse_day(&e.to_date)?,
        created_at: from_db(e.created_at),
    })
}

/// Called inside the transaction of a cancellation or a move, after it wrote: the time `freed`
/// held is offered to the first waiting entries it suits (the clinic's `waitlist_offers`, 3 by
/// default), each an offer row and an outbox email committed with the change, so an offer is
/// never lost and goes once. Offer emails wait for the end of quiet hours like other
/// non-urgent mail: nobody is woken at night, and the claim window only starts when it is sent.
pub fn on_freed(
    c: &mut DbConnection,
    clinic: &Clinic,
    now: DateTime<Utc>,
    freed: &AppointmentRow,
) -> Result<usize, AppError> {
    let start = from_db(freed.starts_at);
    if start - clinic.rules.lead_time <= now {
        return Ok(0);
    }
    let (date, _) = local_parts(clinic.tz, start);
    let rows = db::waiting_on(c, &day(date))?;
    if rows.is_empty() {
        return Ok(0);
    }
    let entries: Vec<Waiting> = rows.iter().filter_map(waiting).collect();
    let slot = Freed {
        practitioner_id: freed.practitioner_id,
        date,
        start,
    };
    // Per treatment: does the time now freed take it with this practitioner (qualified, its
    // duration and buffer inside the free gap and the hours, its devices free)?
    let mut spans: std::collections::BTreeMap<i32, Option<Span>> = Default::default();
    for tid in entries.iter().map(|e| e.treatment_id) {
        if spans.contains_key(&tid) {
            continue;
        }
        let span = fitting_span(c, clinic, now, tid, freed.practitioner_id, start)?;
        spans.insert(tid, span);
    }
    let ids: Vec<i32> = entries.iter().map(|e| e.id).collect();
    let offers = db::offers_of(c, &ids)?;
    let span_of = |e: &Waiting| spans.get(&e.treatment_id).copied().flatten();
    let busy = |e: &Waiting| {
        let Some(span) = span_of(e) else {
            return true;
        };
        offers.iter().filter(|o| o.entry_id == e.id).any(|o| {
            // The same slot is never offered to one entry twice; an open offer that overlaps
            // keeps the entry busy.
            (o.practitioner_id == freed.practitioner_id && from_db(o.starts_at) == start)
                || (o.status == OfferStatus::Open.as_str()
                    && overlaps((from_db(o.starts_at), from_db(o.ends_at)), span))
        })
    };
    let n = usize::try_from(clinic.row.waitlist_offers.max(0)).unwrap_or(0);
    let chosen = pick(&entries, &slot, |e| span_of(e).is_some(), busy, n);
    let now_db = to_db(now);
    let due = to_db(clinic.send_window.next_open(clinic.tz, now));
    let mut made = 0;
    for e in chosen {
        let Some((s, end)) = span_of(e) else { continue };
        let Some(row) = rows.iter().find(|r| r.id == e.id) else {
            continue;
        };
        let key = format!("waitlist.offer-{}", random_url_safe(12));
        db::insert_offer(
            c,
            &NewOffer {
                entry_id: e.id,
                outbox_key: &key,
                practitioner_id: freed.practitioner_id,
                starts_at: to_db(s),
                ends_at: to_db(end),
                status: OfferStatus::Open.as_str(),
                created_at: now_db,
                updated_at: now_db,
            },
        )?;
        outbox::insert(
            c,
            &NewOutbox {
                appointment_id: freed.id,
                step_id: None,
                kind: OFFER_KIND,
                dedupe_key: &key,
                recipient: &row.email,
                due_at: due,
                status: OutboxStatus::Planned.as_str(),
                message_id: &key,
                note: None,
                created_at: now_db,
                updated_at: now_db,
            },
        )?;
        made += 1;
    }
    if made > 0 {
        metrics::counter!("carepath_waitlist_offers_total").increment(made as u64);
    }
    Ok(made)
}

/// The span the treatment would take at `start` with `pid`, if that is bookable now.
fn fitting_span(
    c: &mut DbConnection,
    clinic: &Clinic,
    now: DateTime<Utc>,
    treatment_id: i32,
    pid: i32,
    start: DateTime<Utc>,
) -> Result<Option<Span>, AppError> {
    let treatment = treatments::treatment(c, treatment_id)?;
    if !treatment.active
        || !clinic::eligible_practitioners(c, &treatment)?
            .iter()
            .any(|p| p.id == pid)
    {
        return Ok(None);
    }
    let (date, _) = local_parts(clinic.tz, start);
    let days = practitioner_days(c, clinic, &[pid], date, None)?;
    let Some(pday) = days.first() else {
        return Ok(None);
    };
    let t = timing(&treatment);
    let Ok(slot) = check_slot(clinic.tz, now, clinic.rules, t, pday, start) else {
        return Ok(None);
    };
    // Devices and rooms (with their own hours) free for the whole session and its buffer.
    match crate::service::resources::free_at(
        c,
        treatment.id,
        start,
        slot.end,
        t.blocks_until(start),
    ) {
        Ok(()) => {}
        Err(AppError::SlotUnavailable(_)) => return Ok(None),
        Err(e) => return Err(e),
    }
    Ok(Some((slot.start, slot.end)))
}

/// Inside the claim's booking transaction, after the appointment is written: the offer is
/// claimed (refused if it was closed meanwhile, undoing the booking), every other open offer of
/// that time is taken, and the entry is off the list.
pub fn on_claimed(
    c: &mut DbConnection,
    now: DateTime<Utc>,
    offer_id: i32,
    booked: &AppointmentRow,
) -> Result<(), AppError> {
    let offer = db::offer(c, offer_id)?;
    db::lock_entry(c, offer.entry_id)?;
    let t = to_db(now);
    if db::close_offer(
        c,
        offer_id,
        OfferStatus::Claimed.as_str(),
        Some(booked.id),
        t,
    )? == 0
    {
        return Err(AppError::OfferTaken);
    }
    db::take_overlapping(
        c,
        booked.practitioner_id,
        booked.starts_at,
        booked.ends_at,
        t,
    )?;
    db::finish_entry(c, offer.entry_id, EntryStatus::Booked.as_str(), t)?;
    db::withdraw_offers(c, offer.entry_id, t)?;
    Ok(())
}
