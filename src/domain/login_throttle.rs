//! Slowing down password guessing without locking anyone out: after a few failures a client (or
//! an account) must wait a short, doubling while before its next attempt is even looked at.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

/// How many failures are free, and how the wait grows after them.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub free_failures: u32,
    pub first_wait: Duration,
    pub longest_wait: Duration,
}

/// A client address: 5 free failures, then 1 s, 2 s, 4 s … at most 15 minutes.
pub const PER_CLIENT: Policy = Policy {
    free_failures: 5,
    first_wait: Duration::seconds(1),
    longest_wait: Duration::minutes(15),
};

/// An account, over all clients: 10 free failures, then 1 s, 2 s … at most one minute, so that
/// nobody can keep the right password of a fresh client out for longer than that.
pub const PER_ACCOUNT: Policy = Policy {
    free_failures: 10,
    first_wait: Duration::seconds(1),
    longest_wait: Duration::minutes(1),
};

impl Policy {
    /// The wait after `failures` failures in a row (none while they are free).
    pub fn wait_after(&self, failures: u32) -> Option<Duration> {
        let over = failures.checked_sub(self.free_failures)?;
        let factor = 1i32 << over.min(20);
        Some((self.first_wait * factor).min(self.longest_wait))
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    blocked_until: Option<DateTime<Utc>>,
    last: DateTime<Utc>,
}

/// Failure counts by key (`client:ADDR`, `account:EMAIL`), in memory: a restart forgets them,
/// which only ever lets someone in sooner.
#[derive(Debug, Default)]
pub struct Throttle {
    entries: HashMap<String, Entry>,
    unknown_email_failures: u64,
}

impl Throttle {
    /// Whether `key` must still wait.
    pub fn blocked(&self, key: &str, now: DateTime<Utc>) -> bool {
        self.entries
            .get(key)
            .and_then(|e| e.blocked_until)
            .is_some_and(|until| until > now)
    }

    /// Counts a failure of `key` and starts its wait, if it has one now.
    pub fn failure(&mut self, key: &str, now: DateTime<Utc>, policy: Policy) {
        let e = self.entries.entry(key.to_string()).or_insert(Entry {
            failures: 0,
            blocked_until: None,
            last: now,
        });
        e.failures = e.failures.saturating_add(1);
        e.last = now;
        e.blocked_until = policy.wait_after(e.failures).map(|w| now + w);
    }

    /// A success clears `key`'s count.
    pub fn success(&mut self, key: &str) {
        self.entries.remove(key);
    }

    /// A login for an email no account has: counted here, not written anywhere.
    pub fn unknown_email(&mut self) {
        self.unknown_email_failures = self.unknown_email_failures.saturating_add(1);
    }

    /// The unknown-email failures counted since the last call.
    pub fn take_unknown_email_failures(&mut self) -> u64 {
        std::mem::take(&mut self.unknown_email_failures)
    }

    /// Forgets keys quiet for a day, so memory doesn't grow with every address ever seen.
    pub fn prune(&mut self, now: DateTime<Utc>) {
        self.entries.retain(|_, e| now - e.last < Duration::days(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_and_stay_short() {
        assert_eq!(PER_CLIENT.wait_after(4), None);
        assert_eq!(PER_CLIENT.wait_after(5), Some(Duration::seconds(1)));
        assert_eq!(PER_CLIENT.wait_after(7), Some(Duration::seconds(4)));
        assert_eq!(PER_CLIENT.wait_after(500), Some(Duration::minutes(15)));
        assert_eq!(PER_ACCOUNT.wait_after(9), None);
        assert_eq!(PER_ACCOUNT.wait_after(60), Some(Duration::minutes(1)));
    }

    #[test]
    fn a_wait_passes_and_a_success_clears() {
        let now: DateTime<Utc> = "2030-01-01T00:00:00Z".parse().unwrap();
        let mut t = Throttle::default();
        for _ in 0..6 {
            t.failure("client:x", now, PER_CLIENT);
        }
        assert!(t.blocked("client:x", now));
        assert!(!t.blocked("client:y", now));
        assert!(!t.blocked("client:x", now + Duration::seconds(3)));
        t.success("client:x");
        assert!(!t.blocked("client:x", now));
        t.prune(now + Duration::days(2));
        assert!(t.entries.is_empty());
    }
}
