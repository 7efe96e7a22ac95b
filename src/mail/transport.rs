//! (SMTP and file transports)
