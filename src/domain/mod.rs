//! The clinic's rules, free of any database or web framework.
//!
//! Everything here is pure: it takes values in and gives values out, so the rules that matter
//! most (availability across DST, what a valid booking is, which status moves are allowed) are
//! unit-tested without a server.

pub mod admin;
pub mod appointment;
pub mod availability;
pub mod booking;
pub mod care_plan;
pub mod delivery;
pub mod errors;
pub mod hours;
pub mod patient;
pub mod staff;
pub mod time;
pub mod token;
pub mod treatment;
