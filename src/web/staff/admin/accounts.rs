//! /staff/accounts: staff accounts, their roles and access.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{require_admin, saved_notice};
use crate::db::models::PractitionerRow;
use crate::domain::errors::FieldErrors;
use crate::domain::staff::Role;
use crate::error::AppError;
use crate::service::practitioners;
use crate::service::staff_accounts::{self as svc, AccountEdit, AccountInput};
use crate::web::outcome::answer;
use crate::web::staff::auth::{StaffForm, StaffUser};
use crate::web::staff::layout::StaffLayout;
use crate::web::staff::{clinic_name, path_id};
use crate::web::{AppState, render, render_status};

const SECTION: &str = "/staff/accounts";

pub struct AccountLine {
    pub id: i32,
    pub email: String,
    pub name: String,
    pub role: &'static str,
    pub practitioner: String,
    pub active: bool,
    pub must_change_password: bool,
}

#[derive(Template)]
#[template(path = "staff/admin/accounts.html")]
struct ListPage {
    layout: StaffLayout,
    notice: Option<&'static str>,
    accounts: Vec<AccountLine>,
}

pub async fn list(
    user: StaffUser,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let rows = state.db(svc::list).await?;
    render(&ListPage {
        layout: StaffLayout::new(
            &user,
            &clinic_name(&state).await?,
            "Staff accounts",
            SECTION,
        ),
        notice: saved_notice(req.query_string()),
        accounts: rows
            .into_iter()
            .map(|(r, practitioner)| AccountLine {
                id: r.id,
                role: Role::parse(&r.role).map_or("?", Role::label),
                email: r.email,
                name: r.name,
                practitioner: practitioner.unwrap_or_default(),
                active: r.active,
                must_change_password: r.must_change_password,
            })
            .collect(),
    })
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn role_choices(selected: &str) -> Vec<Choice> {
    Role::ALL
        .iter()
        .map(|r| Choice {
            value: r.as_str().to_string(),
            label: r.label().to_string(),
            selected: Role::parse(selected) == Some(*r),
        })
        .collect()
}

fn practitioner_choices(all: &[PractitionerRow], selected: &str) -> Vec<Choice> {
    let mut out = vec![Choice {
        value: String::new(),
        label: "— none —".into(),
        selected: selected.is_empty(),
    }];
    out.extend(all.iter().map(|p| Choice {
        value: p.id.to_string(),
        label: if p.active {
            p.name.clone()
        } else {
            format!("{} (inactive)", p.name)
        },
        selected: selected == p.id.to_string(),
    }));
    out
}

/// The account form as typed (new and edit share it; email and password only when creating).
#[derive(Default, Clone)]
pub struct AccountForm {
    pub email: String,
    pub name: String,
    pub role: String,
    pub practitioner: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "staff/admin/account_form.html")]
struct FormPage {
    layout: StaffLayout,
    notice: Option<&'static str>,
    id: Option<i32>,
    action: String,
    input: AccountForm,
    roles: Vec<Choice>,
    practitioners: Vec<Choice>,
    errors: FieldErrors,
}

async fn form_page(
    user: &StaffUser,
    state: &AppState,
    id: Option<i32>,
    input: AccountForm,
    errors: FieldErrors,
    notice: Option<&'static str>,
) -> Result<FormPage, AppError> {
    let all = state.db(practitioners::all).await?;
    let title = match id {
        Some(_) => format!("Account: {}", input.email),
        None => "Add a staff account".to_string(),
    };
    Ok(FormPage {
        layout: StaffLayout::new(user, &clinic_name(state).await?, title, SECTION),
        notice,
        id,
        action: match id {
            Some(id) => format!("/staff/accounts/{id}"),
            None => "/staff/accounts".into(),
        },
        roles: role_choices(&input.role),
        practitioners: practitioner_choices(&all, &input.practitioner),
        input,
        errors,
    })
}

pub async fn new_form(
    user: StaffUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let input = AccountForm {
        role: Role::FrontDesk.as_str().into(),
        active: true,
        ..AccountForm::default()
    };
    render(&form_page(&user, &state, None, input, FieldErrors::new(), None).await?)
}

pub async fn create(form: StaffForm, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    require_admin(&form.user)?;
    let f = &form.fields;
    let input = AccountForm {
        email: f.get("email").to_string(),
        name: f.get("name").to_string(),
        role: f.get("role").to_string(),
        practitioner: f.get("practitioner").to_string(),
        active: true,
    };
    let password = f.get("password").to_string();
    let (now, actor, i) = (state.clock.now(), form.user.actor(), input.clone());
    let result = state
        .db(move |c| {
            svc::create(
                c,
                now,
                &actor,
                &AccountInput {
                    email: &i.email,
                    name: &i.name,
                    role: &i.role,
                    practitioner: &i.practitioner,
                    password: &password,
                },
            )
        })
        .await;
    answer(
        result,
        |row| format!("/staff/accounts/{}?saved=created", row.id),
        |r| async move {
            let page = form_page(&form.user, &state, None, input, r.errors, None).await?;
            render_status(r.status, &page)
        },
    )
    .await
}

pub async fn edit_form(
    user: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let id = path_id(&path, "staff account")?;
    let row = state.db(move |c| svc::find(c, id)).await?;
    let input = AccountForm {
        email: row.email,
        name: row.name,
        role: row.role,
        practitioner: row
            .practitioner_id
            .map(|p| p.to_string())
            .unwrap_or_default(),
        active: row.active,
    };
    let notice = saved_notice(req.query_string());
    render(&form_page(&user, &state, Some(id), input, FieldErrors::new(), notice).await?)
}

pub async fn update(
    form: StaffForm,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require_admin(&form.user)?;
    let id = path_id(&path, "staff account")?;
    let f = &form.fields;
    let mut input = AccountForm {
        email: String::new(),
        name: f.get("name").to_string(),
        role: f.get("role").to_string(),
        practitioner: f.get("practitioner").to_string(),
        active: f.checked("active"),
    };
    let (now, actor, me, i) = (
        state.clock.now(),
        form.user.actor(),
        form.user.id,
        input.clone(),
    );
    let result = state
        .db(move |c| {
            let edit = AccountEdit {
                name: &i.name,
                role: &i.role,
                practitioner: &i.practitioner,
                active: i.active,
            };
            svc::update(c, now, &actor, me, id, &edit)
        })
        .await;
    answer(
        result,
        |_| format!("/staff/accounts/{id}?saved=account"),
        |r| async move {
            input.email = state.db(move |c| svc::find(c, id)).await?.email;
            let page = form_page(&form.user, &state, Some(id), input, r.errors, None).await?;
            render_status(r.status, &page)
        },
    )
    .await
}
