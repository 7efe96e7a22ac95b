//! The clinic's rules, free of any database or web framework.
//!
//! Everything here is pure: it takes values in and gives values out, so the rules that matter
//! most (availability across DST, what a valid booking is, which status moves are allowed) are
//! unit-tested without a server.

pub mod appointment;
pub mod attendance;
pub mod audit_diff;
pub mod availability;
pub mod booking;
pub mod calendar_feed;
pub mod care_plan;
pub mod catalog;
pub mod clinic_settings;
pub mod course;
pub mod dashboard;
pub mod delivery;
pub mod errors;
pub mod export;
pub mod free_days;
pub mod hours;
pub mod input;
pub mod login_throttle;
pub mod message_words;
pub mod money;
pub mod outbox;
pub mod patient;
pub mod privacy;
pub mod resources;
pub mod schedule_conflicts;
pub mod screening;
pub mod staff;
pub mod time;
pub mod time_off;
pub mod token;
pub mod treatment;
pub mod unclosed;
pub mod waitlist;
pub mod wall_clock;
pub mod working_week;
