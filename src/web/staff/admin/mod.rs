//! Clinic set-up (treatments, practitioners, hours, settings), staff accounts, the audit trail,
//! exports and practitioners' calendar feeds.

use actix_web::web;

pub fn routes(_cfg: &mut web::ServiceConfig) {}
