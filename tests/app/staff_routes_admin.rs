//! Staff routes of clinic set-up, staff accounts, the audit trail and exports.
use crate::staff_routes::{Access, Route};

#[allow(unused_imports)]
use crate::staff_routes::{get, post};

pub const ROUTES: &[Route] = &[];

#[allow(dead_code)]
const _ACCESS: Access = Access::Admin;
