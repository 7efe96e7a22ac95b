//! The day and week views.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{Datelike, Days, NaiveDate};

use super::views::{
    CancelledView, DayListView, GridStyle, GridView, OptionView, cancelled_views, day_param,
    grid_view, week_list,
};
use super::{date_or_today, reach};
use crate::domain::hours::weekday_name;
use crate::domain::time::date_label;
use crate::error::AppError;
use crate::service::desk::Reach;
use crate::service::desk::schedule::{self, DayView, WeekView, Who};
use crate::web::forms::Fields;
use crate::web::staff::auth::StaffUser;
use crate::web::staff::layout::StaffLayout;
use crate::web::{AppState, render_status};

#[derive(Template)]
#[template(path = "staff/desk/day.html")]
struct DayPage {
    layout: StaffLayout,
    heading: String,
    date_value: String,
    prev_link: String,
    next_link: String,
    today_link: String,
    week_link: String,
    message: Option<String>,
    closed: Option<String>,
    nobody: bool,
    grid: GridView,
    cancelled: Vec<CancelledView>,
    resources: Vec<OptionView>,
}

fn query(req: &HttpRequest) -> Result<Fields, AppError> {
    Fields::from_query(req.query_string())
}

/// Whose schedule a viewer sees unless they ask: everyone's, or a practitioner's own. `None`
/// for an account linked to no practitioner, which is told so instead of shown a schedule.
fn default_who(reach: Reach) -> Option<Who> {
    match reach {
        Reach::Everyone => Some(Who::Everyone),
        Reach::Own(own) => own.map(Who::One),
    }
}

pub async fn day(
    user: StaffUser,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let q = query(&req)?;
    let now = state.clock.now();
    let reach = reach(&user);
    let (date, message) = date_or_today(q.get("date"));
    let who = default_who(reach);
    // Only the appointments holding one device or room (issue 11); an unknown id shows none.
    let resource = match Some(q.get("resource").trim()).filter(|r| !r.is_empty()) {
        None => None,
        Some(r) => Some(r.parse::<i32>().map_err(|_| {
            AppError::BadRequest("The resource to filter by should be a number.".into())
        })?),
    };
    let (
        DayView {
            clinic,
            date,
            today,
            schedule: data,
            resources,
        },
        pending,
    ) = state
        .read(move |c| schedule::day_page(c, now, date, who, resource))
        .await?;
    let resource_options: Vec<OptionView> = resources
        .iter()
        .map(|r| OptionView {
            value: r.id.to_string(),
            label: format!("{} ({})", r.name, r.kind),
            selected: Some(r.id) == resource,
        })
        .collect();
    let (grid, cancelled, closed) = match &data {
        Some(s) => (
            with_screening(
                grid_view(
                    s,
                    &GridStyle {
                        week: false,
                        lane_heads: true,
                        today,
                    },
                ),
                &pending,
            ),
            cancelled_views(s),
            s.days.first().filter(|d| d.open.is_empty()).map(|d| {
                format!(
                    "The clinic is closed on {}s.",
                    weekday_name(d.date.weekday())
                )
            }),
        ),
        None => (empty_grid(), Vec::new(), None),
    };
    let link = |d: Option<NaiveDate>| format!("/staff/day?date={}", day_param(d.unwrap_or(date)));
    let page = DayPage {
        layout: StaffLayout::new(&user, &clinic.row.name, date_label(date), "/staff/day"),
        heading: date_label(date),
        date_value: day_param(date),
        prev_link: link(date.pred_opt()),
        next_link: link(date.succ_opt()),
        today_link: link(Some(today)),
        week_link: format!("/staff/week?date={}", day_param(date)),
        message: message.clone(),
        closed,
        nobody: data.is_none(),
        grid,
        cancelled,
        resources: resource_options,
    };
    render_status(status_for(&message), &page)
}

/// Marks the appointments whose screening answers are still to come.
fn with_screening(mut grid: GridView, pending: &std::collections::HashSet<i32>) -> GridView {
    for b in grid.blocks.iter_mut().filter(|b| pending.contains(&b.id)) {
        b.screening_pending = true;
        b.title.push_str(" · screening pending");
    }
    grid
}

fn status_for(message: &Option<String>) -> StatusCode {
    if message.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    }
}

fn empty_grid() -> GridView {
    GridView {
        header_rows: 1,
        top: 2,
        minutes: 0,
        lanes: 0,
        lane_min: "10rem",
        heads: Vec::new(),
        lane_cells: Vec::new(),
        marks: Vec::new(),
        shades: Vec::new(),
        blocks: Vec::new(),
        buffers: Vec::new(),
        initials: Vec::new(),
        people: Vec::new(),
    }
}

#[derive(Template)]
#[template(path = "staff/desk/week.html")]
struct WeekPage {
    layout: StaffLayout,
    heading: String,
    date_value: String,
    practitioner_value: String,
    practitioners: Vec<OptionView>,
    prev_link: String,
    next_link: String,
    this_week_link: String,
    message: Option<String>,
    nobody: bool,
    grid: GridView,
    /// Everyone's week: a list per day instead of the grid (a lane per practitioner and day
    /// is too narrow to read).
    list: Option<Vec<DayListView>>,
    cancelled: Vec<CancelledView>,
}

/// The `practitioner` query value: "all" or an id (`None`: not given).
fn asked_for(raw: &str) -> Result<Option<Who>, String> {
    match raw.trim() {
        "" => Ok(None),
        s if s.eq_ignore_ascii_case("all") => Ok(Some(Who::Everyone)),
        s => match s.parse::<i32>() {
            Ok(id) if id > 0 => Ok(Some(Who::One(id))),
            _ => Err(format!("\"{s}\" is not a practitioner.")),
        },
    }
}

pub async fn week(
    user: StaffUser,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let q = query(&req)?;
    let now = state.clock.now();
    let reach = reach(&user);
    let (asked, mut message) = match asked_for(q.get("practitioner")) {
        Ok(w) => (w, None),
        Err(m) => (None, Some(m)),
    };
    // A practitioner asking for someone else is refused; asking for everyone shows their own.
    let who = match (default_who(reach), asked) {
        (None, _) => None,
        (Some(default), asked) => Some(Who::limited(asked.unwrap_or(default), reach)?),
    };
    let (date, date_problem) = date_or_today(q.get("date"));
    let WeekView {
        clinic,
        monday,
        today,
        schedule: data,
        practitioners,
    } = state.db(move |c| schedule::week(c, now, date, who)).await?;
    message = message.or(date_problem);
    let sunday = monday + Days::new(6);
    let everyone = who == Some(Who::Everyone);
    let (grid, list, cancelled) = match &data {
        Some(s) if everyone => (empty_grid(), Some(week_list(s, today)), cancelled_views(s)),
        Some(s) => (
            grid_view(
                s,
                &GridStyle {
                    week: true,
                    lane_heads: false,
                    today,
                },
            ),
            None,
            cancelled_views(s),
        ),
        None => (empty_grid(), None, Vec::new()),
    };
    let pv = match who {
        Some(Who::One(id)) => id.to_string(),
        _ => "all".to_string(),
    };
    let mut options = Vec::new();
    if reach == Reach::Everyone {
        options.push(OptionView {
            value: "all".into(),
            label: "All practitioners".into(),
            selected: everyone,
        });
    }
    options.extend(
        practitioners
            .iter()
            .filter(|p| reach.covers(p.id))
            .map(|p| OptionView {
                value: p.id.to_string(),
                label: p.name.clone(),
                selected: who == Some(Who::One(p.id)),
            }),
    );
    let whose = match who {
        Some(Who::One(id)) => practitioners
            .iter()
            .find(|p| p.id == id)
            .map(|p| format!("{}: ", p.name))
            .unwrap_or_default(),
        _ => String::new(),
    };
    let link = |d: NaiveDate| format!("/staff/week?date={}&practitioner={pv}", day_param(d));
    let range = format!(
        "{} to {}",
        monday.format("%-d %B"),
        sunday.format("%-d %B %Y")
    );
    let heading = if whose.is_empty() {
        format!("Week of {range}")
    } else {
        format!("{whose}week of {range}")
    };
    let page = WeekPage {
        layout: StaffLayout::new(&user, &clinic.row.name, heading.clone(), "/staff/week"),
        heading,
        date_value: day_param(monday),
        practitioner_value: pv.clone(),
        practitioners: options,
        prev_link: link(monday - Days::new(7)),
        next_link: link(monday + Days::new(7)),
        this_week_link: link(today),
        message: message.clone(),
        nobody: data.is_none(),
        grid,
        list,
        cancelled,
    };
    render_status(status_for(&message), &page)
}
