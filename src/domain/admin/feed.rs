//! The secret in a practitioner's calendar feed URL (/calendar/TOKEN.ics). Calendar apps
//! can't log in, so the URL is the credential: 256 random bits, revocable by replacing it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

const TOKEN_BYTES: usize = 32;
const TOKEN_CHARS: usize = 43;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedToken(String);

impl FeedToken {
    pub fn generate() -> Self {
        let mut bytes = [0u8; TOKEN_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Anything that can't be a token is turned away before it reaches the database.
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

/// How far back the feed reaches: recent history stays visible in the practitioner's calendar.
pub const DAYS_BACK: i64 = 30;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        let a = FeedToken::generate();
        assert_ne!(a, FeedToken::generate());
        assert_eq!(a.as_str().len(), TOKEN_CHARS);
        assert_eq!(FeedToken::parse(a.as_str()), Some(a));
        assert_eq!(FeedToken::parse("short"), None);
        assert_eq!(FeedToken::parse(&"/".repeat(TOKEN_CHARS)), None);
    }
}
