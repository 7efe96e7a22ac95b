//! A process-wide count of committed writes, so what is cached from the database (the page
//! cache) knows it may be stale by what changed, whichever way the write came in: page, API,
//! console, job or command line.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::AppError;

static GENERATION: AtomicU64 = AtomicU64::new(0);

/// The count so far. Read it *before* reading the database: anything computed from what that
/// read saw is stale once the count has moved on.
pub fn current() -> u64 {
    GENERATION.load(Ordering::SeqCst)
}

/// Passes a write's result through, counting it when it committed.
// Tested in `web::cache` only: a second unit test moving this process-wide count would race it.
pub fn committed<T>(r: Result<T, AppError>) -> Result<T, AppError> {
    if r.is_ok() {
        GENERATION.fetch_add(1, Ordering::SeqCst);
    }
    r
}
