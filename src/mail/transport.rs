//! The mailer the dispatcher sends through: SMTP when `SMTP_URL` is set, otherwise .eml files.

use std::sync::Arc;

use lettre::message::Mailbox;

use super::email::Email;
use super::error::SendError;
use super::file::FileDir;
use super::message;
use super::smtp::SmtpPool;
use crate::config::MailSettings;
use crate::domain::delivery::{Security, SmtpTarget};

/// The longest one `Mailer::send` takes before it gives up (getting a connection, then the
/// message).
pub const SEND_BOUND: std::time::Duration =
    super::smtp::CONNECT_TIMEOUT.saturating_add(super::smtp::SEND_TIMEOUT);

enum Kind {
    Smtp(Box<SmtpPool>),
    Files(FileDir),
}

/// Cheap to clone; every clone shares one connection pool.
#[derive(Clone)]
pub struct Mailer {
    inner: Arc<Inner>,
}

struct Inner {
    from: Mailbox,
    kind: Kind,
}

impl Mailer {
    /// From the settings: a bad `SMTP_URL` or From address is a start-up error.
    pub fn from_settings(s: &MailSettings) -> Result<Self, String> {
        let from: Mailbox = s.from.trim().parse().map_err(|_| {
            format!(
                "CAREPATH_MAIL_FROM: '{}' is not an address (e.g. Clinic <no-reply@clinic.example>)",
                s.from
            )
        })?;
        let kind = match &s.smtp_url {
            None => Kind::Files(FileDir::new(&s.dir)),
            Some(url) => {
                let target = SmtpTarget::parse(url)?;
                if target.security == Security::Plain
                    && target.credentials.is_some()
                    && !is_loopback(&target.host)
                {
                    log::warn!(
                        "SMTP_URL sends a password without TLS to {}; use ?tls=starttls or smtps://",
                        target.host
                    );
                }
                let hello = target
                    .helo
                    .clone()
                    .unwrap_or_else(|| from.email.domain().to_string());
                Kind::Smtp(Box::new(SmtpPool::new(
                    target,
                    hello,
                    s.connections as usize,
                )?))
            }
        };
        Ok(Self {
            inner: Arc::new(Inner { from, kind }),
        })
    }

    /// Builds the MIME message and delivers it; returns the server's reply (or the file).
    pub async fn send(&self, email: &Email) -> Result<String, SendError> {
        let message = message::build(&self.inner.from, email)?;
        match &self.inner.kind {
            Kind::Smtp(pool) => pool.send(message.envelope(), &message.formatted()).await,
            Kind::Files(dir) => {
                let path = dir.write(&email.message_id, message.formatted()).await?;
                // The message id only: recipients and subjects (which name appointment times)
                // stay out of the log.
                log::info!("email {} written to {}", email.message_id, path.display());
                Ok(format!("written to {}", path.display()))
            }
        }
    }

    /// How many messages may be in flight at once.
    pub fn parallelism(&self) -> usize {
        match &self.inner.kind {
            Kind::Smtp(pool) => pool.size(),
            Kind::Files(_) => 4,
        }
    }

    /// The domain of the From address: the host part of our Message-IDs.
    pub fn from_domain(&self) -> String {
        self.inner.from.email.domain().to_string()
    }

    /// For the start-up log: where mail goes (never the password).
    pub fn describe(&self) -> String {
        match &self.inner.kind {
            Kind::Smtp(pool) => {
                let t = pool.target();
                let how = match t.security {
                    Security::Plain => "plain",
                    Security::StartTls => "STARTTLS",
                    Security::Implicit => "TLS",
                };
                let auth = t
                    .credentials
                    .as_ref()
                    .map(|c| format!(", AUTH as {}", c.0))
                    .unwrap_or_default();
                format!(
                    "SMTP {}:{} ({how}{auth}, {} connections)",
                    t.host,
                    t.port,
                    pool.size()
                )
            }
            Kind::Files(dir) => format!(".eml files in {}/", dir.dir().display()),
        }
    }

    /// Ends idle SMTP connections with QUIT.
    pub async fn close(&self) {
        if let Kind::Smtp(pool) = &self.inner.kind {
            pool.close().await;
        }
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|a| a.is_loopback())
}
