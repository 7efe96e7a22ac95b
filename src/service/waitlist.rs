//! The waitlist (issue 11): joining, offering freed slots in the transaction that frees them,
//! claiming an offer through the booking service, leaving, and the staff list.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::db::models::{PractitionerRow, TreatmentRow, from_db, to_db};
use crate::db::waitlist::{self as db, EntryRow, LinkRow, NewEntry, OfferRow};
use crate::db::{DbConnection, practitioners, treatments};
use crate::domain::booking::{PatientDetails, PractitionerChoice};
use crate::domain::errors::FieldErrors;
use crate::domain::patient::{EmailAddress, PatientName};
use crate::domain::time::today;
use crate::domain::token::{ManageToken, random_url_safe};
use crate::domain::waitlist::{ClaimState, EntryStatus, JoinInput, OfferStatus, claim_state};
use crate::error::AppError;
use crate::service::audit::Actor;
use crate::service::booking::{self, BookCommand, Booked};
use crate::service::clinic::{self, Clinic};
use crate::service::clinical_checks::{ClinicalInput, ConsentGiven};
use crate::service::waitlist_offers::{day, parse_day};

/// A joined (or extended) entry, for the answer page or JSON.
#[derive(Debug, Clone)]
pub struct Joined {
    pub entry: EntryRow,
    pub treatment: TreatmentRow,
    /// The email already waited for this treatment over an overlapping range: that entry was
    /// extended instead of adding a second one.
    pub extended: bool,
}

/// Joins the waitlist for the treatment at `slug`. The same email waiting for the same
/// treatment (and practitioner choice) over an overlapping or touching range has that entry
/// widened instead of a duplicate. `errors` are mistakes the caller already found (the API's
/// wrongly typed fields): every mistake is named at once.
pub fn join(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    slug: &str,
    input: &JoinInput,
    mut errors: FieldErrors,
) -> Result<Joined, AppError> {
    let clinic = clinic::load(conn)?;
    let mut merge = |f: FieldErrors| {
        for (k, m) in f.iter() {
            errors.add(k, m.clone());
        }
    };
    let treatment = match crate::service::catalog::requested(conn, slug) {
        Ok(t) => Some(t),
        Err(AppError::Invalid(f)) => {
            merge(f);
            None
        }
        Err(e) => return Err(e),
    };
    let first = today(clinic.tz, now);
    let last = first + Duration::days(i64::from(clinic.rules.horizon_days));
    let req = input.parse(first, last).map_err(&mut merge).ok();
    let (Some(treatment), Some(req), true) = (treatment, req, errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let practitioner_id = match req.practitioner {
        PractitionerChoice::Any => None,
        PractitionerChoice::Specific(id) => {
            if !clinic::eligible_practitioners(conn, &treatment)?
                .iter()
                .any(|p| p.id == id)
            {
                let mut f = FieldErrors::new();
                f.add(
                    "practitioner",
                    "That practitioner doesn't exist or doesn't perform this treatment.",
                );
                return Err(AppError::Invalid(f));
            }
            Some(id)
        }
    };
    let email = req.email.as_str().to_string();
    let name = req.name.as_str().to_string();
    let now_db = to_db(now);
    let (entry, extended) = crate::db::write_transaction(conn, |c| {
        for e in db::waiting_of(c, &email, treatment.id)? {
            let (Some(f), Some(t)) = (parse_day(&e.from_date), parse_day(&e.to_date)) else {
                continue;
            };
            let touches =
                f <= req.to.succ_opt().unwrap_or(req.to) && req.from <= t.succ_opt().unwrap_or(t);
            if e.practitioner_id == practitioner_id && touches {
                let from = f.min(req.from).max(today(clinic.tz, now));
                let to = t.max(req.to);
                db::set_range(c, e.id, &day(from), &day(to), &name, now_db)?;
                return Ok((db::entry(c, e.id)?, true));
            }
        }
        let entry = db::insert_entry(
            c,
            &NewEntry {
                entry_ref: &random_url_safe(18),
                treatment_id: treatment.id,
                practitioner_id,
                from_date: &day(req.from),
                to_date: &day(req.to),
                name: &name,
                email: &email,
                status: EntryStatus::Waiting.as_str(),
                created_at: now_db,
                updated_at: now_db,
            },
        )?;
        Ok::<_, AppError>((entry, false))
    })?;
    Ok(Joined {
        entry,
        treatment,
        extended,
    })
}

/// An offer as its claim page shows it.
#[derive(Debug, Clone)]
pub struct OfferView {
    pub clinic: Clinic,
    pub offer: OfferRow,
    pub entry: EntryRow,
    pub treatment: TreatmentRow,
    pub practitioner: PractitionerRow,
    pub state: OfferPage,
}

impl OfferView {
    pub fn starts_at(&self) -> DateTime<Utc> {
        from_db(self.offer.starts_at)
    }
}

/// What the claim page says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferPage {
    /// Can be claimed until then.
    Open(DateTime<Utc>),
    /// Someone else took it; still on the list.
    Taken,
    /// This patient claimed it already.
    Claimed,
    Expired,
    /// The patient left the list.
    Left,
}

fn link_of(c: &mut DbConnection, token: &str, purpose: &str) -> Result<LinkRow, AppError> {
    let t = ManageToken::parse(token).ok_or(AppError::NotFound("offer"))?;
    db::link(c, &t.digest(), purpose)?.ok_or(AppError::NotFound("offer"))
}

fn view(
    c: &mut DbConnection,
    now: DateTime<Utc>,
    offer: OfferRow,
    entry: EntryRow,
) -> Result<OfferView, AppError> {
    let clinic = clinic::load(c)?;
    let state = match OfferStatus::parse(&offer.status) {
        Some(OfferStatus::Claimed) => OfferPage::Claimed,
        Some(OfferStatus::Taken) => OfferPage::Taken,
        Some(OfferStatus::Withdrawn) => OfferPage::Left,
        _ if entry.status == EntryStatus::Left.as_str() => OfferPage::Left,
        _ => {
            let sent = db::sent_at(c, &offer.outbox_key)?.map(from_db);
            let window = Duration::hours(i64::from(clinic.row.waitlist_claim_hours.max(1)));
            match claim_state(
                now,
                sent,
                window,
                from_db(offer.starts_at),
                clinic.rules.lead_time,
            ) {
                ClaimState::Open { until } => OfferPage::Open(until),
                ClaimState::NotSent | ClaimState::Expired => OfferPage::Expired,
            }
        }
    };
    Ok(OfferView {
        treatment: treatments::treatment(c, entry.treatment_id)?,
        practitioner: practitioners::practitioner(c, offer.practitioner_id)?,
        clinic,
        offer,
        entry,
        state,
    })
}

/// The offer a claim link opens (GET: reads only).
pub fn offer(c: &mut DbConnection, now: DateTime<Utc>, token: &str) -> Result<OfferView, AppError> {
    let link = link_of(c, token, "claim")?;
    let offer_id = link.offer_id.ok_or(AppError::NotFound("offer"))?;
    let offer = db::offer(c, offer_id)?;
    let entry = db::entry(c, link.entry_id)?;
    view(c, now, offer, entry)
}

/// Claims an offer: books its slot through the booking service (one transaction with every
/// rule of a booking, the offer closed and the entry done inside it). Someone faster →
/// `OfferTaken` and the entry keeps waiting; too late → `OfferExpired`.
pub fn claim(
    c: &mut DbConnection,
    now: DateTime<Utc>,
    token: &str,
    consent: ConsentGiven,
) -> Result<Booked, AppError> {
    let v = offer(c, now, token)?;
    match v.state {
        OfferPage::Open(_) => {}
        OfferPage::Taken => return Err(AppError::OfferTaken),
        OfferPage::Claimed => return Err(AppError::OfferClaimed),
        OfferPage::Expired | OfferPage::Left => return Err(AppError::OfferExpired),
    }
    let patient = PatientDetails {
        name: PatientName::parse(&v.entry.name).map_err(|m| invalid("name", m))?,
        email: EmailAddress::parse(&v.entry.email).map_err(|m| invalid("email", m))?,
        phone: None,
    };
    let cmd = BookCommand {
        actor: Actor::Patient {
            label: "patient via a waitlist offer".into(),
        },
        treatment_slug: v.treatment.slug.clone(),
        start: v.starts_at(),
        practitioner: PractitionerChoice::Specific(v.offer.practitioner_id),
        patient,
        note: None,
        // Like an API booking without answers: screening pending, asked for later.
        clinical: ClinicalInput {
            answers: None,
            consent: Some(consent),
        },
        waitlist_offer: Some(v.offer.id),
    };
    match booking::book(c, now, &cmd) {
        Ok(b) => Ok(b),
        Err(AppError::SlotUnavailable(_)) => {
            // Booked by someone else meanwhile (another claimer, or anyone): this offer is over,
            // the entry still waits.
            let t = to_db(now);
            crate::db::write_transaction(c, |c| {
                db::close_offer(c, v.offer.id, OfferStatus::Taken.as_str(), None, t)
            })?;
            Err(AppError::OfferTaken)
        }
        Err(e) => Err(e),
    }
}

fn invalid(field: &str, m: String) -> AppError {
    let mut f = FieldErrors::new();
    f.add(field, m);
    AppError::Invalid(f)
}

/// The entry a leave link opens.
pub fn leaving(
    c: &mut DbConnection,
    token: &str,
) -> Result<(Clinic, EntryRow, TreatmentRow), AppError> {
    let link = link_of(c, token, "leave")?;
    let entry = db::entry(c, link.entry_id)?;
    let treatment = treatments::treatment(c, entry.treatment_id)?;
    Ok((clinic::load(c)?, entry, treatment))
}

/// Leaves the list (a POST): the entry and its open offers end. Leaving twice is fine.
pub fn leave(c: &mut DbConnection, now: DateTime<Utc>, token: &str) -> Result<EntryRow, AppError> {
    let link = link_of(c, token, "leave")?;
    let t = to_db(now);
    crate::db::write_transaction(c, |c| {
        db::finish_entry(c, link.entry_id, EntryStatus::Left.as_str(), t)?;
        db::withdraw_offers(c, link.entry_id, t)?;
        Ok::<_, AppError>(())
    })?;
    Ok(db::entry(c, link.entry_id)?)
}

/// A link secret minted for an offer email.
pub fn mint(
    purpose: &'static str,
    entry_id: i32,
    offer_id: Option<i32>,
    now: DateTime<Utc>,
) -> (ManageToken, LinkRow) {
    let token = ManageToken::generate();
    let row = LinkRow {
        token_hash: token.digest(),
        purpose: purpose.to_string(),
        entry_id,
        offer_id,
        created_at: to_db(now),
    };
    (token, row)
}

/// One line of the staff list.
#[derive(Debug, Clone)]
pub struct Listed {
    pub entry: EntryRow,
    pub treatment: String,
    pub practitioner: Option<String>,
    /// Each offer: its time, and "sent", "waiting to be sent", "claimed", "taken", "expired" or
    /// "withdrawn".
    pub offers: Vec<(DateTime<Utc>, &'static str)>,
}

/// The staff list: entries per treatment (optionally one) and day (optionally one), with
/// their offers' status.
pub fn listing(
    c: &mut DbConnection,
    now: DateTime<Utc>,
    treatment_id: Option<i32>,
    date: Option<NaiveDate>,
) -> Result<(Clinic, Vec<TreatmentRow>, Vec<Listed>), AppError> {
    let clinic = clinic::load(c)?;
    let all = treatments::all_treatments(c)?;
    let rows = db::listing(c, treatment_id, date.map(day).as_deref())?;
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let offers = db::offers_of(c, &ids)?;
    let window = Duration::hours(i64::from(clinic.row.waitlist_claim_hours.max(1)));
    let mut out = Vec::new();
    for entry in rows {
        let mut its = Vec::new();
        for o in offers.iter().filter(|o| o.entry_id == entry.id) {
            let label = match OfferStatus::parse(&o.status) {
                Some(OfferStatus::Claimed) => "claimed",
                Some(OfferStatus::Taken) => "taken by another patient",
                Some(OfferStatus::Withdrawn) => "withdrawn",
                _ => {
                    let sent = db::sent_at(c, &o.outbox_key)?.map(from_db);
                    match claim_state(
                        now,
                        sent,
                        window,
                        from_db(o.starts_at),
                        clinic.rules.lead_time,
                    ) {
                        ClaimState::NotSent => "waiting to be sent",
                        ClaimState::Open { .. } => "sent",
                        ClaimState::Expired => "expired",
                    }
                }
            };
            its.push((from_db(o.starts_at), label));
        }
        let treatment = all
            .iter()
            .find(|t| t.id == entry.treatment_id)
            .map(|t| t.name.clone())
            .unwrap_or_default();
        let practitioner = match entry.practitioner_id {
            Some(p) => Some(practitioners::practitioner(c, p)?.name),
            None => None,
        };
        out.push(Listed {
            entry,
            treatment,
            practitioner,
            offers: its,
        });
    }
    Ok((clinic, all, out))
}

/// An entry as the staff removal page shows it.
#[derive(Debug, Clone)]
pub struct RemovalView {
    pub clinic: Clinic,
    pub entry: EntryRow,
    pub treatment: TreatmentRow,
    /// Offers still open (their links stop working on removal).
    pub open_offers: usize,
}

/// What removing an entry would touch (GET: reads only).
pub fn removal(c: &mut DbConnection, entry_id: i32) -> Result<RemovalView, AppError> {
    let entry = db::find_entry(c, entry_id)?.ok_or(AppError::NotFound("waitlist entry"))?;
    let open_offers = db::offers_of(c, &[entry.id])?
        .iter()
        .filter(|o| o.status == OfferStatus::Open.as_str())
        .count();
    Ok(RemovalView {
        treatment: treatments::treatment(c, entry.treatment_id)?,
        clinic: clinic::load(c)?,
        entry,
        open_offers,
    })
}

/// Staff take a waiting entry off the list by hand (the patient asked by phone, a duplicate…):
/// the entry ends as `left` like a patient's own leave, its open offers are withdrawn (their
/// claim links then answer "expired"), and the trail records who did it, in one transaction.
pub fn remove(
    c: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    entry_id: i32,
) -> Result<EntryRow, AppError> {
    let t = to_db(now);
    crate::db::write_transaction(c, |c| {
        // Locked first (PostgreSQL) so a claim of one of its offers runs before or after, whole.
        db::lock_entry(c, entry_id)?;
        let before = db::find_entry(c, entry_id)?.ok_or(AppError::NotFound("waitlist entry"))?;
        if db::finish_entry(c, entry_id, EntryStatus::Left.as_str(), t)? == 0 {
            return Err(AppError::NotAllowed(format!(
                "This entry is no longer waiting (it is {}): nothing was removed.",
                before.status
            )));
        }
        let withdrawn = db::withdraw_offers(c, entry_id, t)?;
        crate::service::audit::record(
            c,
            now,
            actor,
            crate::service::audit::Entry {
                action: "waitlist_entry_removed",
                subject_kind: "waitlist_entry",
                subject_id: Some(entry_id),
                before: Some(serde_json::json!({
                    "status": before.status,
                    "treatment_id": before.treatment_id,
                    "from": before.from_date,
                    "to": before.to_date,
                })),
                after: Some(serde_json::json!({
                    "status": EntryStatus::Left.as_str(),
                    "offers_withdrawn": withdrawn,
                })),
                note: Some("removed by staff"),
            },
        )?;
        Ok(db::entry(c, entry_id)?)
    })
}
