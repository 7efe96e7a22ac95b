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

/// Why a patient's own change (cancel or reschedule through the manage link) is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelfServiceRefusal {
    AlreadyCancelled,
    /// The session has happened or is under way (checked in, completed, no-show).
    NoLongerBooked,
    /// Too close to the start: the patient must call the clinic.
    PastCutoff,
}

impl SelfServiceRefusal {
    pub fn code(self) -> &'static str {
        match self {
            SelfServiceRefusal::AlreadyCancelled => "already_cancelled",
            SelfServiceRefusal::NoLongerBooked => "not_changeable",
            SelfServiceRefusal::PastCutoff => "past_cutoff",
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
