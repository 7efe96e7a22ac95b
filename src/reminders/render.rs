//! Turns an outbox row into an Email. (Placeholder until care-plan templates land: the
//! dispatcher's contract is `render(conn, row, ctx) -> Result<Rendered, String>`.)

use crate::db::DbConnection;
use crate::db::models::OutboxRow;
use crate::mail::Email;

/// What rendering needs from outside the database.
#[derive(Debug, Clone)]
pub struct RenderContext {
    pub base_url: String,
    /// Host part of Message-IDs.
    pub host: String,
}

/// What to do with a claimed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rendered {
    Send(Email),
    /// Not to be sent after all (e.g. the patient opted out of follow-ups since it was planned):
    /// the dispatcher marks it cancelled with this reason.
    Skip(String),
}

/// Renders a claimed outbox row. An `Err` is a failure to retry like a send failure.
pub fn render(
    _conn: &mut DbConnection,
    row: &OutboxRow,
    ctx: &RenderContext,
) -> Result<Rendered, String> {
    Ok(Rendered::Send(Email {
        to: row.recipient.clone(),
        subject: format!("Carepath message {}", row.kind),
        text: format!("Message {} ({})", row.id, row.kind),
        html: format!("<p>Message {} ({})</p>", row.id, row.kind),
        message_id: format!("{}@{}", row.message_id, ctx.host),
        unsubscribe_url: None,
        ics: None,
    }))
}
