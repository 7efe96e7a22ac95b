//! How one audit row's before and after read to a person: the fields that changed.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub field: String,
    /// Empty when the field did not exist before (a creation).
    pub before: String,
    /// Empty when the field is gone after (a removal).
    pub after: String,
}

/// A value as a short text: strings without quotes, lists joined, null as "—".
fn show(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(show).collect::<Vec<_>>().join("; "),
        other => other.to_string(),
    }
}

/// What a stored field is called on the page: `practitioner_id` → "Practitioner",
/// `checked_in_at` → "Checked in", `cancel_reason` → "Cancellation reason".
pub fn field_label(key: &str) -> String {
    let known = match key {
        "starts_at" => Some("Start"),
        "ends_at" => Some("End"),
        "completed_at" => Some("Ended"),
        "cancel_reason" => Some("Cancellation reason"),
        "duration_minutes" => Some("Session minutes"),
        "buffer_minutes" => Some("Buffer minutes"),
        "tz" | "timezone" => Some("Time zone"),
        _ => None,
    };
    if let Some(k) = known {
        return k.to_string();
    }
    let bare = key
        .strip_suffix("_ids")
        .map(|s| format!("{s}s"))
        .or_else(|| key.strip_suffix("_id").map(str::to_string))
        .or_else(|| key.strip_suffix("_at").map(str::to_string))
        .unwrap_or_else(|| key.to_string());
    let words = bare.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The fields that differ between before and after, by field name. Objects compare field by
/// field; anything else is one change named "value".
pub fn diff(before: Option<&Value>, after: Option<&Value>) -> Vec<Change> {
    diff_with(before, after, &|_, _| None)
}

/// `diff` with each value told by `tell(field, value)` where it knows better (a name for an
/// id, a local time for an instant), and the fields named for people.
pub fn readable_diff(
    before: Option<&Value>,
    after: Option<&Value>,
    tell: &dyn Fn(&str, &Value) -> Option<String>,
) -> Vec<Change> {
    diff_with(before, after, tell)
        .into_iter()
        .map(|c| Change {
            field: field_label(&c.field),
            ..c
        })
        .collect()
}

fn diff_with(
    before: Option<&Value>,
    after: Option<&Value>,
    tell: &dyn Fn(&str, &Value) -> Option<String>,
) -> Vec<Change> {
    let show_as = |k: &str, v: &Value| match v {
        Value::Null => show(v),
        _ => tell(k, v).unwrap_or_else(|| show(v)),
    };
    let empty = serde_json::Map::new();
    match (before, after) {
        (None, None) => Vec::new(),
        (b, a) if b.is_none_or(Value::is_object) && a.is_none_or(Value::is_object) => {
            let b = b.and_then(Value::as_object).unwrap_or(&empty);
            let a = a.and_then(Value::as_object).unwrap_or(&empty);
            let mut keys: Vec<&String> = a.keys().collect();
            keys.extend(b.keys().filter(|k| !a.contains_key(*k)));
            keys.into_iter()
                .filter(|k| b.get(*k) != a.get(*k))
                .map(|k| Change {
                    field: k.clone(),
                    before: b.get(k).map(|v| show_as(k, v)).unwrap_or_default(),
                    after: a.get(k).map(|v| show_as(k, v)).unwrap_or_default(),
                })
                .collect()
        }
        (b, a) if b != a => vec![Change {
            field: "value".into(),
            before: b.map(|v| show_as("value", v)).unwrap_or_default(),
            after: a.map(|v| show_as("value", v)).unwrap_or_default(),
        }],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_and_values_read_as_words() {
        assert_eq!(field_label("practitioner_id"), "Practitioner");
        assert_eq!(field_label("checked_in_at"), "Checked in");
        assert_eq!(field_label("qualification_ids"), "Qualifications");
        assert_eq!(field_label("cancel_reason"), "Cancellation reason");
        let tell = |k: &str, v: &Value| (k == "practitioner_id").then(|| format!("P{v}"));
        let d = readable_diff(
            Some(&json!({"practitioner_id": 2, "note": null})),
            Some(&json!({"practitioner_id": 3, "note": "x"})),
            &tell,
        );
        assert_eq!(
            d,
            vec![
                Change {
                    field: "Note".into(),
                    before: "—".into(),
                    after: "x".into()
                },
                Change {
                    field: "Practitioner".into(),
                    before: "P2".into(),
                    after: "P3".into()
                },
            ]
        );
    }

    #[test]
    fn shows_only_what_changed() {
        let b = json!({"name": "Peel", "duration_minutes": 45, "active": true});
        let a = json!({"name": "Peel", "duration_minutes": 60, "active": false});
        let d = diff(Some(&b), Some(&a));
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].field, "active");
        assert_eq!(d[1].field, "duration_minutes");
        assert_eq!((d[1].before.as_str(), d[1].after.as_str()), ("45", "60"));
    }

    #[test]
    fn creations_and_removals() {
        let d = diff(
            None,
            Some(&json!({"name": "Peel", "hours": ["Mon closed"]})),
        );
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].after, "Mon closed");
        assert!(d[1].before.is_empty());
        let d = diff(Some(&json!({"feed": "active"})), Some(&json!({})));
        assert_eq!((d[0].before.as_str(), d[0].after.as_str()), ("active", ""));
        assert!(diff(None, None).is_empty());
        assert_eq!(diff(Some(&json!(1)), Some(&json!(2)))[0].field, "value");
    }
}
