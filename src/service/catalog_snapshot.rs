//! The catalog the booking rules read on every request — the clinic with its hours and rules,
//! active treatments, active practitioners and their weekly hours, devices and rooms with their
//! hours and which kinds each treatment needs — read once and kept in memory.
//!
//! Freshness: every write to those tables moves the `catalog_version` row on in the same
//! transaction (database triggers, so it holds for every instance sharing the database, for the
//! admin pages, the command line and anything else that writes). Each use reads that one row by
//! primary key and reloads when it moved, so a change made by any instance shows on the next
//! request, here or elsewhere, with no TTL.
//!
//! A treatment's setup that every booking reads — its care-plan steps, current screening
//! questions, newest consent text, consultation requirement and course plan — is kept here too (issue 13), under the same version: those tables move
//! `catalog_version` on as well. Read inside a booking's transaction, the version check sees
//! exactly what a read of those tables in that transaction would.
//!
//! A copy is only kept when read outside a transaction: inside one, what is read may include that
//! transaction's own uncommitted catalog writes, which must never be shown to anyone else.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::Weekday;

use super::clinic_model::{self, Clinic, minute_range};
use crate::db::consent::ConsentTextRow;
use crate::db::consultations::RequirementRow;
use crate::db::courses::PlanRow;
use crate::db::models::{CarePlanStepRow, PractitionerHoursRow, PractitionerRow, TreatmentRow};
use crate::db::resources::{ResourceHoursRow, ResourceRow};
use crate::db::screening::QuestionRow;
use crate::db::{DbConnection, catalog_version, in_transaction};
use crate::domain::hours::{WeeklyHours, weekday_from_index};
use crate::error::AppError;

#[derive(Debug)]
pub struct CatalogSnapshot {
    /// Names the database (the cache is shared by every database a process opens: tests).
    pub stamp: String,
    pub version: i64,
    pub clinic: Clinic,
    /// Active treatments in menu order.
    pub treatments: Vec<TreatmentRow>,
    /// Active practitioners in id order.
    pub practitioners: Vec<PractitionerRow>,
    hours: Vec<PractitionerHoursRow>,
    /// Devices' and rooms' weekly hours (issue 11); a resource without rows has none of its own.
    resource_hours: Vec<ResourceHoursRow>,
    /// Every device and room, active or not, in id order.
    resources: Vec<ResourceRow>,
    /// (treatment id, kind) of every need, by treatment then kind.
    needs: Vec<(i32, String)>,
    /// Worked out once per load rather than on every request: each active treatment's
    /// qualified practitioners, and each active practitioner's working week.
    eligible: Vec<(i32, Vec<PractitionerRow>)>,
    weeks: Vec<(i32, WeeklyHours)>,
    /// Each treatment's setup, by treatment id (every treatment, active or not).
    setups: HashMap<i32, TreatmentSetup>,
    /// (care-plan step id, screening question key): steps sent only after a "yes" to that key.
    pub step_conditions: Vec<(i32, String)>,
    /// Treatments that count as a consultation, by id.
    pub consultation_treatments: Vec<i32>,
}

/// What a booking reads of its treatment besides the treatment row.
#[derive(Debug, Default)]
pub struct TreatmentSetup {
    /// Care-plan steps (active or not), by position.
    pub steps: Vec<CarePlanStepRow>,
    /// Current (unretired) screening questions, by position.
    pub questions: Vec<QuestionRow>,
    /// The newest consent text.
    pub consent: Option<ConsentTextRow>,
    pub requirement: Option<RequirementRow>,
    pub course_plan: Option<PlanRow>,
}

static NO_SETUP: TreatmentSetup = TreatmentSetup {
    steps: Vec::new(),
    questions: Vec::new(),
    consent: None,
    requirement: None,
    course_plan: None,
};

impl CatalogSnapshot {
    /// An active treatment by its slug.
    pub fn treatment(&self, slug: &str) -> Option<&TreatmentRow> {
        self.treatments.iter().find(|t| t.slug == slug)
    }

    /// A treatment's setup (empty when it has none).
    pub fn setup(&self, treatment_id: i32) -> &TreatmentSetup {
        self.setups.get(&treatment_id).unwrap_or(&NO_SETUP)
    }

    /// Active practitioners qualified for the treatment, in id order.
    pub fn eligible(&self, treatment: &TreatmentRow) -> Vec<PractitionerRow> {
        let known = self.eligible.iter().find(|(id, _)| *id == treatment.id);
        match (known, self.treatments.iter().find(|t| t.id == treatment.id)) {
            // The same treatment as loaded (not, say, a copy read with other qualifications).
            (Some((_, eligible)), Some(t)) if t.qualifications == treatment.qualifications => {
                eligible.clone()
            }
            _ => clinic_model::qualified(&self.practitioners, treatment),
        }
    }

    /// A practitioner's own weekly hours (not yet cut to the clinic's).
    pub fn own_hours(&self, practitioner_id: i32) -> WeeklyHours {
        let mut own = WeeklyHours::default();
        for h in self
            .hours
            .iter()
            .filter(|h| h.practitioner_id == practitioner_id)
        {
            if let (Some(day), Ok(r)) = (
                weekday_from_index(h.weekday),
                minute_range(h.start_minute, h.end_minute),
            ) {
                own.add(day, r);
            }
        }
        own
    }

    /// A device's or room's own weekly hours; `None` when it has none set (then it is available
    /// whenever the clinic is open).
    pub fn resource_week(&self, resource_id: i32) -> Option<WeeklyHours> {
        let mut week = WeeklyHours::default();
        let mut any = false;
        for h in self
            .resource_hours
            .iter()
            .filter(|h| h.resource_id == resource_id)
        {
            any = true;
            if let (Some(day), Ok(r)) = (
                weekday_from_index(h.weekday),
                minute_range(h.start_minute, h.end_minute),
            ) {
                week.add(day, r);
            }
        }
        any.then_some(week)
    }

    /// The kinds a treatment needs one resource of each, in kind order.
    pub fn kinds_needed(&self, treatment_id: i32) -> Vec<String> {
        self.needs
            .iter()
            .filter(|(t, _)| *t == treatment_id)
            .map(|(_, k)| k.clone())
            .collect()
    }

    /// Active resources of these kinds, by id (the order resources are tried in).
    pub fn active_of_kinds(&self, kinds: &[String]) -> Vec<ResourceRow> {
        self.resources
            .iter()
            .filter(|r| r.active && kinds.contains(&r.kind))
            .cloned()
            .collect()
    }

    /// When a practitioner may be booked each weekday: their hours while the clinic is open.
    pub fn working_week(&self, practitioner_id: i32) -> WeeklyHours {
        match self.weeks.iter().find(|(id, _)| *id == practitioner_id) {
            Some((_, week)) => week.clone(),
            None => self.compute_working_week(practitioner_id),
        }
    }

    fn compute_working_week(&self, practitioner_id: i32) -> WeeklyHours {
        let own = self.own_hours(practitioner_id);
        let mut week = WeeklyHours::default();
        for day in [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
            Weekday::Sun,
        ] {
            for r in self.clinic.hours.intersect_day(&own, day) {
                week.add(day, r);
            }
        }
        week
    }
}

/// Copies by database stamp; bounded, since a test process opens hundreds of databases.
static CACHE: RwLock<Vec<Arc<CatalogSnapshot>>> = RwLock::new(Vec::new());
const MAX_DATABASES: usize = 64;

/// The current catalog: from memory when its version is still the database's, else read again.
pub fn current(conn: &mut DbConnection) -> Result<Arc<CatalogSnapshot>, AppError> {
    let (stamp, version) = catalog_version::read(conn)?;
    {
        let cache = CACHE.read().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = cache
            .iter()
            .find(|s| s.stamp == stamp && s.version == version)
        {
            return Ok(s.clone());
        }
    }
    // The version was read first: what is loaded now is at least that new, so keeping it under
    // that version can only make it reload sooner than needed, never serve something older.
    let fresh = Arc::new(load(conn, stamp, version)?);
    if !in_transaction(conn) {
        let mut cache = CACHE.write().unwrap_or_else(|p| p.into_inner());
        cache.retain(|s| s.stamp != fresh.stamp);
        if cache.len() >= MAX_DATABASES {
            cache.remove(0);
        }
        cache.push(fresh.clone());
    }
    Ok(fresh)
}

fn load(conn: &mut DbConnection, stamp: String, version: i64) -> Result<CatalogSnapshot, AppError> {
    let mut setups: HashMap<i32, TreatmentSetup> = HashMap::new();
    for step in crate::db::care_plans::all_steps(conn)? {
        setups
            .entry(step.treatment_id)
            .or_default()
            .steps
            .push(step);
    }
    for q in crate::db::screening::all_current(conn)? {
        setups.entry(q.treatment_id).or_default().questions.push(q);
    }
    for t in crate::db::consent::all_current(conn)? {
        let id = t.treatment_id;
        setups.entry(id).or_default().consent = Some(t);
    }
    let requirements = crate::db::consultations::all_requirements(conn)?;
    let mut consultation_treatments: Vec<i32> = requirements
        .iter()
        .filter(|r| r.is_consultation)
        .map(|r| r.treatment_id)
        .collect();
    consultation_treatments.sort_unstable();
    for r in requirements {
        let id = r.treatment_id;
        setups.entry(id).or_default().requirement = Some(r);
    }
    for p in crate::db::courses::all_plans(conn)? {
        let id = p.treatment_id;
        setups.entry(id).or_default().course_plan = Some(p);
    }
    let mut snapshot = CatalogSnapshot {
        setups,
        step_conditions: crate::db::screening::step_conditions(conn)?,
        consultation_treatments,
        stamp,
        version,
        clinic: clinic_model::read(conn)?,
        treatments: crate::db::treatments::active_treatments(conn)?,
        practitioners: crate::db::practitioners::active_practitioners(conn)?,
        hours: crate::db::practitioners::all_practitioner_hours(conn)?,
        resource_hours: crate::db::resources::all_hours(conn)?,
        resources: {
            let mut all = crate::db::resources::all(conn)?;
            all.sort_by_key(|r| r.id);
            all
        },
        needs: crate::db::resources::all_needs(conn)?,
        eligible: Vec::new(),
        weeks: Vec::new(),
    };
    snapshot.eligible = snapshot
        .treatments
        .iter()
        .map(|t| (t.id, clinic_model::qualified(&snapshot.practitioners, t)))
        .collect();
    snapshot.weeks = snapshot
        .practitioners
        .iter()
        .map(|p| (p.id, snapshot.compute_working_week(p.id)))
        .collect();
    Ok(snapshot)
}
