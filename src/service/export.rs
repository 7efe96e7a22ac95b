//! The appointment export: every appointment whose local start date is in the range, as CSV.

use chrono::Duration;
use chrono_tz::Tz;

use crate::db::DbConnection;
use crate::db::appointments::listing::{self, ListFilter, Listed};
use crate::db::models::{from_db, to_db};
use crate::domain::export::{DateRange, spreadsheet_safe};
use crate::domain::time::local_day_bounds;
use crate::error::AppError;
use crate::service::clinic;

pub const HEADER: [&str; 12] = [
    "id",
    "local start",
    "local end",
    "timezone",
    "status",
    "treatment",
    "practitioner",
    "patient name",
    "email",
    "phone",
    "booked_by",
    "created",
];

fn local(tz: Tz, t: chrono::NaiveDateTime) -> String {
    from_db(t)
        .with_timezone(&tz)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn record(tz: Tz, l: &Listed) -> Vec<String> {
    let a = &l.appointment;
    vec![
        a.id.to_string(),
        local(tz, a.starts_at),
        local(tz, a.ends_at),
        tz.name().to_string(),
        // In words, as the console shows it ("Checked in", "No-show"), not the stored code.
        crate::domain::appointment::Status::parse(&a.status)
            .map(|s| s.label().to_string())
            .unwrap_or_else(|| a.status.clone()),
        spreadsheet_safe(&l.treatment.name),
        spreadsheet_safe(&l.practitioner.name),
        spreadsheet_safe(&l.patient.name),
        spreadsheet_safe(&l.patient.email),
        spreadsheet_safe(l.patient.phone.as_deref().unwrap_or("")),
        spreadsheet_safe(&a.booked_by),
        local(tz, a.created_at),
    ]
}

/// The CSV text (header first, then appointments by start), starting with a UTF-8 byte order
/// mark: without it Excel reads the file as the local code page and garbles "Zoë" or "–".
pub fn csv(conn: &mut DbConnection, range: DateRange) -> Result<String, AppError> {
    let tz = clinic::load(conn)?.tz;
    let from = local_day_bounds(tz, range.from).0;
    let to = local_day_bounds(tz, range.to + Duration::days(1)).0;
    let rows = listing::list(
        conn,
        &ListFilter {
            starts_from: Some(to_db(from)),
            starts_before: Some(to_db(to)),
            ..ListFilter::default()
        },
    )?;
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let fail = |e: csv::Error| AppError::Internal(format!("writing the export failed: {e}"));
    w.write_record(HEADER).map_err(fail)?;
    for l in &rows {
        w.write_record(record(tz, l)).map_err(fail)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| AppError::Internal(format!("writing the export failed: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(format!("\u{feff}{text}"))
}
