//! Email delivery rules that need no network: what an SMTP_URL means, and when a failed message
//! is tried again.

use std::time::Duration;

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// No TLS: a relay on the same host or a trusted network.
    Plain,
    /// Plain connect, then STARTTLS before anything else (submission, port 587).
    StartTls,
    /// TLS from the first byte (smtps, port 465).
    Implicit,
}

/// A parsed `SMTP_URL`.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpTarget {
    pub security: Security,
    pub host: String,
    pub port: u16,
    /// AUTH user and password, percent-decoded.
    pub credentials: Option<(String, String)>,
    /// The name we give in EHLO, when the URL says (`?helo=mail.example.org`).
    pub helo: Option<String>,
    /// A PEM file of extra trusted certificates (`?ca=/path`), for a relay with a private CA.
    pub ca_file: Option<String>,
}

/// Never print the password (the URL shows up in logs and start-up errors).
impl std::fmt::Debug for SmtpTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpTarget")
            .field("security", &self.security)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.credentials.as_ref().map(|c| &c.0))
            .field("helo", &self.helo)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

impl SmtpTarget {
    /// `smtp://[user:pass@]host[:port][?tls=starttls|none][&helo=NAME][&ca=PEM-FILE]` or
    /// `smtps://[user:pass@]host[:port][?helo=NAME][&ca=PEM-FILE]`. Plain SMTP defaults to port 25, and port 587 means
    /// STARTTLS unless `tls=none` says otherwise; smtps defaults to 465.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let bad = |why: &str| {
            format!(
                "SMTP_URL: {why} (expected smtp://[user:password@]host[:port][?tls=starttls] \
                 or smtps://[user:password@]host[:port])"
            )
        };
        let url = url::Url::parse(raw.trim()).map_err(|e| bad(&e.to_string()))?;
        let implicit = match url.scheme() {
            "smtp" => false,
            "smtps" => true,
            other => return Err(bad(&format!("unsupported scheme '{other}://'"))),
        };
        let host = match url.host() {
            Some(url::Host::Ipv6(a)) => a.to_string(),
            Some(h) => h.to_string(),
            None => return Err(bad("no host")),
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let port = url.port().unwrap_or(if implicit { 465 } else { 25 });
        let mut tls: Option<&str> = None;
        let (mut helo, mut ca_file) = (None, None);
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        for (k, v) in &pairs {
            match k.as_str() {
                "tls" => tls = Some(v.as_str()),
                "helo" if !v.is_empty() => helo = Some(v.clone()),
                "ca" if !v.is_empty() => ca_file = Some(v.clone()),
                _ => return Err(bad(&format!("unknown option '{k}'"))),
            }
        }
        let security = match (implicit, tls) {
            (true, None | Some("implicit")) => Security::Implicit,
            (true, Some(other)) => {
                return Err(bad(&format!(
                    "smtps:// is always TLS; tls={other} contradicts it"
                )));
            }
            (false, Some("starttls")) => Security::StartTls,
            (false, Some("none")) => Security::Plain,
            (false, None) if port == 587 => Security::StartTls,
            (false, None) => Security::Plain,
            (false, Some(other)) => {
                return Err(bad(&format!(
                    "tls={other} is not one of starttls, none (use smtps:// for implicit TLS)"
                )));
            }
        };
        if ca_file.is_some() && security == Security::Plain {
            return Err(bad("ca= only applies to TLS (smtps:// or tls=starttls)"));
        }
        let credentials = if url.username().is_empty() {
            None
        } else {
            let user = decode(url.username()).map_err(|e| bad(&e))?;
            let pass = decode(url.password().unwrap_or("")).map_err(|e| bad(&e))?;
            Some((user, pass))
        };
        Ok(Self {
            security,
            host,
            port,
            credentials,
            helo,
            ca_file,
        })
    }
}

fn decode(s: &str) -> Result<String, String> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map(|v| v.into_owned())
        .map_err(|_| "the credentials are not UTF-8 once percent-decoded".to_string())
}

/// What happens to a message after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again after this long.
    Retry(Duration),
    /// Give up: the message is marked dead for a person to look at.
    Dead,
}

/// Retries back off exponentially: 30 s after the first failure, doubling up to an hour.
pub const FIRST_RETRY: Duration = Duration::from_secs(30);
pub const MAX_RETRY: Duration = Duration::from_secs(3600);

/// The delay before attempt `failed_attempts + 1`, given how many attempts have failed so far
/// (≥ 1). `jitter` in [-1, 1] spreads it by ±20 % so that messages that failed together (a
/// relay outage) do not all come back in the same second.
pub fn retry_delay(failed_attempts: u32, jitter: f64) -> Duration {
    let doublings = failed_attempts.saturating_sub(1).min(20);
    let base = FIRST_RETRY.saturating_mul(1u32 << doublings).min(MAX_RETRY);
    base.mul_f64(1.0 + 0.2 * jitter.clamp(-1.0, 1.0))
}

/// Decides after a failure: `attempts` counts this one; a permanent failure (the server said
/// 5xx: this message will never be accepted) gives up at once.
pub fn after_failure(
    attempts: u32,
    max_attempts: u32,
    permanent: bool,
    jitter: f64,
) -> AfterFailure {
    if permanent || attempts >= max_attempts {
        AfterFailure::Dead
    } else {
        AfterFailure::Retry(retry_delay(attempts, jitter))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(s: &str) -> SmtpTarget {
        SmtpTarget::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn plain_relay_defaults_to_port_25() {
        let t = target("smtp://localhost");
        assert_eq!(
            (t.security, t.host.as_str(), t.port),
            (Security::Plain, "localhost", 25)
        );
        assert_eq!(t.credentials, None);
        assert_eq!(target("smtp://127.0.0.1:2525").port, 2525);
    }

    #[test]
    fn starttls_by_option_or_submission_port() {
        assert_eq!(
            target("smtp://mail.example.org:587").security,
            Security::StartTls
        );
        let t = target("smtp://u:p@mail.example.org?tls=starttls");
        assert_eq!((t.security, t.port), (Security::StartTls, 25));
        assert_eq!(
            target("smtp://relay:587?tls=none").security,
            Security::Plain
        );
    }

    #[test]
    fn smtps_is_implicit_tls_on_465() {
        let t = target("smtps://user%40example.org:p%2Fss%20word+x@smtp.example.org");
        assert_eq!((t.security, t.port), (Security::Implicit, 465));
        assert_eq!(
            t.credentials,
            Some(("user@example.org".into(), "p/ss word+x".into()))
        );
    }

    #[test]
    fn ipv6_helo_and_ca() {
        let t = target("smtp://[::1]:25?helo=clinic.example.org");
        assert_eq!(t.host, "::1");
        assert_eq!(t.helo.as_deref(), Some("clinic.example.org"));
        let t = target("smtps://relay.internal?ca=/etc/ssl/relay-ca.pem");
        assert_eq!(t.ca_file.as_deref(), Some("/etc/ssl/relay-ca.pem"));
    }

    #[test]
    fn bad_urls_are_clear_errors() {
        for bad in [
            "localhost:25",
            "http://mail.example.org",
            "smtp://",
            "smtp://host?tls=maybe",
            "smtps://host?tls=starttls",
            "smtp://host?verify=no",
            "smtp://host:99999",
            "smtp://host?ca=/x.pem",
        ] {
            let e = SmtpTarget::parse(bad).expect_err(bad);
            assert!(e.starts_with("SMTP_URL:"), "{bad}: {e}");
        }
    }

    #[test]
    fn debug_hides_the_password() {
        let t = target("smtp://ann:secret@mail.example.org");
        assert!(!format!("{t:?}").contains("secret"));
    }

    #[test]
    fn backoff_doubles_from_30s_to_an_hour() {
        let secs: Vec<u64> = (1..=10).map(|n| retry_delay(n, 0.0).as_secs()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        assert_eq!(retry_delay(1, 1.0).as_secs(), 36);
        assert_eq!(retry_delay(1, -1.0).as_secs(), 24);
        assert_eq!(retry_delay(9, 5.0), Duration::from_secs(4320));
        assert_eq!(retry_delay(u32::MAX, 0.0), MAX_RETRY);
    }

    #[test]
    fn dead_after_the_limit_or_a_permanent_refusal() {
        assert_eq!(
            after_failure(1, 3, false, 0.0),
            AfterFailure::Retry(Duration::from_secs(30))
        );
        assert_eq!(
            after_failure(2, 3, false, 0.0),
            AfterFailure::Retry(Duration::from_secs(60))
        );
        assert_eq!(after_failure(3, 3, false, 0.0), AfterFailure::Dead);
        assert_eq!(after_failure(1, 8, true, 0.0), AfterFailure::Dead);
    }
}
