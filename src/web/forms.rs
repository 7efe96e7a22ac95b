//! Reading urlencoded bodies and query strings ourselves, so a malformed or partial form becomes a
//! message on the page instead of the framework's bare 400.

use std::collections::HashMap;

use crate::error::AppError;

/// Field name → value; a repeated field keeps its last value.
#[derive(Debug, Default, Clone)]
pub struct Fields(HashMap<String, String>);

impl Fields {
    pub fn parse(body: &[u8]) -> Result<Self, AppError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).map_err(|_| {
            AppError::BadRequest("The form could not be read. Please go back and try again.".into())
        })?;
        Ok(Self(pairs.into_iter().collect()))
    }

    pub fn from_query(q: &str) -> Result<Self, AppError> {
        Self::parse(q.as_bytes())
    }

    pub fn get(&self, k: &str) -> &str {
        self.0.get(k).map(String::as_str).unwrap_or("")
    }

    /// The fields whose names start with `prefix` (e.g. the screening answers, `q_<id>`).
    pub fn with_prefix(&self, prefix: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .0
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        out.sort();
        out
    }

    pub fn has(&self, k: &str) -> bool {
        self.0.contains_key(k)
    }

    /// A checkbox is on when it is sent with any value but an explicit "false"/"off"/"0".
    pub fn checked(&self, k: &str) -> bool {
        match self.0.get(k) {
            Some(v) => !matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "" | "false" | "off" | "0" | "no"
            ),
            None => false,
        }
    }
}
