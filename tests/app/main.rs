//! Black-box tests: each starts the real app on port 0 with a fresh database (SQLite by
//! default; PostgreSQL when CAREPATH_TEST_POSTGRES is set) and talks HTTP to it.

mod abuse_limits;
mod backup;
mod bad_input;
mod booking_api;
mod booking_pages;
mod browser;
mod database;
mod double_booking;
mod error_pages;
mod fuzz;
mod hardening;
mod helpers;
mod login_security;
mod mail_concurrent;
mod mail_crash;
mod mail_file;
mod mail_outage;
mod mail_retry;
mod mail_smtp;
mod mail_tls;
mod ops;
mod ops_binary;
mod page_checks;
mod privacy;
mod record_takeover;
mod reminders;
mod same_answers;
mod secrets_at_rest;
mod staff_admin;
mod staff_auth;
mod staff_desk;
mod staff_messages;
mod staff_readable;
mod staff_routes;
mod staff_undo;
