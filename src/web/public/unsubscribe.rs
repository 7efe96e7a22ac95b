//! Opting out of check-ins and follow-ups. The link in those emails opens a page (GET changes
//! nothing: mail scanners open links); the page's button, or a mail client's RFC 8058 one-click
//! POST, opts out.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::error::AppError;
use crate::service::clinic;
use crate::service::messages as svc;
use crate::web::views::Layout;
use crate::web::{AppState, render};

#[derive(Template)]
#[template(path = "unsubscribe.html")]
struct UnsubscribePage {
    layout: Layout,
    token: String,
    opted_out: bool,
    just_now: bool,
}

pub async fn show(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let t = token.clone();
    let (clinic, opted_out) = state
        .db(move |c| Ok((clinic::load(c)?, svc::opted_out(c, &t)?)))
        .await?;
    render(&UnsubscribePage {
        layout: Layout::new(&clinic, "Email preferences"),
        token,
        opted_out,
        just_now: false,
    })
}

pub async fn opt_out(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let t = token.clone();
    let now = state.clock.now();
    let clinic = state
        .db(move |c| {
            svc::opt_out(c, now, &t)?;
            clinic::load(c)
        })
        .await?;
    render(&UnsubscribePage {
        layout: Layout::new(&clinic, "Email preferences"),
        token,
        opted_out: true,
        just_now: true,
    })
}
