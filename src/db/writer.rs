//! Write transactions that queue in the app on SQLite.
//!
//! SQLite has one writer. Connections that collide wait in its busy handler, which sleeps in
//! steps of 1 to 100 ms, so under contention throughput collapses long before the disk is the
//! limit. Here writers take a process-wide lock first (waking the next one the moment the previous
//! commits) and then `BEGIN IMMEDIATE`, so the transaction holds the write lock from its first
//! statement and never has to upgrade a read lock halfway. Other processes on the same file still
//! meet in the busy handler, as before. PostgreSQL gets a plain transaction: its row locks and the
//! exclusion constraint already let writers to different practitioners run side by side.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::prelude::*;
use diesel::result::Error as DieselError;

use super::DbConnection;

/// One per process, whichever SQLite file: only tests open several files in one process, where
/// serialising their short booking transactions costs nothing that matters.
static SQLITE_WRITER: Mutex<()> = Mutex::new(());

thread_local! {
    /// Set while this thread runs writes inside its own SQLite `BEGIN IMMEDIATE`.
    static WRITE_LOCKED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread is inside a SQLite transaction of this module's, begun `IMMEDIATE`:
/// it holds the database's write lock, so nothing else writes until it commits.
pub fn holds_write_lock() -> bool {
    WRITE_LOCKED.with(|w| w.get())
}

/// Marks the thread as holding the write lock until dropped.
struct Locked;

impl Locked {
    fn mark() -> Self {
        WRITE_LOCKED.with(|w| w.set(true));
        Locked
    }
}

impl Drop for Locked {
    fn drop(&mut self) {
        WRITE_LOCKED.with(|w| w.set(false));
    }
}

/// Runs `f` in a write transaction: queued and `BEGIN IMMEDIATE` on SQLite; on PostgreSQL, or
/// when already inside a transaction, an ordinary (nested) one.
pub fn write_transaction<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<DieselError>,
{
    if !matches!(conn, DbConnection::Sqlite(_)) || super::in_transaction(conn) {
        // Nested, the outer transaction holds the write lock already; waiting for the queue
        // while holding it could stall the writer ahead of us.
        return conn.transaction(f);
    }
    let _turn = SQLITE_WRITER.lock().unwrap_or_else(|p| p.into_inner());
    if let DbConnection::Sqlite(c) = conn {
        AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
    }
    type Tm = <DbConnection as Connection>::TransactionManager;
    let locked = Locked::mark();
    let result = f(conn);
    drop(locked);
    match result {
        Ok(v) => {
            Tm::commit_transaction(conn)?;
            Ok(v)
        }
        Err(e) => match Tm::rollback_transaction(conn) {
            Ok(()) | Err(DieselError::BrokenTransactionManager) => Err(e),
            Err(rollback) => Err(rollback.into()),
        },
    }
}

/// Runs one statement that may fail (a conflict the caller handles) without spoiling the
/// transaction it runs in: inside a savepoint on PostgreSQL, where a failed statement aborts the
/// whole transaction; as it is on SQLite, where a failed statement (a constraint, a trigger's
/// `RAISE(ABORT)`) undoes only itself and leaves the transaction going — the savepoint would only
/// cost two more statements.
pub fn may_fail<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> QueryResult<T>,
) -> QueryResult<T> {
    match conn {
        DbConnection::Sqlite(_) => f(conn),
        DbConnection::Pg(_) => conn.transaction(f),
    }
}

/// `CAREPATH_GROUP_COMMIT`: on unless the operator turned it off (to compare).
static GROUP_COMMIT: AtomicBool = AtomicBool::new(true);

pub fn set_group_commit(on: bool) {
    GROUP_COMMIT.store(on, Ordering::Relaxed);
}

/// How many queued writes one SQLite transaction takes at most: enough to amortise `BEGIN
/// IMMEDIATE … COMMIT` under load, few enough that the last in a batch isn't kept long.
const MAX_GROUP: usize = 64;

/// A queued write, type-erased: runs on the leader's connection inside its own savepoint and
/// says whether it succeeded (its typed result goes to its caller through its own cell).
type Job = Box<dyn FnOnce(&mut DbConnection) -> bool + Send>;

/// Where a queued write stands, as its caller sees it.
enum Turn {
    Queued,
    /// The previous leader handed over: this caller runs the next batch.
    Lead,
    /// Its batch ended: `None` when it committed, else why the shared transaction failed.
    Done(Option<String>),
}

struct Ticket {
    turn: Mutex<Turn>,
    wake: Condvar,
}

impl Ticket {
    fn set(&self, turn: Turn) {
        *self.turn.lock().unwrap_or_else(|p| p.into_inner()) = turn;
        self.wake.notify_one();
    }
}

#[derive(Default)]
struct Queue {
    jobs: VecDeque<(Job, Arc<Ticket>)>,
    /// Someone is running (or about to run) a batch.
    leading: bool,
}

/// One queue per database file: writes to different files (a test process opens many) never
/// share a transaction. An entry goes when its queue is empty and nobody leads.
static QUEUES: Mutex<Vec<(String, Queue)>> = Mutex::new(Vec::new());

/// The queue of database `key`, under the lock of all queues.
struct QueueGuard<'k> {
    all: std::sync::MutexGuard<'static, Vec<(String, Queue)>>,
    key: &'k str,
}

impl QueueGuard<'_> {
    fn get(&mut self) -> &mut Queue {
        let at = match self.all.iter().position(|(k, _)| k == self.key) {
            Some(at) => at,
            None => {
                self.all.push((self.key.to_string(), Queue::default()));
                self.all.len() - 1
            }
        };
        &mut self.all[at].1
    }

    /// Forgets the queue once it is idle.
    fn tidy(&mut self) {
        let key = self.key;
        self.all
            .retain(|(k, q)| k != key || q.leading || !q.jobs.is_empty());
    }
}

fn queue(key: &str) -> QueueGuard<'_> {
    QueueGuard {
        all: QUEUES.lock().unwrap_or_else(|p| p.into_inner()),
        key,
    }
}

/// Names the database file this connection writes to (SQLite's own `database_list`).
fn database_key(conn: &mut DbConnection) -> QueryResult<String> {
    #[derive(QueryableByName)]
    struct File {
        #[diesel(sql_type = diesel::sql_types::Text)]
        file: String,
    }
    diesel::sql_query("SELECT file FROM pragma_database_list WHERE name = 'main'")
        .get_result::<File>(conn)
        .map(|f| f.file)
}

/// Runs `f` as one write that may share its SQLite transaction with other writes queued at the
/// same moment (group commit). Each runs inside its own savepoint, so one that fails — a 409,
/// a refused rule — rolls back only itself; every caller gets its answer only after the shared
/// `COMMIT` succeeded (or learns that it failed), so an `Ok` still means committed.
///
/// The first caller to find no batch running leads: it takes the queue, runs it on its own
/// connection in one `BEGIN IMMEDIATE … COMMIT`, wakes each caller, and hands the lead to the
/// first caller queued meanwhile. No thread of its own, no connection of its own.
///
/// `f` may run on another caller's thread and connection, hence `Send + 'static`. PostgreSQL,
/// or a connection already in a transaction, runs it as `write_transaction` does.
pub fn grouped_write<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
) -> Result<T, E>
where
    T: Send + 'static,
    E: From<DieselError> + Send + 'static,
{
    if !matches!(conn, DbConnection::Sqlite(_))
        || super::in_transaction(conn)
        || !GROUP_COMMIT.load(Ordering::Relaxed)
    {
        return write_transaction(conn, f);
    }
    let key = database_key(conn)?;
    if key.is_empty() {
        // An in-memory or temporary database has no name to queue under.
        return write_transaction(conn, f);
    }
    let cell: Arc<Mutex<Option<Result<T, E>>>> = Arc::default();
    let out = cell.clone();
    let job: Job = Box::new(move |c: &mut DbConnection| {
        let r = f(c);
        let ok = r.is_ok();
        *out.lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
        ok
    });
    let ticket = Arc::new(Ticket {
        turn: Mutex::new(Turn::Queued),
        wake: Condvar::new(),
    });
    let lead = {
        let mut g = queue(&key);
        let q = g.get();
        q.jobs.push_back((job, ticket.clone()));
        !std::mem::replace(&mut q.leading, true)
    };
    let mut lead = lead;
    loop {
        if lead {
            run_batches(conn, &key, &ticket);
        }
        let mut turn = ticket.turn.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            match std::mem::replace(&mut *turn, Turn::Queued) {
                Turn::Queued => {
                    turn = ticket.wake.wait(turn).unwrap_or_else(|p| p.into_inner());
                }
                Turn::Lead => {
                    lead = true;
                    break;
                }
                Turn::Done(failed) => {
                    drop(turn);
                    let result = cell.lock().unwrap_or_else(|p| p.into_inner()).take();
                    return match (failed, result) {
                        (None, Some(r)) => r,
                        (Some(why), _) => Err(failure(why).into()),
                        (None, None) => Err(failure("the queued write did not run".into()).into()),
                    };
                }
            }
        }
    }
}

/// The error a caller gets when its batch's transaction failed; the message is kept, so "database
/// is locked" still reads as busy (503).
fn failure(message: String) -> DieselError {
    DieselError::DatabaseError(
        diesel::result::DatabaseErrorKind::Unknown,
        Box::new(message),
    )
}

/// The leader's work: batches until its own write has had its answer, then the lead passes on.
fn run_batches(conn: &mut DbConnection, key: &str, mine: &Arc<Ticket>) {
    loop {
        let batch: Vec<(Job, Arc<Ticket>)> = {
            let mut g = queue(key);
            let q = g.get();
            let n = q.jobs.len().min(MAX_GROUP);
            q.jobs.drain(..n).collect()
        };
        let includes_mine = batch.iter().any(|(_, t)| Arc::ptr_eq(t, mine));
        if !batch.is_empty() {
            run_batch(conn, key, batch);
        }
        let mut g = queue(key);
        let q = g.get();
        if includes_mine || q.jobs.is_empty() {
            // Hand the lead to the first caller still queued, or stand down.
            match q.jobs.front() {
                Some((_, next)) => next.set(Turn::Lead),
                None => {
                    q.leading = false;
                    g.tidy();
                }
            }
            return;
        }
    }
}

/// Batches run, and the size of the last one: for the tests.
#[cfg(test)]
static BATCHES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
#[cfg(test)]
static LAST_BATCH: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// One `BEGIN IMMEDIATE … COMMIT` around the batch, a savepoint around each write.
fn run_batch(conn: &mut DbConnection, key: &str, batch: Vec<(Job, Arc<Ticket>)>) {
    #[cfg(test)]
    {
        BATCHES.fetch_add(1, Ordering::SeqCst);
        LAST_BATCH.store(batch.len(), Ordering::SeqCst);
    }
    let _turn = SQLITE_WRITER.lock().unwrap_or_else(|p| p.into_inner());
    type Tm = <DbConnection as Connection>::TransactionManager;
    let begun = match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
        }
        _ => Tm::begin_transaction(conn),
    };
    if let Err(e) = begun {
        let why = e.to_string();
        for (_, t) in batch {
            t.set(Turn::Done(Some(why.clone())));
        }
        return;
    }
    let locked = matches!(conn, DbConnection::Sqlite(_)).then(Locked::mark);
    // A write alone in its batch (no contention) needs no savepoint: when it fails, the whole
    // transaction rolls back, which undoes only it. Saves two statements per quiet write.
    let alone = batch.len() == 1;
    let mut alone_failed = false;
    let mut ran: Vec<Arc<Ticket>> = Vec::with_capacity(batch.len());
    let mut unrun = batch.into_iter();
    let mut broken: Option<String> = None;
    for (job, ticket) in unrun.by_ref() {
        ran.push(ticket);
        if alone {
            alone_failed = !std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(conn)))
                .unwrap_or(false);
            continue;
        }
        if let Err(e) = Tm::begin_transaction(conn) {
            broken = Some(e.to_string());
            break;
        }
        // A panicking write must not leave the queue without a leader: it counts as failed.
        let ok =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(conn))).unwrap_or(false);
        let closed = if ok {
            Tm::commit_transaction(conn)
        } else {
            Tm::rollback_transaction(conn)
        };
        if let Err(e) = closed {
            broken = Some(e.to_string());
            break;
        }
    }
    drop(locked);
    let outcome = match broken {
        // Its caller reads its own error from its cell; nothing of it is kept.
        None if alone_failed => match Tm::rollback_transaction(conn) {
            Ok(()) | Err(DieselError::BrokenTransactionManager) => Ok(()),
            Err(e) => Err(e.to_string()),
        },
        None => Tm::commit_transaction(conn).map_err(|e| e.to_string()),
        Some(why) => Err(why),
    };
    if outcome.is_err() && !alone_failed {
        let _ = Tm::rollback_transaction(conn);
    }
    let failed = outcome.err();
    for t in ran {
        t.set(Turn::Done(failed.clone()));
    }
    // Writes the broken transaction never reached go back to the head of the queue.
    let rest: Vec<_> = unrun.collect();
    if !rest.is_empty() {
        let mut g = queue(key);
        let q = g.get();
        for item in rest.into_iter().rev() {
            q.jobs.push_front(item);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::sync::mpsc;

    use diesel::connection::SimpleConnection;
    use diesel::sql_types::{BigInt, Text};

    use super::*;
    use crate::db::{DatabaseUrl, Pool, build_pool};

    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        v: String,
    }

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    fn pool(dir: &std::path::Path) -> Pool {
        let url = DatabaseUrl::parse(dir.join("group.db").to_str().unwrap()).unwrap();
        let pool = build_pool(&url, 12).unwrap();
        pool.get()
            .unwrap()
            .batch_execute("CREATE TABLE t (v TEXT NOT NULL UNIQUE)")
            .unwrap();
        pool
    }

    fn insert(c: &mut DbConnection, v: &str) -> QueryResult<usize> {
        diesel::sql_query("INSERT INTO t (v) VALUES (?)")
            .bind::<Text, _>(v)
            .execute(c)
    }

    fn values(pool: &Pool) -> Vec<String> {
        let mut c = pool.get().unwrap();
        diesel::sql_query("SELECT v FROM t ORDER BY v")
            .load::<Row>(&mut *c)
            .unwrap()
            .into_iter()
            .map(|r| r.v)
            .collect()
    }

    fn queued(pool: &Pool) -> usize {
        let key = database_key(&mut pool.get().unwrap()).unwrap();
        queue(&key).get().jobs.len()
    }

    /// A write of two rows; `fail` makes its second insert collide with an existing row, after
    /// the first went in (so a half-written booking would show).
    fn two_rows(
        name: &'static str,
        fail: bool,
    ) -> impl FnOnce(&mut DbConnection) -> Result<&'static str, DieselError> + Send + 'static {
        move |c| {
            insert(c, &format!("{name}-a"))?;
            insert(c, if fail { "existing" } else { name })?;
            Ok(name)
        }
    }

    /// Callers queued while a batch runs share the next one; the one that fails rolls back only
    /// itself, the others commit, and each caller gets its own answer once its batch committed.
    #[test]
    fn a_failing_write_in_a_batch_rolls_back_only_itself() {
        let dir = std::env::temp_dir().join(format!(
            "carepath-group-{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let pool = pool(&dir);
        insert(&mut pool.get().unwrap(), "existing").unwrap();

        // The first caller leads; its write holds the batch open until the others are queued.
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let (started_tx, started_rx) = mpsc::channel::<()>();
        let first = {
            let pool = pool.clone();
            std::thread::spawn(move || {
                let mut c = pool.get().unwrap();
                grouped_write(&mut c, move |c| {
                    insert(c, "first")?;
                    started_tx.send(()).unwrap();
                    release_rx.recv().unwrap();
                    Ok::<_, DieselError>("first")
                })
            })
        };
        started_rx.recv().unwrap();
        let names = ["ok-1", "bad", "ok-2", "ok-3"];
        let others: Vec<_> = names
            .iter()
            .map(|&name| {
                let pool = pool.clone();
                std::thread::spawn(move || {
                    let mut c = pool.get().unwrap();
                    let r = grouped_write(&mut c, two_rows(name, name == "bad"));
                    // An answer means committed: another connection sees it at once.
                    if r.is_ok() {
                        assert!(values(&pool).contains(&name.to_string()));
                    }
                    r
                })
            })
            .collect();
        while queued(&pool) < names.len() {
            std::thread::yield_now();
        }
        let batches_before = BATCHES.load(Ordering::SeqCst);
        release_tx.send(()).unwrap();

        assert_eq!(first.join().unwrap().unwrap(), "first");
        for (name, t) in names.iter().zip(others) {
            let r = t.join().unwrap();
            if *name == "bad" {
                let e = r.unwrap_err();
                assert!(crate::db::is_unique_violation(&e), "{e}");
            } else {
                assert_eq!(r.unwrap(), *name);
            }
        }
        // The four queued writes ran as one transaction, after the leader's own.
        assert_eq!(BATCHES.load(Ordering::SeqCst) - batches_before, 1);
        assert_eq!(LAST_BATCH.load(Ordering::SeqCst), names.len());
        assert_eq!(
            values(&pool),
            [
                "existing", "first", "ok-1", "ok-1-a", "ok-2", "ok-2-a", "ok-3", "ok-3-a"
            ]
        );
        let key = database_key(&mut pool.get().unwrap()).unwrap();
        assert!(!queue(&key).get().leading, "the lead was given up");

        // A write that panics fails alone, and the queue keeps working.
        let mut c = pool.get().unwrap();
        let panicked = grouped_write(&mut c, |c: &mut DbConnection| -> Result<(), DieselError> {
            insert(c, "half")?;
            panic!("a bug in a write");
        });
        assert!(panicked.is_err());
        assert_eq!(
            grouped_write(&mut c, two_rows("after", false)).unwrap(),
            "after"
        );
        let n = diesel::sql_query("SELECT count(*) AS n FROM t WHERE v = 'half'")
            .get_result::<Count>(&mut *c)
            .unwrap()
            .n;
        assert_eq!(n, 0);

        // Many callers at once: every one answered, every success stored exactly once.
        let done = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..40)
            .map(|i| {
                let (pool, done) = (pool.clone(), done.clone());
                std::thread::spawn(move || {
                    let mut c = pool.get().unwrap();
                    let name: &'static str = Box::leak(format!("many-{i:02}").into_boxed_str());
                    let r = grouped_write(&mut c, two_rows(name, i % 7 == 0));
                    assert_eq!(r.is_ok(), i % 7 != 0);
                    done.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(done.load(Ordering::SeqCst), 40);
        let stored = values(&pool)
            .into_iter()
            .filter(|v| v.starts_with("many-"))
            .count();
        assert_eq!(stored, 2 * (0..40).filter(|i| i % 7 != 0).count());
        drop((c, pool));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
