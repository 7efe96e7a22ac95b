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

/// The fields that differ between before and after, by field name. Objects compare field by
/// field; anything else is one change named "value".
pub fn diff(before: Option<&Value>, after: Option<&Value>) -> Vec<Change> {
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
                    before: b.get(k).map(show).unwrap_or_default(),
                    after: a.get(k).map(show).unwrap_or_default(),
                })
                .collect()
        }
        (b, a) if b != a => vec![Change {
            field: "value".into(),
            before: b.map(show).unwrap_or_default(),
            after: a.map(show).unwrap_or_default(),
        }],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
