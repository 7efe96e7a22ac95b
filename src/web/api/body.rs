//! Reading fields out of a JSON object with errors that name the field (`patient.email`).

use serde_json::Value;

use crate::domain::errors::FieldErrors;

/// A string field: absent or null → None; present but not a string → an error for that field.
pub fn opt_str<'a>(
    obj: &'a Value,
    key: &str,
    path: &str,
    errors: &mut FieldErrors,
) -> Option<&'a str> {
    match obj.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => {
            errors.add(path, "must be a string");
            None
        }
    }
}

pub fn req_str<'a>(
    obj: &'a Value,
    key: &str,
    path: &str,
    errors: &mut FieldErrors,
) -> Option<&'a str> {
    let v = opt_str(obj, key, path, errors);
    if v.is_none() && errors.get(path).is_none() {
        errors.add(path, "is required");
    }
    v
}

/// `practitioner`: absent, null or "any" → any; a number or numeric string → that id.
pub fn practitioner(obj: &Value, errors: &mut FieldErrors) -> String {
    match obj.get("practitioner") {
        None | Some(Value::Null) => "any".into(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            errors.add("practitioner", "must be a practitioner id or \"any\"");
            "any".into()
        }
    }
}
