//! GET /staff: the dashboard. Everyone sees it; a practitioner sees their own numbers only.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::db::models::from_db;
use chrono::Duration;

use crate::domain::appointment::Status;
use crate::domain::dashboard::{BarChart, DAYS_EACH_SIDE, rate_label};
use crate::domain::staff::Role;
use crate::domain::time::{date_label, datetime_label, time_label};
use crate::error::AppError;
use crate::service::dashboard;
use crate::web::staff::auth::StaffUser;
use crate::web::staff::layout::StaffLayout;
use crate::web::{AppState, render};

pub struct TodayLine {
    pub id: i32,
    pub time: String,
    pub patient: String,
    pub treatment: String,
    pub practitioner: String,
    pub status: &'static str,
    pub status_label: &'static str,
}

pub struct StatusCount {
    pub status: &'static str,
    pub label: &'static str,
    pub count: usize,
}

#[derive(Template)]
#[template(path = "staff/admin/dashboard.html")]
struct DashboardPage {
    layout: StaffLayout,
    own_only: bool,
    today: String,
    appointments: Vec<TodayLine>,
    /// Sessions not closed after their clinic day; `time` holds the date and time.
    unclosed: Vec<TodayLine>,
    counts: Vec<StatusCount>,
    chart: BarChart,
    chart_title: String,
    past_total: u32,
    next_total: u32,
    completed_30: u32,
    no_shows_30: u32,
    no_show_rate: String,
    /// Appointments whose screening answers wait for a practitioner's review.
    flagged: Vec<FlaggedView>,
}

pub struct FlaggedView {
    pub id: i32,
    pub when: String,
    pub patient: String,
    pub treatment: String,
    pub practitioner: String,
    pub flag: &'static str,
    pub call: bool,
}

pub async fn show(user: StaffUser, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    // A practitioner account's numbers are their own; one with no practitioner linked has none.
    let own = match user.role {
        Role::Practitioner => Some(user.practitioner_id.unwrap_or(0)),
        _ => None,
    };
    let now = state.clock.now();
    let (d, flagged) = state.read(move |c| dashboard::page(c, now, own)).await?;
    let tz = d.tz;
    let line = |l: &dashboard::Listed, time: String| {
        let status = Status::parse(&l.appointment.status);
        TodayLine {
            id: l.appointment.id,
            time,
            patient: l.patient.name.clone(),
            treatment: l.treatment.name.clone(),
            practitioner: l.practitioner.name.clone(),
            status: status.map_or("", Status::as_str),
            status_label: status.map_or("", Status::label),
        }
    };
    render(&DashboardPage {
        unclosed: d
            .unclosed
            .iter()
            .map(|l| line(l, datetime_label(tz, from_db(l.appointment.starts_at))))
            .collect(),
        layout: StaffLayout::new(&user, &d.clinic_name, "Dashboard", "/staff"),
        own_only: own.is_some(),
        today: date_label(d.today),
        appointments: d
            .appointments
            .iter()
            .map(|l| {
                let status = Status::parse(&l.appointment.status);
                TodayLine {
                    id: l.appointment.id,
                    time: format!(
                        "{}–{}",
                        time_label(tz, from_db(l.appointment.starts_at)),
                        time_label(tz, from_db(l.appointment.ends_at))
                    ),
                    patient: l.patient.name.clone(),
                    treatment: l.treatment.name.clone(),
                    practitioner: l.practitioner.name.clone(),
                    status: status.map_or("", Status::as_str),
                    status_label: status.map_or("", Status::label),
                }
            })
            .collect(),
        counts: d
            .counts
            .iter()
            .map(|(s, n)| StatusCount {
                status: s.as_str(),
                label: s.label(),
                count: *n,
            })
            .collect(),
        chart_title: format!(
            "Bookings per day from {} to {} ({}): {} in the last 30 days, {} in the next 30",
            (d.today - Duration::days(DAYS_EACH_SIDE)).format("%-d %b %Y"),
            (d.today + Duration::days(DAYS_EACH_SIDE)).format("%-d %b %Y"),
            tz.name(),
            d.past_total,
            d.next_total
        ),
        chart: d.chart,
        past_total: d.past_total,
        next_total: d.next_total,
        completed_30: d.completed_30,
        no_shows_30: d.no_shows_30,
        no_show_rate: rate_label(d.no_show_rate),
        flagged: flagged
            .into_iter()
            .map(|f| FlaggedView {
                id: f.appointment_id,
                when: crate::domain::time::datetime_label(tz, f.starts_at),
                patient: f.patient,
                treatment: f.treatment,
                practitioner: f.practitioner,
                flag: f.flag.label(),
                call: f.flag == crate::domain::screening::Flag::Call,
            })
            .collect(),
    })
}
