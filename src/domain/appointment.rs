//! An appointment's life: the statuses it can be in and the moves between them.

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Booked,
    CheckedIn,
    Completed,
    Cancelled,
    NoShow,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Booked => "booked",
            Status::CheckedIn => "checked_in",
            Status::Completed => "completed",
            Status::Cancelled => "cancelled",
            Status::NoShow => "no_show",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "booked" => Status::Booked,
            "checked_in" => Status::CheckedIn,
            "completed" => Status::Completed,
            "cancelled" => Status::Cancelled,
            "no_show" => Status::NoShow,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Booked => "Booked",
            Status::CheckedIn => "Checked in",
            Status::Completed => "Completed",
            Status::Cancelled => "Cancelled",
            Status::NoShow => "No-show",
        }
    }

    /// Whether the appointment still holds its practitioner's time. Only a cancellation frees it;
    /// the database's overlap guard uses the same rule (status <> 'cancelled').
    pub fn holds_time(self) -> bool {
        self != Status::Cancelled
    }
}

/// Something staff (or a patient) do to an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    CheckIn,
    Complete,
    NoShow,
    Cancel,
    Reschedule,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::CheckIn => "check_in",
            Action::Complete => "complete",
            Action::NoShow => "no_show",
            Action::Cancel => "cancel",
            Action::Reschedule => "reschedule",
        }
    }
}

/// The state machine: the status an action leads to, or why it can't happen.
pub fn transition(from: Status, action: Action) -> Result<Status, String> {
    use Action::*;
    use Status::*;
    match (from, action) {
        (Booked, CheckIn) => Ok(CheckedIn),
        // Completing straight from booked is allowed: a busy front desk may skip the check-in.
        (Booked | CheckedIn, Complete) => Ok(Completed),
        (Booked, Action::NoShow) => Ok(Status::NoShow),
        (Booked | CheckedIn, Cancel) => Ok(Cancelled),
        (Booked, Reschedule) => Ok(Booked),
        (from, action) => Err(format!(
            "{} appointment cannot be {}.",
            match from {
                Booked => "A booked",
                CheckedIn => "A checked-in",
                Completed => "A completed",
                Cancelled => "A cancelled",
                Status::NoShow => "A no-show",
            },
            match action {
                CheckIn => "checked in",
                Complete => "completed",
                Action::NoShow => "marked as a no-show",
                Cancel => "cancelled",
                Reschedule => "rescheduled",
            }
        )),
    }
}

/// Why a patient's own change (cancel or reschedule through the manage link) is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelfServiceRefusal {
    AlreadyCancelled,
    /// The session has happened or is under way (checked in, completed, no-show).
    NoLongerBooked,
    /// Too close to the start: the patient must call the clinic.
    PastCutoff,
    /// The email already holds as many upcoming bookings as the clinic takes online.
    TooManyBookings,
}

impl SelfServiceRefusal {
    pub fn code(self) -> &'static str {
        match self {
            SelfServiceRefusal::AlreadyCancelled => "already_cancelled",
            SelfServiceRefusal::NoLongerBooked => "not_changeable",
            SelfServiceRefusal::PastCutoff => "past_cutoff",
            SelfServiceRefusal::TooManyBookings => "too_many_bookings",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            SelfServiceRefusal::AlreadyCancelled => {
                "This appointment has been cancelled and can no longer be changed."
            }
            SelfServiceRefusal::NoLongerBooked => {
                "This appointment can no longer be changed online."
            }
            SelfServiceRefusal::PastCutoff => {
                "It is too close to your appointment to change it online. Please call the clinic."
            }
            SelfServiceRefusal::TooManyBookings => {
                "This email address already has as many upcoming appointments as can be booked \
                 online. Please cancel one first, or call the clinic to book more."
            }
        }
    }
}

/// May the patient still cancel or reschedule this appointment themselves?
pub fn self_service_allowed(
    status: Status,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
    cutoff: Duration,
) -> Result<(), SelfServiceRefusal> {
    match status {
        Status::Cancelled => Err(SelfServiceRefusal::AlreadyCancelled),
        Status::Booked if now + cutoff > starts_at => Err(SelfServiceRefusal::PastCutoff),
        Status::Booked => Ok(()),
        _ => Err(SelfServiceRefusal::NoLongerBooked),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn statuses_round_trip() {
        for s in [
            Status::Booked,
            Status::CheckedIn,
            Status::Completed,
            Status::Cancelled,
            Status::NoShow,
        ] {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("lost"), None);
        assert!(!Status::Cancelled.holds_time());
        assert!(Status::Booked.holds_time());
    }

    #[test]
    fn the_state_machine() {
        use Action::*;
        assert_eq!(transition(Status::Booked, CheckIn), Ok(Status::CheckedIn));
        assert_eq!(
            transition(Status::CheckedIn, Complete),
            Ok(Status::Completed)
        );
        assert_eq!(transition(Status::Booked, Complete), Ok(Status::Completed));
        assert_eq!(transition(Status::Booked, NoShow), Ok(Status::NoShow));
        assert_eq!(transition(Status::CheckedIn, Cancel), Ok(Status::Cancelled));
        assert_eq!(
            transition(Status::Completed, Cancel),
            Err("A completed appointment cannot be cancelled.".into())
        );
        assert!(transition(Status::Cancelled, Reschedule).is_err());
        assert!(transition(Status::CheckedIn, Reschedule).is_err());
        assert!(transition(Status::NoShow, CheckIn).is_err());
        assert!(transition(Status::CheckedIn, NoShow).is_err());
        assert!(transition(Status::Completed, Complete).is_err());
    }

    #[test]
    fn self_service_stops_at_the_cutoff() {
        let start = t("2026-03-10T10:00:00Z");
        let day = Duration::hours(24);
        assert_eq!(
            self_service_allowed(Status::Booked, start, t("2026-03-09T09:59:00Z"), day),
            Ok(())
        );
        assert_eq!(
            self_service_allowed(Status::Booked, start, t("2026-03-09T10:00:00Z"), day),
            Ok(())
        );
        assert_eq!(
            self_service_allowed(Status::Booked, start, t("2026-03-09T10:01:00Z"), day),
            Err(SelfServiceRefusal::PastCutoff)
        );
        assert_eq!(
            self_service_allowed(Status::Cancelled, start, t("2026-03-01T10:00:00Z"), day),
            Err(SelfServiceRefusal::AlreadyCancelled)
        );
        assert_eq!(
            self_service_allowed(Status::Completed, start, t("2026-03-01T10:00:00Z"), day),
            Err(SelfServiceRefusal::NoLongerBooked)
        );
    }
}
