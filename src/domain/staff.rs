//! Staff roles and what each may do, password rules, and the login lockout schedule.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Everything, including clinic set-up, staff accounts and the audit trail.
    Admin,
    /// The schedule, bookings and patients.
    FrontDesk,
    /// Their own schedule and their own patients.
    Practitioner,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::FrontDesk, Role::Practitioner];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::FrontDesk => "front_desk",
            Role::Practitioner => "practitioner",
        }
    }

    /// Accepts the stored form and the spellings people type ("front-desk", "Front desk").
    pub fn parse(s: &str) -> Option<Self> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', ' '], "_")
            .as_str()
        {
            "admin" => Some(Role::Admin),
            "front_desk" | "frontdesk" => Some(Role::FrontDesk),
            "practitioner" => Some(Role::Practitioner),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::FrontDesk => "Front desk",
            Role::Practitioner => "Practitioner",
        }
    }

    /// Book, move, cancel and act on any appointment; see every patient.
    pub fn manages_bookings(self) -> bool {
        matches!(self, Role::Admin | Role::FrontDesk)
    }

    /// Treatments, practitioners, clinic settings, staff, audit trail.
    pub fn manages_clinic(self) -> bool {
        self == Role::Admin
    }
}

pub const MIN_PASSWORD_CHARS: usize = 10;

/// A new password, checked before it is hashed.
pub fn check_new_password(password: &str, confirm: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!("Use at least {MIN_PASSWORD_CHARS} characters."));
    }
    if password.len() > 1024 {
        return Err("That password is too long.".into());
    }
    if password != confirm {
        return Err("The two passwords don't match.".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("Front desk"), Some(Role::FrontDesk));
        assert_eq!(Role::parse("front-desk"), Some(Role::FrontDesk));
        assert_eq!(Role::parse("root"), None);
        assert!(Role::Admin.manages_clinic());
        assert!(!Role::FrontDesk.manages_clinic());
        assert!(Role::FrontDesk.manages_bookings());
        assert!(!Role::Practitioner.manages_bookings());
    }

    #[test]
    fn passwords() {
        assert!(check_new_password("short", "short").is_err());
        assert!(check_new_password("long enough pass", "long enough pas").is_err());
        assert!(check_new_password("long enough pass", "long enough pass").is_ok());
    }
}
