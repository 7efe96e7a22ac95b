//! What a chunk of claimed messages is rendered from, read with one query per table for the whole
//! chunk. Reading them message by message took about ten round trips per email, which on
//! PostgreSQL was most of the dispatcher's time. Rare extras (a course's progress, what a
//! consultation cleared, who cancelled) are still read for the message that needs them.

use std::collections::{HashMap, HashSet};

use crate::db::consultations::RequirementRow;
use crate::db::models::{
    AppointmentRow, CarePlanStepRow, OutboxRow, PatientRow, PractitionerRow, TreatmentRow,
};
use crate::db::{DbConnection, render_rows};
use crate::error::AppError;
use crate::service::booking::{AppointmentDetails, details_from};
use crate::service::clinic::{self, Clinic};

pub struct Loaded {
    pub clinic: Clinic,
    steps: HashMap<i32, CarePlanStepRow>,
    appointments: HashMap<i32, AppointmentRow>,
    patients: HashMap<i32, PatientRow>,
    treatments: HashMap<i32, TreatmentRow>,
    practitioners: HashMap<i32, PractitionerRow>,
    /// Appointments that are sessions of a course.
    in_course: HashSet<i32>,
    /// Treatments that are the consultation.
    consultations: HashSet<i32>,
    /// Appointments whose health questions are still unanswered.
    screening_pending: HashSet<i32>,
}

/// Distinct ids, sorted (the queries' parameter lists).
fn ids(v: impl Iterator<Item = i32>) -> Vec<i32> {
    let mut v: Vec<i32> = v.collect();
    v.sort_unstable();
    v.dedup();
    v
}

impl Loaded {
    /// Everything the messages of `rows` are rendered from (rows that went missing, e.g. a
    /// deleted step, are simply absent: that message fails on its own).
    pub fn read(conn: &mut DbConnection, rows: &[OutboxRow]) -> Result<Self, AppError> {
        let clinic = clinic::load(conn)?;
        let step_ids = ids(rows.iter().filter_map(|r| r.step_id));
        let appointment_ids = ids(rows.iter().map(|r| r.appointment_id));
        let appointments: HashMap<i32, AppointmentRow> =
            render_rows::appointments(conn, &appointment_ids)?
                .into_iter()
                .map(|a| (a.id, a))
                .collect();
        let patient_ids = ids(appointments.values().map(|a| a.patient_id));
        let treatment_ids = ids(appointments.values().map(|a| a.treatment_id));
        let practitioner_ids = ids(appointments.values().map(|a| a.practitioner_id));
        Ok(Self {
            clinic,
            steps: render_rows::steps(conn, &step_ids)?
                .into_iter()
                .map(|s| (s.id, s))
                .collect(),
            patients: render_rows::patients(conn, &patient_ids)?
                .into_iter()
                .map(|p| (p.id, p))
                .collect(),
            treatments: render_rows::treatments(conn, &treatment_ids)?
                .into_iter()
                .map(|t| (t.id, t))
                .collect(),
            practitioners: render_rows::practitioners(conn, &practitioner_ids)?
                .into_iter()
                .map(|p| (p.id, p))
                .collect(),
            in_course: render_rows::in_a_course(conn, &appointment_ids)?
                .into_iter()
                .collect(),
            consultations: render_rows::requirements(conn, &treatment_ids)?
                .into_iter()
                .filter(|r: &RequirementRow| r.is_consultation)
                .map(|r| r.treatment_id)
                .collect(),
            screening_pending: render_rows::screening_in(conn, &appointment_ids, "pending")?
                .into_iter()
                .collect(),
            appointments,
        })
    }

    pub fn step(&self, id: i32) -> Option<&CarePlanStepRow> {
        self.steps.get(&id)
    }

    /// The appointment with everything an email shows about it (`booking::details_of`, from
    /// the rows read for the chunk).
    pub fn details(
        &self,
        conn: &mut DbConnection,
        appointment_id: i32,
    ) -> Result<AppointmentDetails, String> {
        let missing = |what: &str| format!("its {what} was not found");
        let a = self
            .appointments
            .get(&appointment_id)
            .ok_or_else(|| missing("appointment"))?;
        let patient = self
            .patients
            .get(&a.patient_id)
            .ok_or_else(|| missing("patient"))?;
        let treatment = self
            .treatments
            .get(&a.treatment_id)
            .ok_or_else(|| missing("treatment"))?;
        let practitioner = self
            .practitioners
            .get(&a.practitioner_id)
            .ok_or_else(|| missing("practitioner"))?;
        let course = if self.in_course.contains(&a.id) {
            crate::service::courses::progress(conn, a.id).map_err(|e| e.to_string())?
        } else {
            None
        };
        details_from(
            a.clone(),
            patient.clone(),
            treatment.clone(),
            practitioner.clone(),
            course,
        )
        .map_err(|e| e.to_string())
    }

    /// Whether the appointment's treatment is the consultation.
    pub fn is_consultation(&self, treatment_id: i32) -> bool {
        self.consultations.contains(&treatment_id)
    }

    /// Whether its health questions are still unanswered (`screening::reminder_asks_again`).
    pub fn screening_pending(&self, appointment_id: i32) -> bool {
        self.screening_pending.contains(&appointment_id)
    }
}
