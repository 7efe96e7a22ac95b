//! Staff routes of the message log and the care plan editor.

use super::{Access, Route, get, post};

pub const ROUTES: &[Route] = &[
    get("/staff/messages", Access::Bookings),
    post("/staff/messages/{message}/retry", Access::Admin),
    post("/staff/messages/{message}/cancel", Access::Admin),
    get("/staff/care-plans", Access::Admin),
    get("/staff/care-plans/steps/{step}", Access::Admin),
    post("/staff/care-plans/steps/{step}", Access::Admin),
];
