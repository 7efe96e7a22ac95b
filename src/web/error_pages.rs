//! 404 and 403 pages that keep the site: the error page `AppError` renders knows nothing of the
//! clinic, so this middleware re-renders those answers inside the public frame (header with the
//! clinic's phone, footer) or, under /staff, the console's frame with a way back into it. A manage
//! or unsubscribe link that opens nothing says how to reach the clinic instead.
//! JSON answers (the API) and every other status pass through untouched.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::middleware::Next;
use actix_web::web;
use askama::Template;

use crate::error::AppError;
use crate::service::clinic::{self, Clinic};
use crate::web::AppState;
use crate::web::views::Layout;

#[derive(Template)]
#[template(path = "error_page.html")]
struct PublicErrorPage {
    layout: Layout,
    message: String,
    /// For a link from an email that opens nothing: how to reach the clinic instead.
    broken_link: bool,
    clinic_email: String,
}

#[derive(Template)]
#[template(path = "staff/error.html")]
struct StaffErrorPage {
    title: String,
    clinic_name: String,
    message: String,
    forbidden: bool,
}

/// Which frame an error page at `path` gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    Staff,
    /// A manage or unsubscribe link (they come from emails).
    EmailLink,
    Public,
}

fn frame(path: &str) -> Frame {
    if path == "/staff" || path.starts_with("/staff/") {
        Frame::Staff
    } else if path.starts_with("/appointments/") || path.starts_with("/unsubscribe/") {
        Frame::EmailLink
    } else {
        Frame::Public
    }
}

fn title(status: StatusCode) -> String {
    match status {
        StatusCode::NOT_FOUND => "Not found".into(),
        StatusCode::FORBIDDEN => "Not allowed".into(),
        s => s.canonical_reason().unwrap_or("Error").into(),
    }
}

fn render(
    status: StatusCode,
    frame: Frame,
    clinic: &Clinic,
    message: String,
) -> Result<String, askama::Error> {
    match frame {
        Frame::Staff => StaffErrorPage {
            title: title(status),
            clinic_name: clinic.row.name.clone(),
            message,
            forbidden: status == StatusCode::FORBIDDEN,
        }
        .render(),
        _ => PublicErrorPage {
            layout: Layout::new(clinic, title(status)),
            message,
            broken_link: frame == Frame::EmailLink && status == StatusCode::NOT_FOUND,
            clinic_email: clinic.row.email.clone(),
        }
        .render(),
    }
}

pub async fn dress(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let frame = frame(req.path());
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let res = next.call(req).await?.map_into_boxed_body();
    let status = res.status();
    let html = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !(status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN) || !html {
        return Ok(res);
    }
    let message = res
        .response()
        .error()
        .and_then(|e| e.as_error::<AppError>())
        .map(AppError::public_message);
    let (Some(message), Some(state)) = (message, state) else {
        return Ok(res);
    };
    // The clinic's name and phone; if even that can't be read, the plain page stands.
    let Ok(clinic) = state.db(clinic::load).await else {
        return Ok(res);
    };
    let Ok(body) = render(status, frame, &clinic, message) else {
        return Ok(res);
    };
    let (req, res) = res.into_parts();
    Ok(ServiceResponse::new(req, res.set_body(BoxBody::new(body))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_by_path() {
        assert_eq!(frame("/staff"), Frame::Staff);
        assert_eq!(frame("/staff/treatments/9"), Frame::Staff);
        assert_eq!(frame("/staffroom"), Frame::Public);
        assert_eq!(frame("/appointments/abc"), Frame::EmailLink);
        assert_eq!(frame("/unsubscribe/abc"), Frame::EmailLink);
        assert_eq!(frame("/no-such-page"), Frame::Public);
    }
}
