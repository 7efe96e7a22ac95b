//! The waitlist as staff see it (issue 11): entries per treatment and day, with their offers,
//! and taking an entry off the list by hand (a confirmation page, then a POST).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::domain::time::{datetime_label, parse_date};
use crate::domain::waitlist::EntryStatus;
use crate::error::AppError;
use crate::service::waitlist as svc;
use crate::web::forms::Fields;
use crate::web::outcome::{Refusal, answer};
use crate::web::staff::auth::{StaffForm, StaffUser};
use crate::web::staff::layout::StaffLayout;
use crate::web::staff::{clinic_name, path_id};
use crate::web::{AppState, render_status};

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct Line {
    pub id: i32,
    /// Still waiting, so staff who manage bookings may remove it.
    pub removable: bool,
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
    /// Set after a removal (`?removed=1`).
    removed: bool,
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
    let removed = q.get("removed") == "1";
    let may_remove = user.role.manages_bookings();
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
            id: l.entry.id,
            removable: may_remove && l.entry.status == EntryStatus::Waiting.as_str(),
            treatment: l.treatment,
            name: l.entry.name,
            email: l.entry.email,
            dates: dates(&l.entry.from_date, &l.entry.to_date),
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
            removed,
        },
    )
}

#[derive(Template)]
#[template(path = "staff/desk/waitlist_remove.html")]
struct RemovePage {
    layout: StaffLayout,
    id: i32,
    name: String,
    email: String,
    treatment: String,
    dates: String,
    status: String,
    waiting: bool,
    open_offers: usize,
    message: String,
}

async fn remove_page(
    user: &StaffUser,
    state: &AppState,
    id: i32,
    status: StatusCode,
    message: String,
) -> Result<HttpResponse, AppError> {
    let v = state.db(move |c| svc::removal(c, id)).await?;
    render_status(
        status,
        &RemovePage {
            layout: StaffLayout::new(
                user,
                &v.clinic.row.name,
                "Remove from the waitlist",
                "/staff/waitlist",
            ),
            id: v.entry.id,
            dates: dates(&v.entry.from_date, &v.entry.to_date),
            name: v.entry.name,
            email: v.entry.email,
            treatment: v.treatment.name,
            waiting: v.entry.status == EntryStatus::Waiting.as_str(),
            status: v.entry.status,
            open_offers: v.open_offers,
            message,
        },
    )
}

/// `GET /staff/waitlist/{id}/remove`: what removing will do (changes nothing).
pub async fn remove_form(
    user: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    user.require(|r| r.manages_bookings())?;
    let id = path_id(&path, "waitlist entry")?;
    remove_page(&user, &state, id, StatusCode::OK, String::new()).await
}

/// `POST /staff/waitlist/{id}/remove`: removes when the `confirm` box is ticked; otherwise the
/// page again (422). Already left or booked → the page again saying so (409).
pub async fn remove(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    form.user.require(|r| r.manages_bookings())?;
    let id = path_id(&path, "waitlist entry")?;
    if !form.fields.checked("confirm") {
        return remove_page(
            &form.user,
            &state,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Nothing was removed: tick the box to confirm.".into(),
        )
        .await;
    }
    let (now, actor) = (state.clock.now(), form.user.actor());
    let result = state.db(move |c| svc::remove(c, now, &actor, id)).await;
    answer(
        result,
        |_| "/staff/waitlist?removed=1".to_string(),
        |r: Refusal| async move { remove_page(&form.user, &state, id, r.status, r.message).await },
    )
    .await
}

fn dates(from: &str, to: &str) -> String {
    if from == to {
        from.to_string()
    } else {
        format!("{from} to {to}")
    }
}
