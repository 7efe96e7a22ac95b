//! The front desk's console: the day and week schedule, appointments and their actions, patients,
//! phone bookings.

use actix_web::web;

pub fn routes(_cfg: &mut web::ServiceConfig) {}
