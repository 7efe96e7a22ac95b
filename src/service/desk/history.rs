//! An appointment's history as people read it, from the audit trail's before/after snapshots
//! (pure: the rows and a way to name practitioners go in, lines of text come out).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::Value;

use crate::db::models::{AuditRow, from_db};
use crate::domain::appointment::Status;
use crate::domain::time::datetime_label;

/// One row of the trail: who did what when, and each field it changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub who: String,
    pub what: String,
    pub changes: Vec<Change>,
    /// The reason given for a cancellation, or the text of a note.
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub field: &'static str,
    pub before: String,
    pub after: String,
}

pub fn action_label(action: &str) -> String {
    match action {
        "appointment.book" => "Booked",
        "appointment.cancel" => "Cancelled",
        "appointment.reschedule" => "Rescheduled",
        "appointment.check_in" => "Checked in",
        "appointment.complete" => "Completed",
        "appointment.no_show" => "Marked as a no-show",
        "appointment.note" => "Added a note",
        "appointment.undo" => "Undid the last status change",
        other => other,
    }
    .to_string()
}

/// The fields of `service::audit::appointment_snapshot` worth showing, in reading order.
const FIELDS: &[(&str, &str)] = &[
    ("status", "Status"),
    ("starts_at", "Start"),
    ("practitioner_id", "Practitioner"),
    ("checked_in_at", "Checked in"),
    ("completed_at", "Ended"),
    ("cancel_reason", "Cancellation reason"),
];

fn parse(json: Option<&str>) -> Value {
    json.and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null)
}

fn show(tz: Tz, field: &str, v: &Value, practitioner: &dyn Fn(i64) -> String) -> String {
    match (field, v) {
        (_, Value::Null) => "—".into(),
        ("status", Value::String(s)) => Status::parse(s)
            .map(|s| s.label().to_string())
            .unwrap_or_else(|| s.clone()),
        ("practitioner_id", Value::Number(n)) => n
            .as_i64()
            .map(practitioner)
            .unwrap_or_else(|| n.to_string()),
        (_, Value::String(s)) => match DateTime::parse_from_rfc3339(s) {
            Ok(t) => datetime_label(tz, t.with_timezone(&Utc)),
            Err(_) => s.clone(),
        },
        (_, other) => other.to_string(),
    }
}

pub fn history(
    rows: &[AuditRow],
    tz: Tz,
    practitioner: &dyn Fn(i64) -> String,
) -> Vec<HistoryEntry> {
    rows.iter()
        .map(|r| {
            let before = parse(r.before_json.as_deref());
            let after = parse(r.after_json.as_deref());
            let changes = FIELDS
                .iter()
                .filter_map(|&(key, field)| {
                    let (b, a) = (&before[key], &after[key]);
                    // A first snapshot (the booking) has no `before`: only what it set differs.
                    (b != a).then(|| Change {
                        field,
                        before: show(tz, key, b, practitioner),
                        after: show(tz, key, a, practitioner),
                    })
                })
                .collect();
            HistoryEntry {
                at: from_db(r.at),
                who: r.actor_label.clone(),
                what: action_label(&r.action),
                changes,
                note: r.note.clone(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(action: &str, before: Option<&str>, after: &str, note: Option<&str>) -> AuditRow {
        AuditRow {
            id: 1,
            at: "2030-06-03T08:10:00Z"
                .parse::<DateTime<Utc>>()
                .unwrap()
                .naive_utc(),
            actor_kind: "staff".into(),
            actor_id: Some(3),
            actor_label: "desk@clinic.example".into(),
            action: action.into(),
            subject_kind: "appointment".into(),
            subject_id: Some(1),
            before_json: before.map(str::to_string),
            after_json: Some(after.to_string()),
            note: note.map(str::to_string),
        }
    }

    #[test]
    fn shows_what_changed_in_words() {
        let tz: Tz = "Europe/London".parse().unwrap();
        let name = |id: i64| format!("Practitioner {id}");
        let booked = r#"{"status":"booked","practitioner_id":2,"starts_at":"2030-06-03T08:00:00+00:00","checked_in_at":null,"completed_at":null,"cancel_reason":null}"#;
        let moved = r#"{"status":"booked","practitioner_id":1,"starts_at":"2030-06-04T08:00:00+00:00","checked_in_at":null,"completed_at":null,"cancel_reason":null}"#;
        let rows = [
            row("appointment.book", None, booked, None),
            row("appointment.reschedule", Some(booked), moved, None),
            row(
                "appointment.cancel",
                Some(moved),
                &moved.replace(r#""status":"booked""#, r#""status":"cancelled""#),
                Some("ill"),
            ),
        ];
        let h = history(&rows, tz, &name);
        assert_eq!(h[0].what, "Booked");
        assert_eq!(h[0].changes[0].after, "Booked");
        assert_eq!(h[0].changes[0].before, "—");
        assert_eq!(h[0].changes.len(), 3, "{:?}", h[0].changes);
        assert_eq!(h[1].what, "Rescheduled");
        assert_eq!(
            h[1].changes,
            vec![
                Change {
                    field: "Start",
                    before: "Monday 3 June 2030 at 09:00 (BST)".into(),
                    after: "Tuesday 4 June 2030 at 09:00 (BST)".into(),
                },
                Change {
                    field: "Practitioner",
                    before: "Practitioner 2".into(),
                    after: "Practitioner 1".into(),
                },
            ]
        );
        assert_eq!(h[2].changes.len(), 1);
        assert_eq!(h[2].changes[0].after, "Cancelled");
        assert_eq!(h[2].note.as_deref(), Some("ill"));
        assert_eq!(h[2].who, "desk@clinic.example");
    }
}
