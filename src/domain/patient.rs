//! A patient's details as validated values: once parsed, always valid.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientName(String);

impl PatientName {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("Please enter your name.".into());
        }
        if s.chars().count() > 120 {
            return Err("A name can be at most 120 characters.".into());
        }
        if s.chars().any(|c| super::input::refused_char(c, false)) {
            return Err(
                "A name cannot contain control characters or invisible formatting characters (such as text-direction overrides)."
                    .into(),
            );
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address, kept as typed but compared in lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("Please enter your email address.".into());
        }
        if s.len() > 254 {
            return Err("That email address is too long.".into());
        }
        let bad = || Err("That doesn't look like an email address (name@example.com).".to_string());
        let Some((local, domain)) = s.rsplit_once('@') else {
            return bad();
        };
        let allowed_local = |c: char| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c);
        if local.is_empty()
            || local.len() > 64
            || !local.chars().all(allowed_local)
            || local.starts_with('.')
            || local.ends_with('.')
            || local.contains("..")
        {
            return bad();
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2
            || labels.iter().any(|l| {
                l.is_empty()
                    || l.len() > 63
                    || l.starts_with('-')
                    || l.ends_with('-')
                    || !l.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
        {
            return bad();
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form patients are matched on: the same person typing "Ann@X.org" and "ann@x.org".
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A phone number: digits with the usual separators and an optional leading +.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    /// Empty input means "no phone", which is allowed.
    pub fn parse_optional(s: &str) -> Result<Option<Self>, String> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        let digits = s.chars().filter(char::is_ascii_digit).count();
        let allowed = s
            .char_indices()
            .all(|(i, c)| c.is_ascii_digit() || " -().".contains(c) || (c == '+' && i == 0));
        if !allowed || !(6..=15).contains(&digits) {
            return Err(
                "Please enter a phone number of 6 to 15 digits, e.g. +44 20 7946 0000.".into(),
            );
        }
        Ok(Some(Self(s.to_string())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Free text a patient adds to a booking; bounded so a form can't store a novel.
pub fn parse_note(s: &str) -> Result<Option<String>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if s.chars().count() > 1000 {
        return Err("A note can be at most 1000 characters.".into());
    }
    if s.chars().any(|c| super::input::refused_char(c, true)) {
        return Err(
            "A note cannot contain control characters or invisible formatting characters (such as text-direction overrides)."
                .into(),
        );
    }
    Ok(Some(s.to_string()))
}

/// A `tel:` link for a phone number as people write it ("+44 20 7946-0000"): RFC 3966 allows
/// no spaces, so only the digits and a leading plus are kept ("tel:+442079460000").
pub fn tel_uri(phone: impl AsRef<str>) -> String {
    let phone = phone.as_ref().trim();
    let mut out = String::from("tel:");
    if phone.starts_with('+') {
        out.push('+');
    }
    out.extend(phone.chars().filter(char::is_ascii_digit));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(EmailAddress::parse("ann.lee+peel@example.co.uk").is_ok());
        assert_eq!(
            EmailAddress::parse(" Ann@Example.org ")
                .unwrap()
                .normalized(),
            "ann@example.org"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.org",
            "ann@example",
            "ann@@example.org",
            "a b@x.org",
            "ann@-x.org",
            "ann..b@x.org",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn names_and_phones() {
        assert!(PatientName::parse("  ").is_err());
        assert_eq!(PatientName::parse(" Ann Lee ").unwrap().as_str(), "Ann Lee");
        assert!(PatientName::parse(&"x".repeat(121)).is_err());
        assert_eq!(Phone::parse_optional("").unwrap(), None);
        assert!(Phone::parse_optional("+44 20 7946 0000").unwrap().is_some());
        assert!(Phone::parse_optional("call me").is_err());
        assert!(Phone::parse_optional("12+3456789").is_err());
    }

    #[test]
    fn tel_links_have_no_spaces() {
        assert_eq!(super::tel_uri("+44 20 7946-0000"), "tel:+442079460000");
        assert_eq!(super::tel_uri(" (020) 7946.0001 "), "tel:02079460001");
    }
}
