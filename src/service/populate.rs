//! `carepath populate --appointments N`: fills an empty schedule with N synthetic appointments
//! for benchmarks — every practitioner's working hours back to back, from the end of the booking
//! window backwards into the past as far as N needs, each with a patient (about four appointments
//! each), its confirmation and reminder in the outbox and its audit row. Future days keep every
//! fourth slot free, so availability still has something to find. No two appointments of a
//! practitioner overlap (the database's guard checks every row anyway).

use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::catalog_snapshot;
use super::clinic::qualified;
use crate::db::models::to_db;
use crate::db::populate as rows;
use crate::db::{DbConnection, write_transaction};
use crate::domain::free_days::PractitionerRange;
use crate::domain::time::{LocalInstant, resolve_local, today};
use crate::domain::token::ManageToken;
use crate::error::AppError;

/// Rows generated in memory before they are written (bounds memory on large N).
const CHUNK: usize = 20_000;
/// Appointments per patient, on average.
const PER_PATIENT: usize = 4;

pub struct Report {
    pub appointments: usize,
    pub patients: usize,
    pub outbox: usize,
    pub audit: usize,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub seconds: f64,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "populated {} appointments ({} to {}), {} patients, {} outbox rows, {} audit rows in {:.1}s",
            self.appointments,
            self.first,
            self.last,
            self.patients,
            self.outbox,
            self.audit,
            self.seconds
        )
    }
}

/// One synthetic appointment's place.
struct Placed {
    practitioner_id: i32,
    treatment_id: i32,
    start: DateTime<Utc>,
    minutes: i64,
    buffer: i64,
}

pub fn populate(conn: &mut DbConnection, now: DateTime<Utc>, n: usize) -> Result<Report, AppError> {
    let started = Instant::now();
    if rows::appointment_count(conn)? > 0 {
        return Err(AppError::BadRequest(
            "populate fills an empty schedule: this database already has appointments".into(),
        ));
    }
    let cat = catalog_snapshot::current(conn)?;
    let tz = cat.clinic.tz;
    let grid = i64::from(cat.clinic.rules.grid_minutes.max(1));
    // Who does what: each practitioner cycles through the treatments they may perform.
    let mut staff: Vec<(PractitionerRange, Vec<(i32, i64, i64)>)> = Vec::new();
    for p in &cat.practitioners {
        let can: Vec<(i32, i64, i64)> = cat
            .treatments
            .iter()
            .filter(|t| !qualified(std::slice::from_ref(p), t).is_empty())
            .map(|t| {
                (
                    t.id,
                    i64::from(t.duration_minutes.max(1)),
                    i64::from(t.buffer_minutes.max(0)),
                )
            })
            .collect();
        if !can.is_empty() {
            staff.push((
                PractitionerRange::new(p.id, cat.working_week(p.id), vec![]),
                can,
            ));
        }
    }
    if staff.is_empty() && n > 0 {
        return Err(AppError::BadRequest(
            "no active practitioner performs an active treatment".into(),
        ));
    }
    let reminders: Vec<(i32, i32)> = rows::steps_of_kind(conn, "reminder")?;
    let confirmations: Vec<(i32, i32)> = rows::steps_of_kind(conn, "confirmation")?;
    let step = |list: &[(i32, i32)], t: i32| list.iter().find(|s| s.0 == t).map(|s| s.1);

    let first_patient = rows::next_patient_id(conn)?;
    let first_appointment = rows::next_appointment_id(conn)?;
    let patients = n.div_ceil(PER_PATIENT);
    let today = today(tz, now);
    let last = today + Duration::days(i64::from(cat.clinic.rules.horizon_days));

    let mut report = Report {
        appointments: 0,
        patients: 0,
        outbox: 0,
        audit: 0,
        first: last,
        last,
        seconds: 0.0,
    };
    let mut date = last;
    let mut cycle = 0usize;
    let mut placed: Vec<Placed> = Vec::new();
    let mut empty_days = 0;
    write_transaction(conn, |c| -> Result<(), AppError> {
        // Patients first: appointments point at them.
        let mut batch = Vec::new();
        for i in 0..patients {
            let id = first_patient + i as i32;
            batch.push(rows::Patient {
                id,
                name: format!("Synthetic Patient {id}"),
                email: format!("populate.{id}@example.org"),
                created_at: to_db(now - Duration::days(3650)),
            });
            if batch.len() == CHUNK {
                rows::insert_patients(c, &batch)?;
                batch.clear();
            }
        }
        rows::insert_patients(c, &batch)?;
        report.patients = patients;

        while report.appointments + placed.len() < n {
            let before = placed.len();
            for (range, can) in &staff {
                let day = range.day(tz, date);
                for r in &day.working {
                    let mut m = i64::from(r.start).div_euclid(grid) * grid;
                    if m < i64::from(r.start) {
                        m += grid;
                    }
                    let mut k = 0usize;
                    loop {
                        let (tid, minutes, buffer) = can[cycle % can.len()];
                        if m + minutes > i64::from(r.end) {
                            break;
                        }
                        let hold = (minutes + buffer).div_euclid(grid) * grid
                            + if (minutes + buffer) % grid == 0 {
                                0
                            } else {
                                grid
                            };
                        k += 1;
                        // Future days keep every fourth place free.
                        let keep_free = date >= today && k % 4 == 0;
                        if let (false, LocalInstant::Single(start)) = (
                            keep_free,
                            resolve_local(tz, date, u16::try_from(m).unwrap_or(0)),
                        ) {
                            placed.push(Placed {
                                practitioner_id: range.practitioner_id,
                                treatment_id: tid,
                                start,
                                minutes,
                                buffer,
                            });
                            cycle += 1;
                        }
                        m += hold;
                    }
                }
            }
            empty_days = if placed.len() == before {
                empty_days + 1
            } else {
                0
            };
            if empty_days > 366 {
                return Err(AppError::BadRequest(
                    "the clinic has no working hours to fill".into(),
                ));
            }
            report.first = date;
            date -= Duration::days(1);
            if placed.len() >= CHUNK || report.appointments + placed.len() >= n {
                let take = (n - report.appointments).min(placed.len());
                let done = write_chunk(
                    c,
                    now,
                    &placed[..take],
                    first_appointment + report.appointments as i32,
                    first_patient,
                    patients,
                    &|t| step(&reminders, t),
                    &|t| step(&confirmations, t),
                )?;
                report.appointments += take;
                report.outbox += done.0;
                report.audit += done.1;
                placed.clear();
            }
        }
        rows::reset_sequences(c)?;
        Ok(())
    })?;
    rows::analyze(conn)?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Writes appointments with their outbox and audit rows; (outbox rows, audit rows).
#[allow(clippy::too_many_arguments)]
fn write_chunk(
    c: &mut DbConnection,
    now: DateTime<Utc>,
    placed: &[Placed],
    first_id: i32,
    first_patient: i32,
    patients: usize,
    reminder: &dyn Fn(i32) -> Option<i32>,
    confirmation: &dyn Fn(i32) -> Option<i32>,
) -> Result<(usize, usize), AppError> {
    let mut appts = Vec::with_capacity(placed.len());
    let mut outbox = Vec::with_capacity(placed.len() * 2);
    let mut audit = Vec::with_capacity(placed.len());
    for (i, p) in placed.iter().enumerate() {
        let id = first_id + i as i32;
        let patient_id = first_patient + (id as usize % patients.max(1)) as i32;
        let email = format!("populate.{patient_id}@example.org");
        let end = p.start + Duration::minutes(p.minutes);
        let booked_at = (p.start - Duration::days(14)).min(now);
        let status = if p.start >= now {
            "booked"
        } else if id % 20 == 0 {
            "cancelled"
        } else if id % 25 == 0 {
            "no_show"
        } else {
            "completed"
        };
        appts.push(rows::Appointment {
            id,
            // Only digests are stored (issue 8); nobody holds these synthetic tokens.
            token_hash: ManageToken::generate().digest(),
            patient_id,
            treatment_id: p.treatment_id,
            practitioner_id: p.practitioner_id,
            starts_at: to_db(p.start),
            ends_at: to_db(end),
            blocks_until: to_db(end + Duration::minutes(p.buffer)),
            status,
            created_at: to_db(booked_at),
            contact_name: format!("Synthetic Patient {patient_id}"),
            contact_email: email.clone(),
        });
        outbox.push(rows::Outbox {
            appointment_id: id,
            step_id: confirmation(p.treatment_id),
            kind: "confirmation",
            recipient: email.clone(),
            due_at: to_db(booked_at),
            status: "sent",
            sent_at: Some(to_db(booked_at)),
            created_at: to_db(booked_at),
        });
        let due = p.start - Duration::hours(24);
        let (reminder_status, sent_at) = if due < now {
            ("sent", Some(to_db(due)))
        } else {
            ("planned", None)
        };
        outbox.push(rows::Outbox {
            appointment_id: id,
            step_id: reminder(p.treatment_id),
            kind: "reminder",
            recipient: email,
            due_at: to_db(due),
            status: if status == "cancelled" {
                "cancelled"
            } else {
                reminder_status
            },
            sent_at,
            created_at: to_db(booked_at),
        });
        audit.push(rows::Audit {
            at: to_db(booked_at),
            appointment_id: id,
            status,
        });
    }
    rows::insert_appointments(c, &appts)?;
    rows::insert_outbox(c, &outbox)?;
    rows::insert_audit(c, &audit)?;
    Ok((outbox.len(), audit.len()))
}
