//! The secret in a patient's manage link.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

/// 192 random bits, URL-safe: unguessable, and fits a link.
const TOKEN_BYTES: usize = 24;
const TOKEN_CHARS: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManageToken(String);

impl ManageToken {
    pub fn generate() -> Self {
        let mut bytes = [0u8; TOKEN_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Refuses anything that cannot be a token before it reaches the database.
    pub fn parse(s: &str) -> Option<Self> {
        let ok = s.len() == TOKEN_CHARS
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_distinct_and_round_trip() {
        let a = ManageToken::generate();
        let b = ManageToken::generate();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 32);
        assert_eq!(ManageToken::parse(a.as_str()), Some(a));
        assert_eq!(ManageToken::parse("short"), None);
        assert_eq!(ManageToken::parse(&"!".repeat(32)), None);
    }
}
