//! Staff routes of the schedule, appointments, patients and phone bookings.
use crate::staff_routes::{Access, Route};

#[allow(unused_imports)]
use crate::staff_routes::{get, post};

pub const ROUTES: &[Route] = &[];

#[allow(dead_code)]
const _ACCESS: Access = Access::Anyone;
