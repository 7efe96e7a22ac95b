//! An outbox message's life: its statuses as one enum (stored as text through `as_str`/`parse`
//! only) and the rules over them, so planning, the dispatcher and the staff log agree on them.
//! A message's kind is its care plan step's kind, [`StepKind`].

use super::appointment::Status;
use super::care_plan::StepKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxStatus {
    /// Waiting for its due time.
    Planned,
    /// An attempt failed; due again after a backoff.
    Failed,
    Sent,
    /// Gave up after too many attempts (or a permanent refusal); staff may retry it.
    Dead,
    /// Not to be sent: by staff, by an event that made it pointless, or skipped when planned.
    Cancelled,
}

impl OutboxStatus {
    pub const ALL: [OutboxStatus; 5] = [
        OutboxStatus::Planned,
        OutboxStatus::Failed,
        OutboxStatus::Sent,
        OutboxStatus::Dead,
        OutboxStatus::Cancelled,
    ];

    /// Not gone out yet and still meant to: what a dispatcher may claim, and what events may
    /// still cancel.
    pub const PENDING: [OutboxStatus; 2] = [OutboxStatus::Planned, OutboxStatus::Failed];

    /// What staff may send again now, with a fresh set of attempts.
    pub const RETRYABLE: [OutboxStatus; 2] = [OutboxStatus::Dead, OutboxStatus::Failed];

    /// What planning may still move to new times (a cancelled row only if it was skipped; see
    /// [`follows_new_times`]).
    pub const REPLANNABLE: [OutboxStatus; 3] = [
        OutboxStatus::Planned,
        OutboxStatus::Failed,
        OutboxStatus::Cancelled,
    ];

    /// The text the database stores (its CHECK constraint lists the same five).
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Planned => "planned",
            OutboxStatus::Failed => "failed",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Dead => "dead",
            OutboxStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        OutboxStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn is_pending(self) -> bool {
        OutboxStatus::PENDING.contains(&self)
    }

    pub fn can_retry(self) -> bool {
        OutboxStatus::RETRYABLE.contains(&self)
    }

    /// Staff may cancel what hasn't gone out.
    pub fn can_cancel(self) -> bool {
        self.is_pending()
    }
}

/// The start of the note on a row that planning cancelled at once ("skipped: too late").
pub const SKIPPED: &str = "skipped";

/// The note for a step that planning decided not to send.
pub fn skipped_note(why: &str) -> String {
    format!("{SKIPPED}: {why}")
}

/// The start of the note on a row cancelled because staff undid the status change it belonged
/// to (or that stopped it): like a skipped row, planning may bring it back.
pub const UNDONE: &str = "undone";

pub fn undone_note(what: &str) -> String {
    format!("{UNDONE}: {what}")
}

/// Whether planning again (a new time) moves this row: what hasn't gone out, and what planning
/// itself skipped before (it may be useful again). Sent, dead, or cancelled for a reason of its
/// own (staff, an opt-out, an event) stays as it is.
pub fn follows_new_times(status: Option<OutboxStatus>, note: Option<&str>) -> bool {
    match status {
        Some(s) if s.is_pending() => true,
        Some(OutboxStatus::Cancelled) => {
            note.is_some_and(|n| n.starts_with(SKIPPED) || n.starts_with(UNDONE))
        }
        _ => false,
    }
}

/// Whether the appointment is still in the state this kind of message is about. Planning
/// already cancels what no longer applies; this is the last check before anything is sent.
pub fn still_relevant(kind: StepKind, status: Status) -> bool {
    match kind {
        StepKind::Confirmation => status != Status::Cancelled,
        StepKind::Preparation | StepKind::Reminder => status == Status::Booked,
        StepKind::Aftercare | StepKind::CheckIn | StepKind::FollowUp => status == Status::Completed,
        StepKind::Missed => status == Status::NoShow,
        StepKind::Cancellation => status == Status::Cancelled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip() {
        for s in OutboxStatus::ALL {
            assert_eq!(OutboxStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(OutboxStatus::parse("sending"), None);
        assert_eq!(OutboxStatus::parse("Planned"), None);
    }

    #[test]
    fn staff_actions_follow_the_status() {
        use OutboxStatus::*;
        let retry: Vec<_> = OutboxStatus::ALL
            .into_iter()
            .filter(|s| s.can_retry())
            .collect();
        let cancel: Vec<_> = OutboxStatus::ALL
            .into_iter()
            .filter(|s| s.can_cancel())
            .collect();
        assert_eq!(retry, [Failed, Dead]);
        assert_eq!(cancel, [Planned, Failed]);
    }

    #[test]
    fn only_pending_or_skipped_rows_follow_new_times() {
        use OutboxStatus::*;
        assert!(follows_new_times(Some(Planned), None));
        assert!(follows_new_times(Some(Failed), Some("timeout")));
        assert!(follows_new_times(
            Some(Cancelled),
            Some(&skipped_note("too late to be useful"))
        ));
        assert!(!follows_new_times(
            Some(Cancelled),
            Some("cancelled by staff")
        ));
        assert!(!follows_new_times(Some(Cancelled), None));
        assert!(follows_new_times(
            Some(Cancelled),
            Some(&undone_note("no-show undone"))
        ));
        assert!(!follows_new_times(Some(Sent), None));
        assert!(!follows_new_times(Some(Dead), None));
        assert!(!follows_new_times(None, None));
    }

    #[test]
    fn messages_go_only_while_their_moment_lasts() {
        use Status::*;
        assert!(still_relevant(StepKind::Confirmation, Booked));
        assert!(still_relevant(StepKind::Confirmation, Completed));
        assert!(!still_relevant(StepKind::Confirmation, Cancelled));
        assert!(still_relevant(StepKind::Reminder, Booked));
        assert!(!still_relevant(StepKind::Preparation, CheckedIn));
        assert!(still_relevant(StepKind::Aftercare, Completed));
        assert!(!still_relevant(StepKind::FollowUp, NoShow));
        assert!(still_relevant(StepKind::Missed, NoShow));
        assert!(!still_relevant(StepKind::Missed, Booked));
        assert!(still_relevant(StepKind::Cancellation, Cancelled));
        assert!(!still_relevant(StepKind::Cancellation, Booked));
    }
}
