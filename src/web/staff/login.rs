//! Logging in and out, and changing one's password.

use actix_session::Session;
use actix_web::cookie::{Cookie, CookieJar, Key, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::auth::{CSRF, STAFF_ID, StaffForm, StaffUser, csrf_matches, new_csrf};
use super::clinic_name;
use super::layout::StaffLayout;
use crate::domain::errors::FieldErrors;
use crate::error::AppError;
use crate::service::staff::{self as accounts, LoginError};
use crate::web::forms::Fields;
use crate::web::outcome::answer;
use crate::web::{AppState, blocking, render_status, see_other};

#[derive(Template)]
#[template(path = "staff/login.html")]
struct LoginPage {
    layout: StaffLayout,
    email: String,
    next: String,
    message: Option<String>,
}

/// Only same-site paths under /staff may be a post-login destination (no open redirect).
fn safe_next(next: &str) -> String {
    super::safe_staff_path(next).unwrap_or("/staff").to_string()
}

/// The login form's CSRF token lives in a cookie signed with the app's key, not in a session:
/// an anonymous visitor stores nothing on the server.
const LOGIN_COOKIE: &str = "carepath_login";

/// The token of a valid (correctly signed) login cookie, if the browser sent one.
fn login_token(req: &HttpRequest, key: &Key) -> Option<String> {
    let sent = req.cookie(LOGIN_COOKIE)?;
    let mut jar = CookieJar::new();
    jar.add_original(sent.into_owned());
    jar.signed(key)
        .get(LOGIN_COOKIE)
        .map(|c| c.value().to_string())
}

fn login_cookie(token: &str, key: &Key, secure: bool) -> Option<Cookie<'static>> {
    let mut jar = CookieJar::new();
    jar.signed_mut(key)
        .add(Cookie::new(LOGIN_COOKIE, token.to_string()));
    let mut c = jar.get(LOGIN_COOKIE)?.clone().into_owned();
    c.set_path("/staff");
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_secure(secure);
    Some(c)
}

/// The login page with this token; the cookie is (re)set alongside it.
async fn login_page(
    state: &AppState,
    status: StatusCode,
    token: String,
    email: String,
    next: String,
    message: Option<String>,
) -> Result<HttpResponse, AppError> {
    let cookie = login_cookie(
        &token,
        &state.cookie_key,
        state.base_url.starts_with("https://"),
    );
    let page = LoginPage {
        layout: StaffLayout::anonymous(&clinic_name(state).await?, "Staff login", token),
        email,
        next,
        message,
    };
    let mut res = render_status(status, &page)?;
    if let Some(c) = cookie {
        res.add_cookie(&c)
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(res)
}

/// The client's address, for throttling failed logins.
fn client_of(req: &HttpRequest) -> String {
    crate::web::rate_limit::client_of(req)
        .map(|ip| ip.to_string())
        .unwrap_or_default()
}

/// One answer for an unknown email, a wrong password and too many attempts.
const LOGIN_REFUSED: &str = "That email and password don't match an active account. After several failed attempts, each next try has to wait a little longer.";

pub async fn form(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let q = Fields::from_query(req.query_string()).unwrap_or_default();
    let token = login_token(&req, &state.cookie_key).unwrap_or_else(new_csrf);
    login_page(
        &state,
        StatusCode::OK,
        token,
        String::new(),
        safe_next(q.get("next")),
        None,
    )
    .await
}

pub async fn submit(
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let fields = Fields::parse(&body)?;
    let expected = login_token(&req, &state.cookie_key).unwrap_or_default();
    if !csrf_matches(&expected, fields.get(CSRF)) {
        return Err(AppError::Forbidden(
            "The login form expired. Please reload the page and try again.".into(),
        ));
    }
    let email = fields.get("email").to_string();
    let password = fields.get("password").to_string();
    let next = safe_next(fields.get("next"));
    let now = state.clock.now();
    let e = email.clone();
    let client = client_of(&req);
    let outcome = blocking(&state, move |s| {
        accounts::login(&s.pool, &s.login_throttle, now, &client, &e, &password)
    })
    .await?;
    match outcome {
        Ok(row) => {
            // A new session id at login: a session fixed before login is worth nothing after.
            session.renew();
            session
                .insert(STAFF_ID, row.id)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            session
                .insert(CSRF, new_csrf())
                .map_err(|e| AppError::Internal(e.to_string()))?;
            let to = if row.must_change_password {
                "/staff/password".to_string()
            } else {
                next
            };
            Ok(see_other(&to))
        }
        Err(err) => {
            let message = match err {
                LoginError::Invalid => LOGIN_REFUSED.to_string(),
                LoginError::Expired => format!(
                    "This one-time password has expired: it worked for {} hours after it was printed. \
                     Ask another admin to set up your account again, or on the server run \
                     `carepath create-staff --email EMAIL --role admin` to create a new admin account.",
                    accounts::ONE_TIME_PASSWORD_LIFE.num_hours()
                ),
            };
            login_page(
                &state,
                StatusCode::UNAUTHORIZED,
                expected,
                email,
                next,
                Some(message),
            )
            .await
        }
    }
}

pub async fn logout(form: StaffForm) -> Result<HttpResponse, AppError> {
    form.user.session.purge();
    Ok(see_other("/staff/login"))
}

#[derive(Template)]
#[template(path = "staff/password.html")]
struct PasswordPage {
    layout: StaffLayout,
    forced: bool,
    errors: FieldErrors,
    done: bool,
}

pub async fn password_form(
    user: StaffUser,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let forced = must_change(&state, user.id).await?;
    let done = req.query_string().contains("done=1");
    let page = PasswordPage {
        layout: StaffLayout::new(&user, &clinic_name(&state).await?, "Change password", ""),
        forced,
        errors: FieldErrors::new(),
        done,
    };
    render_status(StatusCode::OK, &page)
}

async fn must_change(state: &AppState, id: i32) -> Result<bool, AppError> {
    state
        .db(move |c| accounts::must_change_password(c, id))
        .await
}

pub async fn password_submit(
    form: StaffForm,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let user = form.user;
    let (current, new, confirm) = (
        form.fields.get("current").to_string(),
        form.fields.get("new").to_string(),
        form.fields.get("confirm").to_string(),
    );
    let now = state.clock.now();
    let id = user.id;
    // Other sessions end; this one is renewed below, so its old key is gone too.
    let client = client_of(&req);
    let result = blocking(&state, move |s| {
        accounts::change_password(
            &s.pool,
            &s.login_throttle,
            now,
            &client,
            id,
            &current,
            &new,
            &confirm,
        )
    })
    .await;
    let (user, state) = (&user, &state);
    answer(
        result,
        |()| {
            user.session.renew();
            "/staff/password?done=1".to_string()
        },
        |r| async move {
            let page = PasswordPage {
                layout: StaffLayout::new(user, &clinic_name(state).await?, "Change password", ""),
                forced: must_change(state, user.id).await?,
                errors: r.errors,
                done: false,
            };
            render_status(r.status, &page)
        },
    )
    .await
}
