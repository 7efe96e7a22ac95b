//! Staff routes of clinic set-up, staff accounts, the audit trail, exports and patients' data rights.

use super::{Access, Route, get, post};

pub const ROUTES: &[Route] = &[
    // The dashboard (GET /staff) is listed with the account routes.
    get("/staff/treatments", Access::Admin),
    get("/staff/treatments/new", Access::Admin),
    post("/staff/treatments", Access::Admin),
    get("/staff/treatments/{treatment}", Access::Admin),
    post("/staff/treatments/{treatment}", Access::Admin),
    get("/staff/practitioners", Access::Admin),
    get("/staff/practitioners/new", Access::Admin),
    post("/staff/practitioners", Access::Admin),
    get("/staff/practitioners/{practitioner}", Access::Admin),
    post("/staff/practitioners/{practitioner}", Access::Admin),
    post("/staff/practitioners/{practitioner}/status", Access::Admin),
    post("/staff/practitioners/{practitioner}/hours", Access::Admin),
    post(
        "/staff/practitioners/{practitioner}/time-off",
        Access::Admin,
    ),
    post(
        "/staff/practitioners/{practitioner}/time-off/1/delete",
        Access::Admin,
    ),
    post(
        "/staff/practitioners/{practitioner}/calendar",
        Access::Admin,
    ),
    post(
        "/staff/practitioners/{practitioner}/calendar/revoke",
        Access::Admin,
    ),
    get("/staff/settings", Access::Admin),
    post("/staff/settings", Access::Admin),
    get("/staff/accounts", Access::Admin),
    get("/staff/accounts/new", Access::Admin),
    post("/staff/accounts", Access::Admin),
    get("/staff/accounts/{staff}", Access::Admin),
    post("/staff/accounts/{staff}", Access::Admin),
    get("/staff/audit", Access::Admin),
    get("/staff/export", Access::Bookings),
    get(
        "/staff/export.csv?from=2030-06-01&to=2030-06-30",
        Access::Bookings,
    ),
    get("/staff/privacy", Access::Admin),
    post("/staff/privacy", Access::Admin),
    get("/staff/patients/{patient}/export.json", Access::Admin),
    get("/staff/patients/{patient}/erase", Access::Admin),
    post("/staff/patients/{patient}/erase", Access::Admin),
];
