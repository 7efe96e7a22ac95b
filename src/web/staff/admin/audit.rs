//! /staff/audit: the trail, newest first, filtered and paged.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::require_admin;
use crate::domain::errors::FieldErrors;
use crate::error::AppError;
use crate::service::audit_trail::{self as svc, AuditLine, AuditQuery, SUBJECT_KINDS};
use crate::web::forms::Fields;
use crate::web::staff::auth::StaffUser;
use crate::web::staff::layout::StaffLayout;
use crate::web::{AppState, render_status};

pub struct KindChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "staff/admin/audit.html")]
struct AuditPage {
    layout: StaffLayout,
    query: AuditQuery,
    kinds: Vec<KindChoice>,
    errors: FieldErrors,
    timezone: String,
    lines: Vec<AuditLine>,
    page: i64,
    prev_link: Option<String>,
    next_link: Option<String>,
}

/// The link to another page of the same filtered trail.
fn page_link(q: &AuditQuery, page: i64) -> String {
    let query = serde_urlencoded::to_string([
        ("actor", q.actor.as_str()),
        ("action", q.action.as_str()),
        ("subject_kind", q.subject_kind.as_str()),
        ("from", q.from.as_str()),
        ("to", q.to.as_str()),
        ("page", &page.to_string()),
    ])
    .unwrap_or_default();
    format!("/staff/audit?{query}")
}

pub async fn browse(
    user: StaffUser,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let f = Fields::from_query(req.query_string()).unwrap_or_default();
    let query = AuditQuery {
        actor: f.get("actor").to_string(),
        action: f.get("action").to_string(),
        subject_kind: f.get("subject_kind").to_string(),
        from: f.get("from").to_string(),
        to: f.get("to").to_string(),
        page: f.get("page").to_string(),
    };
    let q = query.clone();
    let (clinic, result) = state.db(move |c| svc::browse(c, &q)).await?;
    let (status, lines, errors, page, has_next) = match result {
        Ok(p) => (
            StatusCode::OK,
            p.lines,
            FieldErrors::new(),
            p.page,
            p.has_next,
        ),
        Err(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Vec::new(),
            errors,
            1,
            false,
        ),
    };
    render_status(
        status,
        &AuditPage {
            layout: StaffLayout::new(&user, &clinic.row.name, "Audit trail", "/staff/audit"),
            kinds: SUBJECT_KINDS
                .iter()
                .map(|(value, label)| KindChoice {
                    value,
                    label,
                    selected: query.subject_kind == *value,
                })
                .collect(),
            prev_link: (page > 1).then(|| page_link(&query, page - 1)),
            next_link: has_next.then(|| page_link(&query, page + 1)),
            query,
            errors,
            timezone: clinic.tz.name().to_string(),
            lines,
            page,
        },
    )
}
