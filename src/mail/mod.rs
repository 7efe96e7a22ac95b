//! Email: the message as the app composes it, and the transports that deliver it.

pub mod compose;
mod email;
mod error;
mod file;
pub mod message;
mod smtp;
pub mod summary;
pub mod transport;

pub use email::Email;
pub use error::SendError;
pub use transport::Mailer;
