//! Finding a patient, and a patient's appointments.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::reach;
use super::views::{ListedView, listed_view};
use crate::db::models::PatientRow;
use crate::domain::time::date_label;
use crate::error::AppError;
use crate::service::desk::patients::{self as svc, MAX_RESULTS};
use crate::web::forms::Fields;
use crate::web::staff::auth::StaffUser;
use crate::web::staff::layout::StaffLayout;
use crate::web::staff::{clinic_name, path_id};
use crate::web::{AppState, render_status};

pub struct PatientLine {
    pub href: String,
    pub name: String,
    pub email: String,
    pub phone: String,
}

impl From<&PatientRow> for PatientLine {
    fn from(p: &PatientRow) -> Self {
        Self {
            href: format!("/staff/patients/{}", p.id),
            name: p.name.clone(),
            email: p.email.clone(),
            phone: p.phone.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "staff/desk/patients.html")]
struct SearchPage {
    layout: StaffLayout,
    q: String,
    patients: Vec<PatientLine>,
    more: bool,
    message: Option<String>,
    own_only: bool,
}

pub async fn search(
    user: StaffUser,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let q = Fields::from_query(req.query_string())?.get("q").to_string();
    let reach = reach(&user);
    let query = q.clone();
    let name = clinic_name(&state).await?;
    let found = state.db(move |c| svc::search(c, &query, reach)).await;
    let (status, patients, message) = match found {
        Ok(rows) => (StatusCode::OK, rows, None),
        Err(AppError::Invalid(f)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Vec::new(),
            f.iter().next().map(|(_, m)| m.clone()),
        ),
        Err(e) => return Err(e),
    };
    let page = SearchPage {
        layout: StaffLayout::new(&user, &name, "Patients", "/staff/patients"),
        more: patients.len() as i64 >= MAX_RESULTS,
        patients: patients.iter().map(PatientLine::from).collect(),
        q,
        message,
        own_only: !user.role.manages_bookings(),
    };
    render_status(status, &page)
}

#[derive(Template)]
#[template(path = "staff/desk/patient.html")]
struct PatientPage {
    layout: StaffLayout,
    p: PatientLine,
    since: String,
    appointments: Vec<ListedView>,
    book_link: Option<String>,
    own_only: bool,
    /// Admins see the export and erase links.
    data_rights: bool,
    erased_now: bool,
}

pub async fn show(
    user: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let id = path_id(&path, "patient")?;
    let erased_now = Fields::from_query(req.query_string())?.get("erased") == "1";
    let reach = reach(&user);
    let svc::PatientRecord {
        clinic,
        patient,
        appointments,
    } = state.db(move |c| svc::patient(c, id, reach)).await?;
    let tz = clinic.tz;
    let book_link = user.role.manages_bookings().then(|| {
        let q = serde_urlencoded::to_string([
            ("name", patient.name.as_str()),
            ("email", &patient.email),
            ("phone", patient.phone.as_deref().unwrap_or("")),
        ])
        .unwrap_or_default();
        format!("/staff/book?{q}")
    });
    let page = PatientPage {
        layout: StaffLayout::new(
            &user,
            &clinic.row.name,
            patient.name.clone(),
            "/staff/patients",
        ),
        p: PatientLine::from(&patient),
        since: date_label(
            crate::db::models::from_db(patient.created_at)
                .with_timezone(&tz)
                .date_naive(),
        ),
        appointments: appointments.iter().map(|l| listed_view(tz, l)).collect(),
        book_link,
        own_only: !user.role.manages_bookings(),
        data_rights: user.role.manages_clinic(),
        erased_now,
    };
    render_status(StatusCode::OK, &page)
}
