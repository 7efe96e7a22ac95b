//! (planning outbox rows from care plans)
