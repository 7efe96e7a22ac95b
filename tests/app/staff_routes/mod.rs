//! Every staff route, for the authorization walk in staff_auth.rs. A route added to the console
//! must be added here (in the list of the module that owns it).

mod admin;
mod desk;
mod reminders;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Any logged-in staff member.
    Anyone,
    /// Admin and front desk.
    Bookings,
    /// Admin only.
    Admin,
}

#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub post: bool,
    /// `{appointment}`, `{patient}`, `{practitioner}`, `{treatment}`, `{staff}`, `{message}`,
    /// `{step}`, `{entry}` (a waitlist entry) are filled with 1.
    pub path: &'static str,
    pub access: Access,
}

pub const fn get(path: &'static str, access: Access) -> Route {
    Route {
        post: false,
        path,
        access,
    }
}

pub const fn post(path: &'static str, access: Access) -> Route {
    Route {
        post: true,
        path,
        access,
    }
}

const ACCOUNT: &[Route] = &[
    get("/staff/password", Access::Anyone),
    post("/staff/password", Access::Anyone),
    get("/staff", Access::Anyone),
];

pub fn all_routes() -> Vec<Route> {
    [ACCOUNT, desk::ROUTES, admin::ROUTES, reminders::ROUTES].concat()
}
