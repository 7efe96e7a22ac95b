//! The email as the app composes it, before it becomes MIME: on its own so the MIME builder and
//! the mailer share it without importing the module that re-exports them.

/// One email, fully rendered and ready to build into MIME.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Deterministic, without angle brackets: a resend after a crash carries the same id.
    pub message_id: String,
    /// For follow-ups and check-ins: the one-click opt-out URL (RFC 8058 List-Unsubscribe).
    pub unsubscribe_url: Option<String>,
    /// For confirmations, moves and cancellations: the appointment as an .ics attachment (its
    /// METHOD becomes the attachment's Content-Type method).
    pub ics: Option<String>,
    /// The clinic's address for replies (the sender is a no-reply address).
    pub reply_to: Option<String>,
}
