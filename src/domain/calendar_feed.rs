//! The secret in a practitioner's calendar feed URL (/calendar/TOKEN.ics). Calendar apps
//! can't log in, so the URL is the credential: 256 random bits, revocable by replacing it.

use crate::domain::token::{looks_like_token, random_url_safe};

const TOKEN_BYTES: usize = 32;
const TOKEN_CHARS: usize = 43;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedToken(String);

impl FeedToken {
    pub fn generate() -> Self {
        Self(random_url_safe(TOKEN_BYTES))
    }

    /// Anything that can't be a token is turned away before it reaches the database.
    pub fn parse(s: &str) -> Option<Self> {
        looks_like_token(s, TOKEN_CHARS).then(|| Self(s.to_string()))
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
