//! The frame of every staff page: who is logged in, the navigation their role may use, and the
//! CSRF token the logout button (and every other form) posts back.

use super::auth::StaffUser;
use crate::domain::staff::Role;

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
    /// One of the clinic set-up pages, grouped under one menu so the bar fits one line.
    pub setup: bool,
}

pub struct StaffLayout {
    pub title: String,
    pub clinic_name: String,
    pub user_name: String,
    pub role_label: String,
    pub csrf: String,
    pub nav: Vec<NavItem>,
}

/// (link, label, which roles see it)
type NavEntry = (&'static str, &'static str, fn(Role) -> bool);

const NAV: &[NavEntry] = &[
    ("/staff", "Dashboard", |_| true),
    ("/staff/day", "Day", |_| true),
    ("/staff/week", "Week", |_| true),
    ("/staff/book", "Phone booking", Role::manages_bookings),
    ("/staff/patients", "Patients", |_| true),
    ("/staff/waitlist", "Waitlist", |_| true),
    ("/staff/export", "Export", Role::manages_bookings),
    ("/staff/messages", "Messages", Role::manages_bookings),
    ("/staff/care-plans", "Care plans", Role::manages_clinic),
    ("/staff/treatments", "Treatments", Role::manages_clinic),
    (
        "/staff/practitioners",
        "Practitioners",
        Role::manages_clinic,
    ),
    (
        "/staff/resources",
        "Devices and rooms",
        Role::manages_clinic,
    ),
    ("/staff/settings", "Clinic", Role::manages_clinic),
    ("/staff/privacy", "Privacy", Role::manages_clinic),
    ("/staff/accounts", "Staff", Role::manages_clinic),
    ("/staff/audit", "Audit trail", Role::manages_clinic),
];

/// Entries from this index on are the admin's clinic set-up pages.
const FIRST_SETUP: usize = 8;

impl StaffLayout {
    /// The everyday pages, shown in the bar.
    pub fn daily_nav(&self) -> Vec<&NavItem> {
        self.nav.iter().filter(|n| !n.setup).collect()
    }

    /// The clinic set-up pages, under their own menu.
    pub fn setup_nav(&self) -> Vec<&NavItem> {
        self.nav.iter().filter(|n| n.setup).collect()
    }

    /// Whether the page shown is one of the set-up pages (its menu is marked).
    pub fn in_setup(&self) -> bool {
        self.nav.iter().any(|n| n.setup && n.active)
    }

    /// The label of the page shown, for the collapsed menu on a phone.
    pub fn current_label(&self) -> &str {
        self.nav
            .iter()
            .find(|n| n.active)
            .map(|n| n.label)
            .unwrap_or("")
    }

    /// `section` is the nav entry to mark as current ("/staff/day" …).
    pub fn new(
        user: &StaffUser,
        clinic_name: &str,
        title: impl Into<String>,
        section: &str,
    ) -> Self {
        Self {
            title: title.into(),
            clinic_name: clinic_name.to_string(),
            user_name: user.name.clone(),
            role_label: user.role.label().to_string(),
            csrf: user.csrf.clone(),
            nav: NAV
                .iter()
                .enumerate()
                .filter(|(_, (_, _, allowed))| allowed(user.role))
                .map(|(i, (href, label, _))| NavItem {
                    href,
                    label,
                    active: *href == section,
                    setup: i >= FIRST_SETUP,
                })
                .collect(),
        }
    }

    /// For pages shown before anyone is logged in (the login page).
    pub fn anonymous(clinic_name: &str, title: &str, csrf: String) -> Self {
        Self {
            title: title.to_string(),
            clinic_name: clinic_name.to_string(),
            user_name: String::new(),
            role_label: String::new(),
            csrf,
            nav: Vec::new(),
        }
    }
}
