//! /privacy: the clinic's privacy notice, which the booking form links to (admins edit it at
//! /staff/privacy).

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::error::AppError;
use crate::service::privacy as svc;
use crate::web::views::Layout;
use crate::web::{AppState, render};

#[derive(Template)]
#[template(path = "privacy.html")]
struct PrivacyPage {
    layout: Layout,
    paragraphs: Vec<String>,
    email: String,
}

pub async fn show(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let (clinic, paragraphs) = state.db(svc::notice).await?;
    render(&PrivacyPage {
        layout: Layout::new(&clinic, "Privacy notice"),
        email: clinic.row.email.clone(),
        paragraphs,
    })
}
