//! Staff routes of the schedule, appointments, patients and phone bookings.

use super::{Access, Route, get, post};

pub const ROUTES: &[Route] = &[
    get("/staff/day", Access::Anyone),
    get("/staff/week", Access::Anyone),
    get("/staff/appointments/{appointment}", Access::Anyone),
    post("/staff/appointments/{appointment}/notes", Access::Anyone),
    post("/staff/appointments/{appointment}/check-in", Access::Anyone),
    post("/staff/appointments/{appointment}/complete", Access::Anyone),
    post("/staff/appointments/{appointment}/no-show", Access::Anyone),
    post("/staff/appointments/{appointment}/undo", Access::Anyone),
    post("/staff/appointments/{appointment}/cancel", Access::Bookings),
    get(
        "/staff/appointments/{appointment}/reschedule",
        Access::Bookings,
    ),
    post(
        "/staff/appointments/{appointment}/reschedule",
        Access::Bookings,
    ),
    get("/staff/book", Access::Bookings),
    post("/staff/book", Access::Bookings),
    get("/staff/patients", Access::Anyone),
    get("/staff/patients/{patient}", Access::Anyone),
    get("/staff/waitlist", Access::Anyone),
    get("/staff/waitlist/{entry}/remove", Access::Bookings),
    post("/staff/waitlist/{entry}/remove", Access::Bookings),
];
