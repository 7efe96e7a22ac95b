//! /staff/settings: the clinic's details, time zone, opening hours and booking rules.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::conflicts_list::answer_guarded;
use super::week_editor::{read_week, week_editor};
use super::{require_admin, saved_notice};
use crate::domain::clinic_settings::SettingsInput;
use crate::domain::errors::FieldErrors;
use crate::domain::working_week::WeekInput;
use crate::error::AppError;
use crate::service::clinic::{self, Clinic};
use crate::service::clinic_settings as svc;
use crate::service::schedule_conflicts::Confirmation;
use crate::web::forms::Fields;
use crate::web::staff::auth::{StaffForm, StaffUser};
use crate::web::staff::clinic_name;
use crate::web::staff::layout::StaffLayout;
use crate::web::{AppState, render_status};

const SECTION: &str = "/staff/settings";

#[derive(Template)]
#[template(path = "staff/admin/settings.html")]
struct SettingsPage {
    layout: StaffLayout,
    notice: Option<&'static str>,
    /// A change waits for a confirmation (the page answers 409).
    pending: bool,
    input: SettingsInput,
    errors: FieldErrors,
    week_html: String,
    conflicts: String,
    /// Every IANA zone name chrono-tz knows, for the time zone list.
    timezones: Vec<&'static str>,
    /// Whether the zone typed is one of them (else it is offered first, as typed).
    timezone_listed: bool,
}

/// The IANA zones offered in the list, sorted (a typo can't be chosen).
fn timezone_names() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = chrono_tz::TZ_VARIANTS.iter().map(|t| t.name()).collect();
    v.sort_unstable();
    v
}

fn input_of(c: &Clinic) -> SettingsInput {
    SettingsInput {
        name: c.row.name.clone(),
        address: c.row.address.clone(),
        phone: c.row.phone.clone(),
        email: c.row.email.clone(),
        timezone: c.row.timezone.clone(),
        slot_minutes: c.row.slot_minutes.to_string(),
        lead_time_minutes: c.row.lead_time_minutes.to_string(),
        horizon_days: c.row.horizon_days.to_string(),
        cancel_cutoff_hours: c.row.cancel_cutoff_hours.to_string(),
        max_active_bookings: c.row.max_active_bookings.to_string(),
        reply_to: c.row.reply_to.clone(),
        out_of_hours: c.row.out_of_hours.clone(),
        currency: c.row.currency.clone(),
        waitlist_offers: c.row.waitlist_offers.to_string(),
        waitlist_claim_hours: c.row.waitlist_claim_hours.to_string(),
        week: WeekInput::from_hours(&c.hours),
    }
}

fn input_from(f: &Fields) -> SettingsInput {
    SettingsInput {
        name: f.get("name").to_string(),
        address: f.get("address").to_string(),
        phone: f.get("phone").to_string(),
        email: f.get("email").to_string(),
        timezone: f.get("timezone").to_string(),
        slot_minutes: f.get("slot_minutes").to_string(),
        lead_time_minutes: f.get("lead_time_minutes").to_string(),
        horizon_days: f.get("horizon_days").to_string(),
        cancel_cutoff_hours: f.get("cancel_cutoff_hours").to_string(),
        max_active_bookings: f.get("max_active_bookings").to_string(),
        reply_to: f.get("reply_to").to_string(),
        out_of_hours: f.get("out_of_hours").to_string(),
        currency: f.get("currency").to_string(),
        waitlist_offers: f.get("waitlist_offers").to_string(),
        waitlist_claim_hours: f.get("waitlist_claim_hours").to_string(),
        week: read_week(f),
    }
}

fn page(
    user: &StaffUser,
    clinic_name: &str,
    notice: Option<&'static str>,
    input: SettingsInput,
    errors: FieldErrors,
    conflicts: String,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let week_html = week_editor("Opening hours", &input.week, &errors)?;
    render_status(
        status,
        &SettingsPage {
            layout: StaffLayout::new(user, clinic_name, "Clinic settings", SECTION),
            notice,
            pending: status == StatusCode::CONFLICT,
            errors,
            week_html,
            conflicts,
            timezone_listed: chrono_tz::TZ_VARIANTS
                .iter()
                .any(|t| t.name() == input.timezone),
            timezones: timezone_names(),
            input,
        },
    )
}

pub async fn show(
    user: StaffUser,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let c = state.db(clinic::load).await?;
    page(
        &user,
        &c.row.name,
        saved_notice(req.query_string()),
        input_of(&c),
        FieldErrors::new(),
        String::new(),
        StatusCode::OK,
    )
}

pub async fn save(form: StaffForm, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    require_admin(&form.user)?;
    let input = input_from(&form.fields);
    let confirm = Confirmation::from_form(form.fields.checked("confirm"), form.fields.get("seen"));
    let (now, actor, i) = (state.clock.now(), form.user.actor(), input.clone());
    let result = state
        .db(move |c| svc::save(c, now, &actor, &i, &confirm))
        .await;
    answer_guarded(
        result,
        "/staff/settings?saved=settings".into(),
        |r| async move {
            // Read after the save: a new name shows at once.
            let name = clinic_name(&state).await?;
            let notice = if r.saved { Some("Saved.") } else { None };
            page(
                &form.user,
                &name,
                notice,
                input,
                r.errors,
                r.conflicts,
                r.status,
            )
        },
    )
    .await
}
