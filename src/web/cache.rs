//! A small cache for the two hottest public reads — a treatment's booking page with its slots,
//! and the availability API — so the booking page costs little more than an empty response.
//!
//! Correctness never depends on it: booking re-checks the slot inside its transaction and the
//! database refuses overlaps. Freshness: every committed write in this process moves
//! `service::changes` on, which makes everything cached before it stale at once; writes made by
//! other instances sharing the database show within the TTL; and "now" is part of the key to the
//! minute, so slots slide out of the lead time on time.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::web::Bytes;

use crate::service::changes;

/// How stale another instance's write may look here when the cache is turned on
/// (CAREPATH_PAGE_CACHE_SECONDS; off by default).
pub const DEFAULT_TTL: Duration = Duration::from_secs(2);
/// Bounded: a crawler walking every date can't grow it without limit.
const MAX_ENTRIES: usize = 4096;

struct Entry {
    generation: u64,
    minute: i64,
    made: Instant,
    body: Bytes,
}

pub struct PageCache {
    entries: Mutex<HashMap<String, Entry>>,
    /// Zero turns the cache off.
    ttl: Duration,
}

impl Default for PageCache {
    fn default() -> Self {
        Self::new(DEFAULT_TTL)
    }
}

impl PageCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            ttl,
        }
    }

    /// The generation to store a freshly computed body under: read it *before* computing, so a
    /// write landing meanwhile makes the stored entry stale rather than wrongly fresh.
    pub fn generation(&self) -> u64 {
        changes::current()
    }

    /// Off (a zero TTL, the default): callers skip building keys and bodies' copies for it.
    pub fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }

    pub fn get(&self, key: &str, minute: i64) -> Option<Bytes> {
        let current = self.generation();
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let e = entries.get(key)?;
        (e.generation == current && e.minute == minute && e.made.elapsed() < self.ttl)
            .then(|| e.body.clone())
    }

    pub fn put(&self, key: String, generation: u64, minute: i64, body: Bytes) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(
            key,
            Entry {
                generation,
                minute,
                made: Instant::now(),
                body,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;

    /// What a write service does when its transaction commits.
    fn a_write() {
        changes::committed(Ok::<(), AppError>(())).unwrap();
    }

    #[test]
    fn writes_and_minutes_make_entries_stale() {
        let c = PageCache::default();
        let g = c.generation();
        c.put("a".into(), g, 10, Bytes::from_static(b"x"));
        assert_eq!(c.get("a", 10).as_deref(), Some(&b"x"[..]));
        assert!(c.get("a", 11).is_none(), "a new minute");
        a_write();
        assert!(c.get("a", 10).is_none(), "a write since");
        // A write that failed changed nothing: what is cached stays fresh.
        let g = c.generation();
        c.put("a".into(), g, 10, Bytes::from_static(b"x"));
        let _ = changes::committed::<()>(Err(AppError::Busy));
        assert!(c.get("a", 10).is_some(), "a failed write");
        // Computed before a write, stored after it: stale at once.
        let before = c.generation();
        a_write();
        c.put("b".into(), before, 10, Bytes::from_static(b"y"));
        assert!(c.get("b", 10).is_none());
        // Turned off.
        let off = PageCache::new(Duration::ZERO);
        off.put("a".into(), off.generation(), 10, Bytes::from_static(b"x"));
        assert!(off.get("a", 10).is_none());
    }
}
