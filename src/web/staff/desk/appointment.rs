//! The staff appointment page and its actions. Each action answers 303 back to the page when it
//! worked; a move that isn't allowed re-shows the page with the reason (409), a mistake in what
//! was typed with the message by its field (422). Either way nothing changed.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};

use super::views::{
    OptionView, TimeOption, day_param, practitioner_choices, slot_message, time_options, time_range,
};
use super::{query_date, reach};
use crate::db::DbConnection;
use crate::db::models::from_db;
use crate::domain::appointment::{Action, transition};
use crate::domain::attendance::{Offer, default_completion_minute, offered, undo_allowed};
use crate::domain::booking::PractitionerChoice;
use crate::domain::errors::FieldErrors;
use crate::domain::time::{date_label, datetime_label, local_parts, parse_instant, time_label};
use crate::domain::treatment::duration_label;
use crate::error::AppError;
use crate::service::audit::Actor;
use crate::service::desk::appointment::{self as page_data, AppointmentPage, Reschedule};
use crate::service::desk::history::Change;
use crate::service::desk::{self, Reach};
use crate::service::screening::AppointmentClinical;
use crate::web::forms::Fields;
use crate::web::outcome::answer_with;
use crate::web::staff::auth::{StaffForm, StaffUser};
use crate::web::staff::layout::StaffLayout;
use crate::web::staff::path_id;
use crate::web::{AppState, render_status};

pub struct Facts {
    pub patient_href: String,
    pub patient_name: String,
    pub patient_email: String,
    pub patient_phone: Option<String>,
    pub treatment: String,
    pub duration: String,
    pub practitioner: String,
    pub when: String,
    pub until: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub booked_by: String,
    pub booked_at: String,
    pub checked_in: Option<String>,
    pub completed: Option<String>,
    pub patient_note: Option<String>,
    pub cancel_reason: Option<String>,
}

/// A booking's typed contact when it differs from the record.
pub struct ContactView {
    pub name: String,
    pub phone: Option<String>,
    /// Whether this staff member may merge it or keep it apart.
    pub may_decide: bool,
}

pub struct HistoryView {
    pub when: String,
    pub who: String,
    pub what: String,
    pub changes: Vec<Change>,
    pub note: Option<String>,
}

pub struct NoteView {
    pub when: String,
    pub who: String,
    pub body: String,
}

#[derive(Template)]
#[template(path = "staff/desk/appointment.html")]
struct AppointmentTemplate {
    layout: StaffLayout,
    id: i32,
    flash: Option<String>,
    message: Option<String>,
    errors: FieldErrors,
    a: Facts,
    contact: Option<ContactView>,
    offer: Offer,
    /// The undo button's label, when the last status change may still be taken back.
    undo: Option<&'static str>,
    /// Why completing or marking a no-show isn't offered yet.
    hint: Option<String>,
    ended_at: String,
    ended_on: String,
    reason: String,
    note_body: String,
    history: Vec<HistoryView>,
    notes: Vec<NoteView>,
    day_link: String,
    /// The appointment's emails (the shared message table).
    lines: Vec<crate::web::staff::reminders::MessageLine>,
    is_admin: bool,
    back: String,
    /// Its treatment course, if any (issue 11).
    course: Option<crate::service::courses::Progress>,
    may_manage: bool,
    clinical: super::clinical_view::ClinicalView,
}

/// What a re-shown page keeps of the refused request.
#[derive(Default)]
pub(super) struct Redo {
    message: Option<String>,
    errors: FieldErrors,
    reason: String,
    note_body: String,
    ended_at: Option<String>,
}

fn flash(done: &str) -> Option<String> {
    Some(
        match done {
            "booked" => "Booked. The patient gets the same confirmation as an online booking.",
            "checked-in" => "Checked in.",
            "completed" => "Completed: the end time is recorded.",
            "no-show" => "Marked as a no-show.",
            "cancelled" => "Cancelled; the time is free again.",
            "rescheduled" => "Moved to the new time.",
            "note" => "Note added.",
            "course-ended" => {
                "Course ended: the next booking of this treatment starts a new course."
            }
            "course-extended" => "Course extended by one session.",
            "undone" => "Undone: the appointment is back as it was, and the emails that change planned won't be sent.",
            "merged" => "The patient record now has this booking's name and phone.",
            "kept-apart" => "Kept apart: the record stays as it was.",
            "reviewed" => "Screening answers marked reviewed.",
            "consultation" => "Recorded for this patient.",
            _ => return None,
        }
        .to_string(),
    )
}

fn template(
    user: &StaffUser,
    (data, clinical): (AppointmentPage, AppointmentClinical),
    now: DateTime<Utc>,
    flash: Option<String>,
    redo: Redo,
) -> AppointmentTemplate {
    let tz = data.clinic.tz;
    let d = &data.details;
    let a = &d.appointment;
    let (start, end) = (d.starts_at(), d.ends_at());
    let offer = offered(tz, d.status, start, now, user.role.manages_bookings());
    let undo = undo_allowed(tz, d.status, data.last_change.as_ref(), now)
        .ok()
        .map(|u| u.label);
    let waiting = transition(d.status, Action::Complete).is_ok() && !offer.complete;
    let hint = waiting.then(|| {
        let what = if transition(d.status, Action::NoShow).is_ok() {
            "Completing it or marking a no-show becomes"
        } else {
            "Completing it becomes"
        };
        format!(
            "{what} possible once it has started ({}).",
            time_label(tz, start)
        )
    });
    let local = |t| datetime_label(tz, from_db(t));
    AppointmentTemplate {
        layout: StaffLayout::new(
            user,
            &data.clinic.row.name,
            format!("{} · {}", d.patient.name, d.treatment.name),
            "/staff/day",
        ),
        id: a.id,
        flash,
        message: redo.message,
        errors: redo.errors,
        a: Facts {
            patient_href: format!("/staff/patients/{}", d.patient.id),
            patient_name: d.patient.name.clone(),
            patient_email: d.patient.email.clone(),
            patient_phone: d.patient.phone.clone(),
            treatment: d.treatment.name.clone(),
            duration: duration_label(d.treatment.duration_minutes),
            practitioner: format!("{}, {}", d.practitioner.name, d.practitioner.title),
            when: datetime_label(tz, start),
            until: time_range(tz, start, end),
            status: d.status.as_str(),
            status_label: d.status.label(),
            booked_by: data.booked_by.clone(),
            booked_at: local(a.created_at),
            checked_in: a.checked_in_at.map(local),
            completed: a.completed_at.map(local),
            patient_note: a.patient_note.clone(),
            cancel_reason: a.cancel_reason.clone(),
        },
        contact: d.contact_differs().then(|| ContactView {
            name: d.contact.name.clone(),
            phone: d.contact.phone.clone(),
            may_decide: user.role.manages_bookings(),
        }),
        offer,
        undo,
        hint,
        ended_at: redo
            .ended_at
            .unwrap_or_else(|| default_completion_minute(tz, start, end, now)),
        ended_on: date_label(local_parts(tz, start).0),
        reason: redo.reason,
        note_body: redo.note_body,
        history: data
            .history
            .into_iter()
            .map(|h| HistoryView {
                when: datetime_label(tz, h.at),
                who: h.who,
                what: h.what,
                changes: h.changes,
                note: h.note,
            })
            .collect(),
        notes: data
            .notes
            .into_iter()
            .map(|(n, who)| NoteView {
                when: datetime_label(tz, from_db(n.created_at)),
                who,
                body: n.body,
            })
            .collect(),
        day_link: format!("/staff/day?date={}", day_param(local_parts(tz, start).0)),
        lines: crate::web::staff::reminders::message_lines(tz, &data.messages),
        is_admin: user.role.manages_clinic(),
        back: format!("/staff/appointments/{}", a.id),
        course: d.course.clone(),
        may_manage: user.role.manages_bookings(),
        clinical: super::clinical_view::view(user, tz, &d.treatment.slug, clinical),
    }
}

async fn page(
    state: &AppState,
    user: &StaffUser,
    id: i32,
    status: StatusCode,
    flash: Option<String>,
    redo: Redo,
) -> Result<HttpResponse, AppError> {
    let reach = reach(user);
    let data = state
        .db(move |c| {
            let data = page_data::load(c, id, reach)?;
            let clinical = crate::service::screening::clinical_of(c, &data.details.appointment)?;
            Ok((data, clinical))
        })
        .await?;
    let t = template(user, data, state.clock.now(), flash, redo);
    render_status(status, &t)
}

pub async fn show(
    user: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let id = path_id(&path, "appointment")?;
    let q = Fields::from_query(req.query_string())?;
    page(
        &state,
        &user,
        id,
        StatusCode::OK,
        flash(q.get("done")),
        Redo::default(),
    )
    .await
}

/// The answer to an action: back to the page, or the page again saying why nothing changed.
pub(super) async fn back_to_page(
    state: &AppState,
    user: &StaffUser,
    id: i32,
    result: Result<(), AppError>,
    done: &str,
    redo: Redo,
) -> Result<HttpResponse, AppError> {
    answer_with(
        result,
        |()| format!("/staff/appointments/{id}?done={done}"),
        |r| {
            let redo = Redo {
                message: Some(format!("{} Nothing was changed.", r.message)),
                errors: r.errors,
                ..redo
            };
            page(state, user, id, r.status, None, redo)
        },
        |p| slot_message(p).to_string(),
    )
    .await
}

/// Who acts, within what reach, at what moment.
fn acting(form: &StaffForm, state: &AppState) -> (Actor, Reach, DateTime<Utc>) {
    (form.user.actor(), reach(&form.user), state.clock.now())
}

/// A one-button action on the appointment (nothing typed): runs it as the signed-in staff
/// member, then shows the page again, or the page saying why nothing changed.
async fn one_button<T, F>(
    form: &StaffForm,
    state: &AppState,
    path: &str,
    done: &str,
    action: F,
) -> Result<HttpResponse, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection, DateTime<Utc>, i32, &Actor, Reach) -> Result<T, AppError>
        + Send
        + 'static,
{
    let id = path_id(path, "appointment")?;
    let (actor, reach, now) = acting(form, state);
    let result = state
        .db(move |c| action(c, now, id, &actor, reach).map(drop))
        .await;
    back_to_page(state, &form.user, id, result, done, Redo::default()).await
}

pub async fn check_in(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    one_button(&form, &state, &path, "checked-in", desk::check_in).await
}

pub async fn complete(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = path_id(&path, "appointment")?;
    let (actor, reach, now) = acting(&form, &state);
    let typed = form.fields.get("ended_at").to_string();
    let t = typed.clone();
    let result = state
        .db(move |c| desk::complete_at(c, now, id, &actor, reach, &t).map(drop))
        .await;
    let redo = Redo {
        ended_at: Some(typed),
        ..Redo::default()
    };
    back_to_page(&state, &form.user, id, result, "completed", redo).await
}

pub async fn no_show(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    one_button(&form, &state, &path, "no-show", desk::no_show).await
}

/// Takes back the last check-in, completion or no-show (same clinic day only).
pub async fn undo(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    one_button(&form, &state, &path, "undone", desk::undo).await
}

pub async fn add_note(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = path_id(&path, "appointment")?;
    let (actor, reach, now) = acting(&form, &state);
    let body = form.fields.get("body").to_string();
    let b = body.clone();
    let result = state
        .db(move |c| desk::add_note(c, now, id, &actor, reach, &b).map(drop))
        .await;
    let redo = Redo {
        note_body: body,
        ..Redo::default()
    };
    back_to_page(&state, &form.user, id, result, "note", redo).await
}

/// Takes the booking's typed name and phone into the patient record (audited).
pub async fn merge_contact(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    form.user.require(|r| r.manages_bookings())?;
    one_button(
        &form,
        &state,
        &path,
        "merged",
        desk::contact::merge_into_record,
    )
    .await
}

/// Leaves the record alone and stops flagging this booking's different contact (audited).
pub async fn keep_contact_apart(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    form.user.require(|r| r.manages_bookings())?;
    one_button(
        &form,
        &state,
        &path,
        "kept-apart",
        desk::contact::keep_apart,
    )
    .await
}

pub async fn cancel(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    form.user.require(|r| r.manages_bookings())?;
    let id = path_id(&path, "appointment")?;
    let (actor, reach, now) = acting(&form, &state);
    let reason = form.fields.get("reason").to_string();
    let r = reason.clone();
    let result = state
        .db(move |c| desk::cancel(c, now, id, &actor, reach, &r).map(drop))
        .await;
    let redo = Redo {
        reason,
        ..Redo::default()
    };
    back_to_page(&state, &form.user, id, result, "cancelled", redo).await
}

#[derive(Template)]
#[template(path = "staff/desk/reschedule.html")]
struct ReschedulePage {
    layout: StaffLayout,
    id: i32,
    patient: String,
    treatment: String,
    current: String,
    date_value: String,
    date_label: String,
    prev_link: String,
    next_link: String,
    practitioners: Vec<OptionView>,
    practitioner_value: String,
    times: Vec<TimeOption>,
    message: Option<String>,
}

/// The free times to move to on a date (default: the appointment's own day, or today when that
/// has passed), for a practitioner (default: the current one) or anyone qualified.
async fn reschedule_page(
    state: &AppState,
    user: &StaffUser,
    id: i32,
    date: Option<NaiveDate>,
    choice: Option<PractitionerChoice>,
    status: StatusCode,
    message: Option<String>,
) -> Result<HttpResponse, AppError> {
    let reach = reach(user);
    let now = state.clock.now();
    let options = state
        .db(move |c| page_data::reschedule_options(c, now, id, reach, date, choice))
        .await?;
    let Reschedule { page, free } = options;
    let free = match free {
        Ok(free) => free,
        Err(refusal) => {
            let redo = Redo {
                message: Some(format!("{refusal} Nothing was changed.")),
                ..Redo::default()
            };
            let appt = page.details.appointment.clone();
            let clinical = state
                .db(move |c| crate::service::screening::clinical_of(c, &appt))
                .await?;
            let t = template(user, (page, clinical), now, None, redo);
            return render_status(StatusCode::CONFLICT, &t);
        }
    };
    let tz = free.clinic.tz;
    let d = &page.details;
    let pv = free.choice.as_param();
    let link = |day: Option<NaiveDate>| {
        format!(
            "/staff/appointments/{id}/reschedule?date={}&practitioner={pv}",
            day_param(day.unwrap_or(free.date))
        )
    };
    let t = ReschedulePage {
        layout: StaffLayout::new(
            user,
            &free.clinic.row.name,
            format!("Reschedule: {}", d.patient.name),
            "/staff/day",
        ),
        id,
        patient: d.patient.name.clone(),
        treatment: d.treatment.name.clone(),
        current: format!(
            "{} with {}",
            datetime_label(tz, d.starts_at()),
            d.practitioner.name
        ),
        date_value: day_param(free.date),
        date_label: date_label(free.date),
        prev_link: link(free.date.pred_opt()),
        next_link: link(free.date.succ_opt()),
        practitioners: practitioner_choices(&free.eligible, free.choice),
        practitioner_value: pv.clone(),
        times: time_options(tz, &free.slots, ""),
        message: message.or(free.problem),
    };
    render_status(status, &t)
}

pub async fn reschedule_form(
    user: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    user.require(|r| r.manages_bookings())?;
    let id = path_id(&path, "appointment")?;
    let q = Fields::from_query(req.query_string())?;
    let mut problems = Vec::new();
    // Without a usable date the page opens on the appointment's own day.
    let date = query_date(q.get("date")).unwrap_or_else(|e| {
        problems.push(e);
        None
    });
    let choice = match PractitionerChoice::parse(q.get("practitioner")) {
        Ok(c) if !q.get("practitioner").trim().is_empty() => Some(c),
        Ok(_) => None,
        Err(e) => {
            problems.push(e);
            None
        }
    };
    let (status, message) = if problems.is_empty() {
        (StatusCode::OK, None)
    } else {
        (StatusCode::BAD_REQUEST, Some(problems.join(" ")))
    };
    reschedule_page(&state, &user, id, date, choice, status, message).await
}

pub async fn reschedule(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    form.user.require(|r| r.manages_bookings())?;
    let id = path_id(&path, "appointment")?;
    let user = &form.user;
    let choice = PractitionerChoice::parse(form.fields.get("practitioner"));
    let start = parse_instant(form.fields.get("start"));
    let (start, choice) = match (start, choice) {
        (Ok(s), Ok(c)) => (s, c),
        (start, choice) => {
            let message = if start.is_err() {
                "Please choose one of the free times."
            } else {
                "Please choose a practitioner from the list."
            };
            return reschedule_page(
                &state,
                user,
                id,
                None,
                choice.ok(),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(message.into()),
            )
            .await;
        }
    };
    let (actor, reach, now) = acting(&form, &state);
    let result = state
        .db(move |c| desk::reschedule(c, now, id, &actor, reach, start, choice))
        .await;
    match result {
        // The chosen time can't be had: pick another on the same day.
        Err(AppError::SlotUnavailable(p)) => {
            let tz = state
                .db(|c| Ok(crate::service::clinic::load(c)?.tz))
                .await?;
            reschedule_page(
                &state,
                user,
                id,
                Some(local_parts(tz, start).0),
                Some(choice),
                StatusCode::CONFLICT,
                Some(format!("{} Nothing was changed.", slot_message(p))),
            )
            .await
        }
        Err(AppError::Invalid(f)) => {
            let message = f.iter().next().map(|(_, m)| m.clone());
            reschedule_page(
                &state,
                user,
                id,
                None,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
                message,
            )
            .await
        }
        // Done, or a move the status refuses: the appointment's own page answers.
        other => {
            let done = other.map(drop);
            back_to_page(&state, user, id, done, "rescheduled", Redo::default()).await
        }
    }
}
