//! Secrets that travel in links (manage links, unsubscribe links, calendar feeds): random,
//! URL-safe, checked for shape before they reach the database, and stored only as their SHA-256
//! digest (rows are looked up by digest), so a copy of the database opens nothing.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

/// `bytes` random bytes as URL-safe base64 (no padding): the form of every secret in a link or
/// a session.
pub fn random_url_safe(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

/// The SHA-256 of a secret, in lower-case hex: what the database keeps of session keys (and what
/// rows are looked up by), so a copy of the database opens nothing.
pub fn sha256_hex(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `s` can be a `random_url_safe` token of `chars` characters (checked before any
/// lookup, so junk never reaches the database).
pub fn looks_like_token(s: &str, chars: usize) -> bool {
    s.len() == chars
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A secret of `BYTES` random bytes that travels in a link: made here, checked for shape before
/// any lookup, and otherwise opaque.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretToken<const BYTES: usize>(String);

impl<const BYTES: usize> SecretToken<BYTES> {
    /// Its length in URL-safe base64 without padding.
    pub const CHARS: usize = (BYTES * 8).div_ceil(6);

    pub fn generate() -> Self {
        Self(random_url_safe(BYTES))
    }

    /// Refuses anything that cannot be a token before it reaches the database.
    pub fn parse(s: &str) -> Option<Self> {
        looks_like_token(s, Self::CHARS).then(|| Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the database keeps of it, and looks it up by.
    pub fn digest(&self) -> String {
        sha256_hex(&self.0)
    }
}

/// What a link secret held in `link_tokens` opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// An appointment's manage page (and its API routes).
    Manage,
    /// The patient's opt-out of check-ins and follow-ups.
    Unsubscribe,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Manage => "manage",
            LinkPurpose::Unsubscribe => "unsubscribe",
        }
    }
}

/// The secret in a patient's manage link (and unsubscribe link): 192 random bits, unguessable
/// and short enough for a link.
pub type ManageToken = SecretToken<24>;

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

    #[test]
    fn the_digest_is_sha256_hex_of_the_token_as_it_appears_in_the_link() {
        let t = ManageToken::parse("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").unwrap();
        assert_eq!(t.digest(), sha256_hex("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(t.digest(), t.as_str());
    }
}
