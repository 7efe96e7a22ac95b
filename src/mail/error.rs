//! A failed send, shared by every transport and the mailer above them: on its own so the
//! transports (smtp, file) need not import the mailer that imports them.

/// A failed send, and whether trying again later can help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// The server refused this message for good (5xx), or it cannot be built at all.
    pub permanent: bool,
    pub message: String,
}

impl SendError {
    pub fn temporary(message: impl Into<String>) -> Self {
        Self {
            permanent: false,
            message: message.into(),
        }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            permanent: true,
            message: message.into(),
        }
    }

    pub fn is_temporary(&self) -> bool {
        !self.permanent
    }
}
