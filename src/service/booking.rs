//! Booking, cancelling and rescheduling: each a short transaction that takes the practitioner's
//! lock, re-checks the slot against what is committed, then writes. The database's overlap guard
//! (trigger / exclusion constraint) backs this up, so a race can only ever end in a clean 409.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::availability::{
    self, DayQuery, OpenDay, practitioner_days, practitioner_ranges, timing,
};
use super::catalog::{self, Offer};
use super::catalog_snapshot::{self, CatalogSnapshot};
use super::clinic::{self, Clinic};
use crate::db::models::*;
use crate::db::{
    DbConnection, appointments, is_deadlock, is_overlap, is_unique_violation, patients,
};
use crate::domain::appointment::{
    Action, SelfServiceRefusal, Status, self_service_allowed, transition,
};
use crate::domain::availability::{SlotProblem, check_slot};
use crate::domain::booking::{PatientDetails, Policy, PractitionerChoice};
use crate::domain::errors::FieldErrors;
use crate::domain::time::local_parts;
use crate::domain::token::ManageToken;
use crate::domain::treatment::{may_perform, parse_qualifications};
use crate::error::AppError;
use crate::service::audit::{self, Actor};
use crate::service::changes;

#[derive(Debug, Clone)]
pub struct BookCommand {
    /// Who is booking: the patient online, or staff on a patient's behalf (a phone booking).
    pub actor: Actor,
    pub treatment_slug: String,
    pub start: DateTime<Utc>,
    pub practitioner: PractitionerChoice,
    pub patient: PatientDetails,
    pub note: Option<String>,
    /// Screening answers and consent (issue 10): checked and recorded in the booking transaction.
    pub clinical: crate::service::clinical_checks::ClinicalInput,
    /// The waitlist offer this booking claims (issue 11): closed in the booking's transaction.
    pub waitlist_offer: Option<i32>,
}

/// A new appointment and the manage token its booking is answered with: the only time that
/// token is known (the database keeps its digest).
#[derive(Debug, Clone)]
pub struct Booked {
    pub appointment: AppointmentRow,
    pub token: ManageToken,
}

/// An appointment with everything a page, an email or the API shows about it.
#[derive(Debug, Clone)]
pub struct AppointmentDetails {
    pub appointment: AppointmentRow,
    pub status: Status,
    pub treatment: TreatmentRow,
    pub practitioner: PractitionerRow,
    /// The patient record: for staff. Patients' pages and emails use `contact`.
    pub patient: PatientRow,
    /// What was typed with this booking (its emails still go to the record's address).
    pub contact: Contact,
    /// Where it stands in its treatment course, if its treatment has one (issue 11).
    pub course: Option<crate::service::courses::Progress>,
}

/// The name and phone given with one booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub name: String,
    pub phone: Option<String>,
    pub email: String,
}

impl AppointmentDetails {
    /// Whether the booking's contact says something other than the record (and staff haven't
    /// decided to keep it apart).
    pub fn contact_differs(&self) -> bool {
        !self.appointment.contact_kept_apart
            && (self.contact.name != self.patient.name
                || (self.contact.phone.is_some() && self.contact.phone != self.patient.phone))
    }

    pub fn starts_at(&self) -> DateTime<Utc> {
        from_db(self.appointment.starts_at)
    }

    pub fn ends_at(&self) -> DateTime<Utc> {
        from_db(self.appointment.ends_at)
    }
}

/// Conflicts that another practitioner (for "any") might not have.
fn worth_trying_another(e: &AppError) -> bool {
    matches!(
        e,
        AppError::SlotUnavailable(SlotProblem::Taken | SlotProblem::OutsideHours)
    )
}

/// Books a slot. For "any practitioner" each qualified practitioner is tried in turn. Every
/// attempt is counted by outcome (`carepath_bookings_total`).
pub fn book(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    cmd: &BookCommand,
) -> Result<Booked, AppError> {
    let (booked, _) = book_counted(conn, now, cmd)?;
    Ok(booked)
}

/// A new booking with everything its answer (the API's 201) shows.
#[derive(Debug, Clone)]
pub struct BookedAnswer {
    pub clinic: Clinic,
    pub details: AppointmentDetails,
    pub token: ManageToken,
    /// `pending`, `answered` or `not_asked`, as `screening::status_name` says it.
    pub screening: &'static str,
}

/// Books and describes the new booking from what its transaction knew (the rows it read and
/// wrote), not by reading it back: only a course's progress, if the treatment has courses, is
/// read after the commit.
pub fn book_answered(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    cmd: &BookCommand,
) -> Result<BookedAnswer, AppError> {
    let (booked, known) = book_counted(conn, now, cmd)?;
    let course = if known.in_course {
        crate::service::courses::progress(conn, booked.appointment.id)?
    } else {
        None
    };
    let details = details_from(
        booked.appointment,
        known.patient,
        known.treatment,
        known.practitioner,
        course,
    )?;
    Ok(BookedAnswer {
        clinic: known.clinic,
        details,
        token: booked.token,
        screening: known.screening,
    })
}

/// What the booking transaction read or wrote besides the appointment, for its answer.
#[derive(Debug, Clone)]
struct Known {
    clinic: Clinic,
    patient: PatientRow,
    treatment: TreatmentRow,
    practitioner: PractitionerRow,
    screening: &'static str,
    /// Its treatment has a course plan, so the appointment joined a course.
    in_course: bool,
}

fn book_counted(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    cmd: &BookCommand,
) -> Result<(Booked, Known), AppError> {
    let result = book_any(conn, now, cmd);
    let (outcome, reason) = match &result {
        Ok(_) => ("booked", "none"),
        Err(AppError::SlotUnavailable(SlotProblem::Taken)) => ("taken", "taken"),
        Err(AppError::SlotUnavailable(p)) => ("refused", slot_problem(*p)),
        Err(AppError::NotFound(_)) => ("refused", "unknown_treatment"),
        Err(AppError::Invalid(_)) => ("refused", "invalid"),
        Err(AppError::CourseInterval(_)) => ("refused", "course_interval"),
        Err(AppError::Clinical(r)) => ("refused", r.code()),
        Err(_) => ("error", "none"),
    };
    metrics::counter!("carepath_bookings_total", "outcome" => outcome, "reason" => reason)
        .increment(1);
    result
}

fn slot_problem(p: SlotProblem) -> &'static str {
    match p {
        SlotProblem::OffGrid => "off_grid",
        SlotProblem::InPast => "in_past",
        SlotProblem::TooSoon => "too_soon",
        SlotProblem::BeyondHorizon => "beyond_horizon",
        SlotProblem::OutsideHours => "outside_hours",
        SlotProblem::ResourceClosed => "resource_hours",
        SlotProblem::Taken => "taken",
    }
}

fn book_any(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    cmd: &BookCommand,
) -> Result<(Booked, Known), AppError> {
    // One freshness check for what is decided before the write; the write checks again.
    let cat = catalog_snapshot::current(conn)?;
    let policy = cat.clinic.policy(now);
    let treatment = Arc::new(catalog::requested_in(&cat, &cmd.treatment_slug)?);
    let candidates = candidates_in(&cat, &treatment, cmd.practitioner, None)?;
    drop(cat);
    // Owned: the write may run on another request's thread, in its group commit (db::writer).
    let cmd = Arc::new(cmd.clone());
    let mut last = AppError::SlotUnavailable(SlotProblem::OutsideHours);
    for pid in candidates {
        match changes::committed(with_retries(|| {
            let (treatment, cmd) = (treatment.clone(), cmd.clone());
            // Queued behind other writers on SQLite, sharing one `BEGIN IMMEDIATE … COMMIT`
            // with the bookings queued beside it, each in its own savepoint; see db::writer.
            crate::db::grouped_write(conn, move |c| try_book(c, &treatment, pid, policy, &cmd))
        })) {
            Ok(row) => return Ok(row),
            Err(e) if worth_trying_another(&e) => {
                if matches!(e, AppError::SlotUnavailable(SlotProblem::Taken))
                    || !matches!(last, AppError::SlotUnavailable(SlotProblem::Taken))
                {
                    last = e;
                }
            }
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

/// One booking's statements, run inside its (possibly shared) write transaction.
fn try_book(
    c: &mut DbConnection,
    treatment: &TreatmentRow,
    pid: i32,
    policy: Policy,
    cmd: &BookCommand,
) -> Result<(Booked, Known), AppError> {
    // The catalog as this transaction sees it (one primary-key read): hours, and the
    // treatment's setup — screening questions, consent, requirements, devices and rooms, course
    // plan, care-plan steps — exactly as reading those tables here would.
    let cat = catalog_snapshot::current(c)?;
    let clinic = &cat.clinic;
    let setup = cat.setup(treatment.id);
    // Only bookings that could overlap this one queue behind it (db::practitioners).
    let until = timing(treatment).blocks_until(cmd.start);
    crate::db::practitioners::lock_for_booking(c, pid, to_db(cmd.start), to_db(until))?;
    let slot = check_in(c, &cat, treatment, pid, policy, cmd.start, None)?;
    let now = to_db(policy.now);
    let patient = patients::find_or_create(c, &cmd.patient, now)?;
    if !matches!(cmd.actor, Actor::Staff { .. }) {
        let active = [Status::Booked.as_str(), Status::CheckedIn.as_str()];
        let held = patients::active_future_bookings(c, patient.id, now, &active)?;
        if held >= i64::from(clinic.row.max_active_bookings.max(1)) {
            return Err(AppError::Refused(SelfServiceRefusal::TooManyBookings));
        }
    }
    let clinical = crate::service::clinical_checks::before_booking(
        c,
        &cat,
        policy.now,
        &cmd.actor,
        treatment,
        patient.id,
        &cmd.clinical,
    )?;
    let token = ManageToken::generate();
    let t = timing(treatment);
    let row = appointments::insert(
        c,
        &NewAppointment {
            token_hash: &token.digest(),
            patient_id: patient.id,
            treatment_id: treatment.id,
            practitioner_id: pid,
            starts_at: to_db(slot.start),
            ends_at: to_db(slot.end),
            blocks_until: to_db(t.blocks_until(slot.start)),
            status: Status::Booked.as_str(),
            patient_note: cmd.note.as_deref(),
            created_at: now,
            updated_at: now,
            booked_by: match cmd.actor {
                Actor::Staff { .. } => "staff",
                _ => "patient",
            },
            contact_name: cmd.patient.name.as_str(),
            contact_phone: cmd.patient.phone.as_ref().map(|p| p.as_str()),
            contact_email: cmd.patient.email.as_str(),
        },
    )?;
    // Shared devices and rooms (issue 11): one of each kind the treatment needs.
    if !cat.kinds_needed(treatment.id).is_empty() {
        crate::service::resources::take_for_in(c, &cat, treatment, &row)?;
    }
    // Treatment courses (issue 11): joins the patient's course, or refuses the interval.
    let in_course = setup.course_plan.is_some();
    if in_course {
        crate::service::courses::on_booked(c, clinic.tz, &row)?;
    }
    // A waitlist claim (issue 11): its offer closes with the booking, or the booking undoes.
    if let Some(offer) = cmd.waitlist_offer {
        crate::service::waitlist_offers::on_claimed(c, policy.now, offer, &row)?;
    }
    audit::appointment_change(
        c,
        policy.now,
        &cmd.actor,
        "appointment.book",
        None,
        &row,
        None,
    )?;
    let screening = clinical.status_name();
    let yes = clinical.yes_keys();
    // Before planning: a preparation step may depend on an answer.
    clinical.record(c, policy.now, &row)?;
    crate::service::planning::on_new_booking(c, &cat, policy.now, &row, &patient.email, &yes)?;
    let practitioner = cat
        .practitioners
        .iter()
        .find(|p| p.id == pid)
        .cloned()
        .ok_or(AppError::SlotUnavailable(SlotProblem::OutsideHours))?;
    let known = Known {
        clinic: clinic.clone(),
        patient,
        treatment: treatment.clone(),
        practitioner,
        screening,
        in_course,
    };
    Ok((
        Booked {
            appointment: row,
            token,
        },
        known,
    ))
}

/// Runs a write, mapping the database's overlap refusal to "taken" and retrying the rare
/// conflict of two first-time patients with the same email racing on PostgreSQL, and a
/// transaction PostgreSQL aborted to break a deadlock between racing inserts into an exclusion
/// constraint (seen as a 500 for two of six racers for rooms under load): run again, it sees
/// the winner's rows and takes the next room or answers "taken".
fn with_retries<T>(mut f: impl FnMut() -> Result<T, AppError>) -> Result<T, AppError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match f() {
            Err(AppError::Db(e)) if is_overlap(&e) => {
                return Err(AppError::SlotUnavailable(SlotProblem::Taken));
            }
            Err(AppError::Db(e)) if is_unique_violation(&e) && attempt < 3 => continue,
            Err(AppError::Db(e)) if is_deadlock(&e) && attempt < 5 => continue,
            other => return other,
        }
    }
}

fn check_one(
    c: &mut DbConnection,
    clinic: &Clinic,
    treatment: &TreatmentRow,
    pid: i32,
    policy: Policy,
    start: DateTime<Utc>,
    exclude: Option<i32>,
) -> Result<crate::domain::availability::Slot, AppError> {
    let (date, _) = local_parts(clinic.tz, start);
    let days = practitioner_days(c, clinic, &[pid], date, exclude)?;
    let day = days
        .first()
        .ok_or(AppError::SlotUnavailable(SlotProblem::OutsideHours))?;
    check_slot(
        clinic.tz,
        policy.now,
        policy.rules,
        timing(treatment),
        day,
        start,
    )
    .map_err(AppError::SlotUnavailable)
}

/// `check_one` with the catalog in hand (the booking transaction's own).
fn check_in(
    c: &mut DbConnection,
    cat: &CatalogSnapshot,
    treatment: &TreatmentRow,
    pid: i32,
    policy: Policy,
    start: DateTime<Utc>,
    exclude: Option<i32>,
) -> Result<crate::domain::availability::Slot, AppError> {
    let tz = cat.clinic.tz;
    let (date, _) = local_parts(tz, start);
    let days = practitioner_ranges(c, cat, &[pid], date, date, exclude)?;
    let day = days
        .first()
        .map(|r| r.day(tz, date))
        .ok_or(AppError::SlotUnavailable(SlotProblem::OutsideHours))?;
    check_slot(tz, policy.now, policy.rules, timing(treatment), &day, start)
        .map_err(AppError::SlotUnavailable)
}

/// Practitioners to try, in order. A named one must be active and qualified; for "any" the
/// `prefer`red one (the current practitioner of a rescheduled appointment) goes first.
fn candidates(
    conn: &mut DbConnection,
    treatment: &TreatmentRow,
    choice: PractitionerChoice,
    prefer: Option<i32>,
) -> Result<Vec<i32>, AppError> {
    let cat = catalog_snapshot::current(conn)?;
    candidates_in(&cat, treatment, choice, prefer)
}

/// `candidates` from a catalog already in hand.
fn candidates_in(
    cat: &CatalogSnapshot,
    treatment: &TreatmentRow,
    choice: PractitionerChoice,
    prefer: Option<i32>,
) -> Result<Vec<i32>, AppError> {
    let eligible = cat.eligible(treatment);
    match choice {
        PractitionerChoice::Specific(id) => {
            if eligible.iter().any(|p| p.id == id) {
                Ok(vec![id])
            } else {
                let mut f = FieldErrors::new();
                f.add(
                    "practitioner",
                    "That practitioner doesn't exist or doesn't perform this treatment.",
                );
                Err(AppError::Invalid(f))
            }
        }
        PractitionerChoice::Any => {
            // Whoever can do the fewest treatments goes first, keeping the most versatile
            // practitioners (the physician, who alone does laser) free for what only they can do.
            let treatments = &cat.treatments;
            let versatility = |p: &PractitionerRow| {
                let held = parse_qualifications(&p.qualifications);
                treatments
                    .iter()
                    .filter(|t| may_perform(&held, &parse_qualifications(&t.qualifications)))
                    .count()
            };
            let mut ranked: Vec<(usize, i32)> =
                eligible.iter().map(|p| (versatility(p), p.id)).collect();
            ranked.sort();
            let mut ids: Vec<i32> = ranked.into_iter().map(|(_, id)| id).collect();
            if let Some(p) = prefer
                && let Some(pos) = ids.iter().position(|&i| i == p)
            {
                ids.remove(pos);
                ids.insert(0, p);
            }
            Ok(ids)
        }
    }
}

fn find(conn: &mut DbConnection, token: &str) -> Result<AppointmentRow, AppError> {
    crate::service::links::appointment(conn, token)
}

fn status_of(row: &AppointmentRow) -> Result<Status, AppError> {
    Status::parse(&row.status)
        .ok_or_else(|| AppError::Internal(format!("unknown status '{}'", row.status)))
}

/// Whether this actor may do this to the appointment now: patients by the self-service rules
/// (cutoff, status), staff by the state machine alone.
fn permitted(
    row: &AppointmentRow,
    policy: Policy,
    actor: &Actor,
    action: Action,
) -> Result<(), AppError> {
    let status = status_of(row)?;
    match actor {
        Actor::Staff { .. } => transition(status, action)
            .map(|_| ())
            .map_err(AppError::NotAllowed),
        _ => self_service_allowed(status, from_db(row.starts_at), policy.now, policy.cutoff)
            .map_err(AppError::Refused),
    }
}

pub fn details(conn: &mut DbConnection, token: &str) -> Result<AppointmentDetails, AppError> {
    let appointment = find(conn, token)?;
    details_of(conn, appointment)
}

/// An appointment as its patient sees it, with the clinic it is at (zone, contact).
pub fn lookup(
    conn: &mut DbConnection,
    token: &str,
) -> Result<(Clinic, AppointmentDetails), AppError> {
    let details = details(conn, token)?;
    Ok((clinic::load(conn)?, details))
}

/// Where an appointment may move to: a day's free slots of its treatment, its own time counting
/// as free. Whether the patient may still move it is `self_service`'s to say.
pub fn rescheduling(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    token: &str,
    query: DayQuery,
) -> Result<(AppointmentDetails, OpenDay), AppError> {
    let details = details(conn, token)?;
    let day = availability::open_day(
        conn,
        now,
        details.treatment.clone(),
        query,
        Some(details.appointment.id),
    )?;
    Ok((details, day))
}

pub fn details_of(
    conn: &mut DbConnection,
    appointment: AppointmentRow,
) -> Result<AppointmentDetails, AppError> {
    let patient = patients::by_id(conn, appointment.patient_id)?;
    let course = crate::service::courses::progress(conn, appointment.id)?;
    let treatment = crate::db::treatments::treatment(conn, appointment.treatment_id)?;
    let practitioner = crate::db::practitioners::practitioner(conn, appointment.practitioner_id)?;
    details_from(appointment, patient, treatment, practitioner, course)
}

/// The details from rows already read (the dispatcher reads them for a whole batch at once).
pub fn details_from(
    appointment: AppointmentRow,
    patient: PatientRow,
    treatment: TreatmentRow,
    practitioner: PractitionerRow,
    course: Option<crate::service::courses::Progress>,
) -> Result<AppointmentDetails, AppError> {
    let contact = Contact {
        name: if appointment.contact_name.is_empty() {
            patient.name.clone()
        } else {
            appointment.contact_name.clone()
        },
        phone: appointment.contact_phone.clone(),
        email: if appointment.contact_email.is_empty() {
            patient.email.clone()
        } else {
            appointment.contact_email.clone()
        },
    };
    Ok(AppointmentDetails {
        course,
        status: status_of(&appointment)?,
        treatment,
        practitioner,
        patient,
        contact,
        appointment,
    })
}

/// Whether the patient may still change it online (for showing or hiding the forms).
pub fn self_service(
    details: &AppointmentDetails,
    policy: Policy,
) -> Result<(), SelfServiceRefusal> {
    self_service_allowed(
        details.status,
        details.starts_at(),
        policy.now,
        policy.cutoff,
    )
}

pub fn parse_reason(reason: &str) -> Result<Option<String>, AppError> {
    let reason = reason.trim();
    if reason.chars().count() > 500 {
        let mut f = FieldErrors::new();
        f.add("reason", "A reason can be at most 500 characters.");
        return Err(AppError::Invalid(f));
    }
    if reason
        .chars()
        .any(|c| crate::domain::input::refused_char(c, true))
    {
        let mut f = FieldErrors::new();
        f.add(
            "reason",
            "A reason cannot contain control characters or invisible formatting characters.",
        );
        return Err(AppError::Invalid(f));
    }
    Ok((!reason.is_empty()).then(|| reason.to_string()))
}

/// Cancels through the manage link (or the API's token routes).
pub fn cancel(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    token: &str,
    reason: Option<&str>,
    actor: &Actor,
) -> Result<AppointmentRow, AppError> {
    let row = find(conn, token)?;
    cancel_appointment(conn, now, row.id, reason, actor)
}

pub fn cancel_appointment(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    id: i32,
    reason: Option<&str>,
    actor: &Actor,
) -> Result<AppointmentRow, AppError> {
    let clinic = clinic::load(conn)?;
    let policy = clinic.policy(now);
    changes::committed(crate::db::write_transaction(conn, |c| {
        // The row first: on SQLite this makes the transaction a writer from its first statement
        // (a read-then-write transaction gets "database is locked" at once when another write
        // committed in between, which the fuzz test found as a 503), on PostgreSQL a row lock.
        if appointments::lock(c, id)? == 0 {
            return Err(AppError::NotFound("appointment"));
        }
        let before = appointments::by_id(c, id)?;
        permitted(&before, policy, actor, Action::Cancel)?;
        if appointments::cancel(c, id, &before.status, reason, to_db(now))? == 0 {
            return Err(AppError::Refused(SelfServiceRefusal::AlreadyCancelled));
        }
        let after = appointments::by_id(c, id)?;
        audit::appointment_change(
            c,
            now,
            actor,
            "appointment.cancel",
            Some(&before),
            &after,
            reason,
        )?;
        crate::service::planning::on_cancelled(c, &clinic, now, &after)?;
        // The waitlist (issue 11): the freed time is offered in this same transaction.
        crate::service::waitlist_offers::on_freed(c, &clinic, now, &before)?;
        Ok(after)
    }))
}

/// Moves an appointment through the manage link (or the API's token routes).
pub fn reschedule(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    token: &str,
    start: DateTime<Utc>,
    choice: PractitionerChoice,
    actor: &Actor,
) -> Result<AppointmentRow, AppError> {
    let row = find(conn, token)?;
    reschedule_appointment(conn, now, row.id, start, choice, actor)
}

/// Moves an appointment to another free slot, by the same availability rules as booking.
pub fn reschedule_appointment(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    id: i32,
    start: DateTime<Utc>,
    choice: PractitionerChoice,
    actor: &Actor,
) -> Result<AppointmentRow, AppError> {
    let clinic = clinic::load(conn)?;
    let policy = clinic.policy(now);
    let row = appointments::by_id(conn, id)?;
    permitted(&row, policy, actor, Action::Reschedule)?;
    let treatment = crate::db::treatments::treatment(conn, row.treatment_id)?;
    let mut last = AppError::SlotUnavailable(SlotProblem::OutsideHours);
    for pid in candidates(conn, &treatment, choice, Some(row.practitioner_id))? {
        let attempt = changes::committed(with_retries(|| {
            crate::db::write_transaction(conn, |c| {
                crate::db::practitioners::lock_practitioner(c, pid)?;
                let before = appointments::by_id(c, row.id)?;
                permitted(&before, policy, actor, Action::Reschedule)?;
                let slot = check_one(c, &clinic, &treatment, pid, policy, start, Some(row.id))?;
                let to = appointments::NewTime {
                    practitioner_id: pid,
                    starts_at: to_db(slot.start),
                    ends_at: to_db(slot.end),
                    blocks_until: to_db(timing(&treatment).blocks_until(slot.start)),
                };
                // Its devices and rooms are let go and taken afresh at the new time.
                crate::service::resources::release(c, row.id)?;
                if appointments::move_to(c, row.id, &to, to_db(now))? == 0 {
                    return Err(AppError::Refused(SelfServiceRefusal::NoLongerBooked));
                }
                let after = appointments::by_id(c, row.id)?;
                crate::service::resources::take_for(c, &treatment, &after)?;
                crate::service::courses::on_moved(c, clinic.tz, &after)?;
                audit::appointment_change(
                    c,
                    now,
                    actor,
                    "appointment.reschedule",
                    Some(&before),
                    &after,
                    None,
                )?;
                crate::service::planning::on_rescheduled(c, &clinic, now, &after)?;
                // The waitlist (issue 11): the old time, if the move let it go, is offered.
                crate::service::waitlist_offers::on_freed(c, &clinic, now, &before)?;
                Ok(after)
            })
        }));
        match attempt {
            Ok(row) => return Ok(row),
            Err(e) if worth_trying_another(&e) => last = e,
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

/// The booking page's details step: the treatment on offer at that address, if `start` is free
/// right now with the practitioner chosen (no lock: booking re-checks).
pub fn choose_time(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    slug: &str,
    start: DateTime<Utc>,
    choice: PractitionerChoice,
) -> Result<(Clinic, Offer), AppError> {
    let (clinic, offer) = catalog::offer(conn, slug)?;
    find_free(conn, now, &offer.treatment, start, choice)?;
    Ok((clinic, offer))
}

/// Whether a start is free right now (no lock: for showing pages; booking re-checks).
fn find_free(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    treatment: &TreatmentRow,
    start: DateTime<Utc>,
    choice: PractitionerChoice,
) -> Result<i32, AppError> {
    let clinic = clinic::load(conn)?;
    let policy = clinic.policy(now);
    let mut last = AppError::SlotUnavailable(SlotProblem::OutsideHours);
    for pid in candidates(conn, treatment, choice, None)? {
        match check_one(conn, &clinic, treatment, pid, policy, start, None) {
            Ok(slot) => {
                // Devices and rooms don't depend on who performs it: one look is enough.
                let until = timing(treatment).blocks_until(start);
                crate::service::resources::free_at(conn, treatment.id, start, slot.end, until)?;
                return Ok(pid);
            }
            Err(e) if worth_trying_another(&e) => last = e,
            Err(e) => return Err(e),
        }
    }
    Err(last)
}
