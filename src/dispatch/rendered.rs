//! What rendering an outbox row needs and gives: shared by the care plan renderer and the
//! waitlist offer renderer (issue 11).

use chrono::{DateTime, Utc};

use crate::mail::Email;
use crate::service::links::Grant;

/// What rendering needs from outside the database.
#[derive(Debug, Clone)]
pub struct RenderContext {
    pub base_url: String,
    /// Host part of Message-IDs.
    pub host: String,
    /// When the message is rendered for sending: every date word ("today", "tomorrow") and
    /// whether the online change still works are judged at this moment, not at planning.
    pub now: DateTime<Utc>,
}

/// What to do with a claimed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rendered {
    /// The email, and the link secrets minted for it: the dispatcher stores them (`links::store`)
    /// before the email is sent. Rendering itself only reads.
    Send(Email, Vec<Grant>),
    /// Not to be sent after all (e.g. the patient opted out of follow-ups since it was planned):
    /// the dispatcher marks it cancelled with this reason.
    Skip(String),
}
