//! The weekly hours editor, shared by the clinic's opening hours and each practitioner's working
//! hours: seven days of from–to intervals, rendered by its own small template.

use askama::Template;

use crate::domain::errors::FieldErrors;
use crate::domain::hours::weekday_name;
use crate::domain::working_week::{INTERVALS_PER_DAY, WEEK, WeekInput, day_key, field_name};
use crate::error::AppError;
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

/// The week as the editor posted it.
pub fn read_week(fields: &Fields) -> WeekInput {
    WeekInput::read(|k| fields.get(k).to_string())
}
