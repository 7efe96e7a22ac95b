//! The waitlist as staff see it (issue 11): entries per treatment and day, with their offers.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::domain::time::{datetime_label, parse_date};
use crate::error::AppError;
use crate::service::waitlist as svc;
use crate::web::forms::Fields;
use crate::web::staff::auth::StaffUser;
use crate::web::staff::clinic_name;
use crate::web::staff::layout::StaffLayout;
use crate::web::{AppState, render_status};

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct Line {
    pub treatment: String,
    pub name: String,
    pub email: String,
    pub dates: String,
    pub practitioner: String,
    pub status: String,
    pub joined: String,
    pub offers: Vec<String>,
}

#[derive(Template)]
#[template(path = "staff/desk/waitlist.html")]
struct ListPage {
    layout: StaffLayout,
    treatments: Vec<Choice>,
    date: String,
    lines: Vec<Line>,
    message: Option<String>,
}

/// `GET /staff/waitlist?treatment=<id>&date=<YYYY-MM-DD>`
pub async fn list(
    user: StaffUser,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let q = Fields::from_query(req.query_string())?;
    let mut message = None;
    let treatment = match q.get("treatment").trim() {
        "" | "all" => None,
        s => match s.parse::<i32>() {
            Ok(id) => Some(id),
            Err(_) => {
                message = Some("Unknown treatment: showing every treatment.".to_string());
                None
            }
        },
    };
    let date = match q.get("date").trim() {
        "" => None,
        s => match parse_date(s) {
            Ok(d) => Some(d),
            Err(e) => {
                message = Some(format!("The date entered is {e}: showing every day."));
                None
            }
        },
    };
    let name = clinic_name(&state).await?;
    let now = state.clock.now();
    let (clinic, all, listed) = state
        .db(move |c| svc::listing(c, now, treatment, date))
        .await?;
    let tz = clinic.tz;
    let mut treatments = vec![Choice {
        value: "all".into(),
        label: "Every treatment".into(),
        selected: treatment.is_none(),
    }];
    treatments.extend(all.iter().map(|t| Choice {
        value: t.id.to_string(),
        label: t.name.clone(),
        selected: treatment == Some(t.id),
    }));
    let lines = listed
        .into_iter()
        .map(|l| Line {
            treatment: l.treatment,
            name: l.entry.name,
            email: l.entry.email,
            dates: if l.entry.from_date == l.entry.to_date {
                l.entry.from_date
            } else {
                format!("{} to {}", l.entry.from_date, l.entry.to_date)
            },
            practitioner: l.practitioner.unwrap_or_else(|| "Any".into()),
            status: l.entry.status,
            joined: datetime_label(tz, crate::db::models::from_db(l.entry.created_at)),
            offers: l
                .offers
                .iter()
                .map(|(at, s)| format!("{}: {s}", datetime_label(tz, *at)))
                .collect(),
        })
        .collect();
    render_status(
        if message.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &ListPage {
            layout: StaffLayout::new(&user, &name, "Waitlist", "/staff/waitlist"),
            treatments,
            date: date
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            lines,
            message,
        },
    )
}
