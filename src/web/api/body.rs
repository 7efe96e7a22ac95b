//! Request bodies as `#[derive(Deserialize)]` structs whose fields are read leniently: a field of
//! the wrong JSON type is kept as a mistake to name (`patient.email: must be a string`), so one
//! bad field gives a 422 naming it, never a 400 for the whole body.

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::domain::booking::PractitionerChoice;
use crate::domain::errors::FieldErrors;
use crate::error::{ApiError, AppError};

/// One field of a body: absent (or null), given, or given with the wrong type.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Field<T> {
    #[default]
    Missing,
    Given(T),
    WrongType,
}

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Null => Field::Missing,
            v => T::deserialize(v).map_or(Field::WrongType, Field::Given),
        })
    }
}

impl Field<String> {
    /// A string the body may leave out ("" then).
    pub fn optional(self, path: &str, errors: &mut FieldErrors) -> String {
        match self {
            Field::Given(s) => s,
            Field::Missing => String::new(),
            Field::WrongType => {
                errors.add(path, "must be a string");
                String::new()
            }
        }
    }

    /// A string the body must give; None when it doesn't (and the error is recorded).
    pub fn required(self, path: &str, errors: &mut FieldErrors) -> Option<String> {
        match self {
            Field::Given(s) => Some(s),
            Field::Missing => {
                errors.add(path, "is required");
                None
            }
            Field::WrongType => {
                errors.add(path, "must be a string");
                None
            }
        }
    }
}

/// `practitioner` as sent: an id, or a string ("any", or an id in quotes).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum PractitionerParam {
    Id(serde_json::Number),
    Text(String),
}

/// `practitioner`: absent, null or "any" → any; a number or numeric string → that id.
pub fn practitioner(
    field: Field<PractitionerParam>,
    errors: &mut FieldErrors,
) -> Option<PractitionerChoice> {
    let raw = match field {
        Field::Missing => "any".to_string(),
        Field::Given(PractitionerParam::Id(n)) => n.to_string(),
        Field::Given(PractitionerParam::Text(s)) => s,
        Field::WrongType => {
            errors.add("practitioner", "must be a practitioner id or \"any\"");
            "any".to_string()
        }
    };
    errors.take("practitioner", PractitionerChoice::parse(&raw))
}

/// A body that must be a JSON object, read into `T`.
pub fn object<T: serde::de::DeserializeOwned>(body: Value) -> Result<T, ApiError> {
    if !body.is_object() {
        return Err(AppError::BadRequest("The body must be a JSON object.".into()).into());
    }
    serde_json::from_value(body).map_err(|e| {
        ApiError(AppError::BadRequest(format!(
            "The body could not be read: {e}"
        )))
    })
}

/// A nested object (`patient`), read into `T`: anything but an object is the wrong type.
pub fn nested<T: serde::de::DeserializeOwned + Default>(map: Map<String, Value>) -> T {
    // Every field of `T` is a lenient `Field`, so reading an object into it cannot fail.
    serde_json::from_value(Value::Object(map)).unwrap_or_default()
}

/// An optional body: nothing (or only whitespace) reads as `{}`.
pub fn optional_object<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return object(Value::Object(Map::new()));
    }
    let v: Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError(AppError::BadRequest(format!(
            "The body is not valid JSON: {e}"
        )))
    })?;
    object(v)
}
