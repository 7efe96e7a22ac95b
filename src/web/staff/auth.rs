//! Who is asking: the logged-in staff member (or a redirect to the login page), and forms that
//! carry a valid CSRF token. Every staff handler takes one of these extractors, so no staff page
//! can forget to check.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};

use crate::domain::staff::Role;
use crate::error::AppError;
use crate::service::audit::Actor;
use crate::service::staff;
use crate::web::AppState;
use crate::web::forms::Fields;

pub const STAFF_ID: &str = "staff_id";
pub const CSRF: &str = "csrf";

/// A logged-in, active staff member.
#[derive(Clone)]
pub struct StaffUser {
    pub id: i32,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub practitioner_id: Option<i32>,
    /// The session's CSRF token, to put in every form.
    pub csrf: String,
    pub session: Session,
}

impl StaffUser {
    pub fn actor(&self) -> Actor {
        Actor::Staff {
            id: self.id,
            label: self.email.clone(),
        }
    }

    /// Refuses with 403 unless `allowed(role)`.
    pub fn require(&self, allowed: impl Fn(Role) -> bool) -> Result<(), AppError> {
        if allowed(self.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "Your role ({}) can't open this page or do this.",
                self.role.label()
            )))
        }
    }

    /// Admin and front desk see everyone's appointments; a practitioner only their own.
    pub fn may_see_practitioner(&self, practitioner_id: i32) -> bool {
        self.role.manages_bookings() || self.practitioner_id == Some(practitioner_id)
    }
}

pub fn new_csrf() -> String {
    crate::domain::token::random_url_safe(24)
}

/// The session's CSRF token, created on first use (the login form needs one before anyone logs in).
pub fn session_csrf(session: &Session) -> Result<String, AppError> {
    match session.get::<String>(CSRF) {
        Ok(Some(t)) => Ok(t),
        _ => {
            let t = new_csrf();
            session
                .insert(CSRF, &t)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            Ok(t)
        }
    }
}

/// Constant-time comparison, so the token can't be guessed a byte at a time.
pub fn csrf_matches(expected: &str, given: &str) -> bool {
    expected.len() == given.len()
        && !expected.is_empty()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// Not logged in: off to the login page, coming back here afterwards.
#[derive(Debug)]
pub struct LoginRequired {
    next: String,
}

impl std::fmt::Display for LoginRequired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "login required")
    }
}

impl ResponseError for LoginRequired {
    fn status_code(&self) -> StatusCode {
        StatusCode::SEE_OTHER
    }

    fn error_response(&self) -> HttpResponse {
        let next = serde_urlencoded::to_string([("next", &self.next)]).unwrap_or_default();
        HttpResponse::SeeOther()
            .insert_header(("Location", format!("/staff/login?{next}")))
            .finish()
    }
}

/// A logged-in person who must first replace a one-time password.
#[derive(Debug)]
struct PasswordChangeRequired;

impl std::fmt::Display for PasswordChangeRequired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "password change required")
    }
}

impl ResponseError for PasswordChangeRequired {
    fn status_code(&self) -> StatusCode {
        StatusCode::SEE_OTHER
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::SeeOther()
            .insert_header(("Location", "/staff/password"))
            .finish()
    }
}

async fn load_user(req: HttpRequest) -> Result<StaffUser, actix_web::Error> {
    let session = req.get_session();
    let next = match (
        req.method() == actix_web::http::Method::GET,
        req.uri().path_and_query(),
    ) {
        (true, Some(pq)) => pq.to_string(),
        _ => "/staff".to_string(),
    };
    let id = session
        .get::<i32>(STAFF_ID)
        .ok()
        .flatten()
        .ok_or(LoginRequired { next: next.clone() })?;
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal("no app state".into()))?;
    let row = state.read(move |c| staff::account(c, id)).await?;
    let Some(row) = row.filter(|r| r.active) else {
        session.purge();
        return Err(LoginRequired { next }.into());
    };
    let role = Role::parse(&row.role)
        .ok_or_else(|| AppError::Internal(format!("unknown role {}", row.role)))?;
    if row.must_change_password && req.path() != "/staff/password" && req.path() != "/staff/logout"
    {
        return Err(PasswordChangeRequired.into());
    }
    let csrf = session_csrf(&session)?;
    Ok(StaffUser {
        id: row.id,
        email: row.email,
        name: row.name,
        role,
        practitioner_id: row.practitioner_id,
        csrf,
        session,
    })
}

impl FromRequest for StaffUser {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(load_user(req.clone()))
    }
}

/// A state-changing staff request: the logged-in user and the form fields, after the form's
/// `csrf` field was checked against the session (403 otherwise, before any handler runs).
pub struct StaffForm {
    pub user: StaffUser,
    pub fields: Fields,
}

impl FromRequest for StaffForm {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let body = body.await?;
            let user = load_user(req).await?;
            let fields = Fields::parse(&body)?;
            if !csrf_matches(&user.csrf, fields.get(CSRF)) {
                return Err(AppError::Forbidden(
                    "This form has expired or did not come from this site. Please go back, reload the page and try again."
                        .into(),
                )
                .into());
            }
            Ok(StaffForm { user, fields })
        })
    }
}
