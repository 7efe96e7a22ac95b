//! Reminders and aftercare: planning emails into the outbox, rendering them, and dispatching
//! them. The tokio-cron-scheduler tick only calls `dispatch::dispatch_due`.

pub mod dispatch;
pub mod plan;
pub mod render;
