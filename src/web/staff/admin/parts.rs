//! Pieces several admin pages share, each rendered by its own small template: the weekly hours
//! editor, the list of appointments a change would strand, qualification checkboxes.

use askama::Template;

use crate::domain::catalog::{QUALIFICATIONS, qualification_field};
use crate::domain::errors::FieldErrors;
use crate::domain::hours::weekday_name;
use crate::domain::working_week::{INTERVALS_PER_DAY, WEEK, WeekInput, day_key, field_name};
use crate::error::AppError;
use crate::service::schedule_conflicts::{ConflictView, Guarded};
use crate::web::forms::Fields;

pub struct IntervalCell {
    pub from_name: String,
    pub to_name: String,
    pub from: String,
    pub to: String,
}

pub struct DayRow {
    pub name: &'static str,
    pub key: String,
    pub error: Option<String>,
    pub intervals: Vec<IntervalCell>,
}

#[derive(Template)]
#[template(path = "staff/admin/week.html")]
pub struct WeekEditor {
    pub caption: String,
    pub days: Vec<DayRow>,
}

/// The editor's HTML, filled with `week` and the days' errors.
pub fn week_editor(
    caption: &str,
    week: &WeekInput,
    errors: &FieldErrors,
) -> Result<String, AppError> {
    let days = WEEK
        .iter()
        .enumerate()
        .map(|(d, day)| DayRow {
            name: weekday_name(*day),
            key: day_key(d),
            error: errors.get(&day_key(d)).map(str::to_string),
            intervals: (0..INTERVALS_PER_DAY)
                .map(|i| IntervalCell {
                    from_name: field_name(d, i, "from"),
                    to_name: field_name(d, i, "to"),
                    from: week.days[d][i].from.clone(),
                    to: week.days[d][i].to.clone(),
                })
                .collect(),
        })
        .collect();
    Ok(WeekEditor {
        caption: caption.to_string(),
        days,
    }
    .render()?)
}

pub fn read_week(fields: &Fields) -> WeekInput {
    WeekInput::read(|k| fields.get(k).to_string())
}

#[derive(Template)]
#[template(path = "staff/admin/conflicts.html")]
pub struct ConflictsBlock {
    pub items: Vec<ConflictView>,
    pub saved: bool,
    pub seen: String,
}

/// The conflict list of a guarded change ("" when there is nothing to list).
pub fn conflicts_block<T>(g: &Guarded<T>) -> Result<String, AppError> {
    if g.conflicts.is_empty() {
        return Ok(String::new());
    }
    Ok(ConflictsBlock {
        items: g.conflicts.clone(),
        saved: g.saved.is_some(),
        seen: g.seen(),
    }
    .render()?)
}

pub struct QualificationBox {
    pub field: String,
    pub label: &'static str,
    pub checked: bool,
}

/// Checkboxes for the known qualifications, ticked as in `held` (a list like "nurse,physician").
pub fn qualification_boxes(held: &[String]) -> Vec<QualificationBox> {
    QUALIFICATIONS
        .iter()
        .map(|(value, label)| QualificationBox {
            field: qualification_field(value),
            label,
            checked: held.iter().any(|h| h == value),
        })
        .collect()
}

/// The ticked qualification boxes of a submitted form.
pub fn ticked_qualifications(fields: &Fields) -> Vec<String> {
    QUALIFICATIONS
        .iter()
        .filter(|(q, _)| fields.checked(&qualification_field(q)))
        .map(|(q, _)| q.to_string())
        .collect()
}

/// A stored comma list → its entries.
pub fn held(list: &str) -> Vec<String> {
    crate::domain::treatment::parse_qualifications(list)
        .into_iter()
        .collect()
}

/// The one-line notice after a redirect (`?saved=…`).
pub fn saved_notice(query: &str) -> Option<&'static str> {
    let q = Fields::from_query(query).unwrap_or_default();
    Some(match q.get("saved") {
        "created" => "Created.",
        "profile" | "treatment" | "settings" | "account" => "Saved.",
        "hours" => "Working hours saved.",
        "time_off" => "Time off added.",
        "time_off_removed" => "Time off removed.",
        "deactivated" => "Deactivated: no longer offered for booking.",
        "reactivated" => "Reactivated: offered for booking again.",
        "feed" => "A new calendar feed address was created; any earlier address no longer works.",
        "feed_revoked" => "The calendar feed was revoked; its address no longer works.",
        _ => return None,
    })
}
