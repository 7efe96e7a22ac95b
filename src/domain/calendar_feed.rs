//! The secret in a practitioner's calendar feed URL (/calendar/TOKEN.ics). Calendar apps
//! can't log in, so the URL is the credential: 256 random bits, revocable by replacing it.

use crate::domain::token::SecretToken;

/// 256 random bits: the URL is the credential, so it gets more than a manage link.
pub type FeedToken = SecretToken<32>;

/// How far back the feed reaches: recent history stays visible in the practitioner's calendar.
pub const DAYS_BACK: i64 = 30;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        let a = FeedToken::generate();
        assert_ne!(a, FeedToken::generate());
        assert_eq!(a.as_str().len(), 43);
        assert_eq!(FeedToken::parse(a.as_str()), Some(a));
        assert_eq!(FeedToken::parse("short"), None);
        assert_eq!(FeedToken::parse(&"/".repeat(43)), None);
    }
}
