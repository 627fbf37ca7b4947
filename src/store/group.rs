//! Group commit: many threads' writes share one transaction and one `fsync`.
//!
//! A caller of `Store::write` queues its closure and waits. Whoever finds no batch running becomes
//! the leader: it takes every queued closure (up to `MAX_BATCH`), runs each inside its own
//! SAVEPOINT of one IMMEDIATE transaction — a closure that fails or panics is rolled back to its
//! savepoint alone — commits once, and wakes the callers. A caller is answered only after the
//! batch holding its write has committed, so acknowledged writes are durable at `sync=full`
//! while the disk sees one flush per batch instead of one per write.
//!
//! The closures borrow from their callers' stacks. They are run on the leader's thread through a
//! pointer whose lifetime is erased; that is sound because every caller stays blocked in `run`
//! until the leader has finished with its closure (the same argument as scoped threads).

use super::error::{Error, Result};
use super::lock;
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::any::Any;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Condvar, Mutex};

/// The most writes one transaction carries, bounding how long a batch holds the writer.
const MAX_BATCH: usize = 256;

/// A queued write: runs in the batch's transaction and says whether it succeeded.
pub type JobFn<'a> = dyn FnMut(&Transaction) -> bool + Send + 'a;

/// How a queued write ended.
pub enum Completion {
    /// Its batch committed; a write that failed was rolled back to its savepoint alone.
    Committed,
    /// Its batch could not commit (or begin): nothing of it was written.
    Failed(Error),
    /// The closure panicked; its savepoint was rolled back. The caller resumes the panic.
    Panicked(Box<dyn Any + Send>),
}

struct Job {
    id: u64,
    f: *mut JobFn<'static>,
}

// The pointer is only dereferenced while its owner is blocked in `run` (see the module docs).
unsafe impl Send for Job {}

#[derive(Default)]
struct State {
    queue: Vec<Job>,
    leading: bool,
    done: HashMap<u64, Completion>,
    next_id: u64,
}

#[derive(Default)]
pub struct GroupCommit {
    state: Mutex<State>,
    wake: Condvar,
}

impl GroupCommit {
    /// Queues `job`, and returns once the batch that ran it has committed (or failed).
    pub fn run(&self, writer: &Mutex<Connection>, job: &mut JobFn<'_>) -> Completion {
        // SAFETY: the pointer is used only by the leader before this call returns, and this call
        // returns only after the leader recorded the job's completion (see the module docs).
        let f: *mut JobFn<'static> = unsafe { std::mem::transmute(job as *mut JobFn<'_>) };
        let mut st = lock(&self.state);
        let id = st.next_id;
        st.next_id += 1;
        st.queue.push(Job { id, f });
        loop {
            if let Some(done) = st.done.remove(&id) {
                return done;
            }
            if !st.leading {
                st.leading = true;
                let take = st.queue.len().min(MAX_BATCH);
                let batch: Vec<Job> = st.queue.drain(..take).collect();
                drop(st);
                let completions = execute(writer, batch);
                st = lock(&self.state);
                st.done.extend(completions);
                st.leading = false;
                self.wake.notify_all();
                continue;
            }
            st = self.wake.wait(st).unwrap_or_else(|p| p.into_inner());
        }
    }
}

/// Runs a batch in one transaction; every job gets a completion, whatever happens.
fn execute(writer: &Mutex<Connection>, batch: Vec<Job>) -> Vec<(u64, Completion)> {
    let mut conn = lock(writer);
    let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => return fail_all(batch.iter().map(|j| j.id), Error::from(e)),
    };
    let mut outcomes: Vec<(u64, Option<Box<dyn Any + Send>>)> = Vec::with_capacity(batch.len());
    for (i, job) in batch.iter().enumerate() {
        if let Err(e) = run_cached(&tx, &["SAVEPOINT job"]) {
            return abort(&batch[i..], outcomes, Error::from(e));
        }
        // SAFETY: see `Job`; the owner of `job.f` is blocked in `run`.
        let f = unsafe { &mut *job.f };
        let result = catch_unwind(AssertUnwindSafe(|| f(&tx)));
        let (ok, panic) = match result {
            Ok(ok) => (ok, None),
            Err(p) => (false, Some(p)),
        };
        let end: &[&str] = if ok {
            &["RELEASE job"]
        } else {
            &["ROLLBACK TO job", "RELEASE job"]
        };
        if let Err(e) = run_cached(&tx, end) {
            outcomes.push((job.id, panic));
            return abort(&batch[i + 1..], outcomes, Error::from(e));
        }
        outcomes.push((job.id, panic));
    }
    let committed: Result<()> = tx.commit().map_err(Error::from);
    outcomes
        .into_iter()
        .map(|(id, panic)| match (panic, &committed) {
            (Some(p), _) => (id, Completion::Panicked(p)),
            (None, Ok(())) => (id, Completion::Committed),
            (None, Err(e)) => (id, Completion::Failed(e.clone())),
        })
        .collect()
}

/// Runs savepoint statements through the connection's statement cache: preparing them anew for
/// every write was a tenth of the instructions of a task create (callgrind).
fn run_cached(tx: &Transaction, statements: &[&str]) -> rusqlite::Result<()> {
    for sql in statements {
        tx.prepare_cached(sql)?.execute([])?;
    }
    Ok(())
}

/// The transaction is unusable: it rolls back (on drop) and every job learns why.
fn abort(
    rest: &[Job],
    ran: Vec<(u64, Option<Box<dyn Any + Send>>)>,
    e: Error,
) -> Vec<(u64, Completion)> {
    let mut out: Vec<(u64, Completion)> = ran
        .into_iter()
        .map(|(id, panic)| match panic {
            Some(p) => (id, Completion::Panicked(p)),
            None => (id, Completion::Failed(e.clone())),
        })
        .collect();
    out.extend(fail_all(rest.iter().map(|j| j.id), e));
    out
}

fn fail_all(ids: impl Iterator<Item = u64>, e: Error) -> Vec<(u64, Completion)> {
    ids.map(|id| (id, Completion::Failed(e.clone()))).collect()
}

#[cfg(test)]
mod tests {
    use crate::store::{Error, Store, Sync};
    use std::sync::Arc;

    fn temp_store(tag: &str) -> (Arc<Store>, std::path::PathBuf) {
        let dir =
            std::env::temp_dir().join(format!("switchboard-group-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::open(&dir.join("g.db"), Sync::Full).unwrap();
        store
            .write(|tx| -> Result<(), Error> {
                tx.execute_batch("CREATE TABLE t (n INTEGER PRIMARY KEY)")?;
                Ok(())
            })
            .unwrap();
        (Arc::new(store), dir)
    }

    #[test]
    fn concurrent_writes_commit_and_failures_roll_back_alone() {
        let (store, dir) = temp_store("mix");
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let store = store.clone();
                std::thread::spawn(move || {
                    let mut panics = 0;
                    for i in 0..50 {
                        let n = t * 1000 + i;
                        let outcome =
                            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                store.write(|tx| -> Result<i64, Error> {
                                    tx.execute("INSERT INTO t (n) VALUES (?1)", [n])?;
                                    if n % 7 == 0 {
                                        return Err(Error::internal("refused on purpose"));
                                    }
                                    if n % 11 == 0 {
                                        panic!("a writer panics on purpose");
                                    }
                                    Ok(n)
                                })
                            }));
                        match outcome {
                            Ok(Ok(v)) => assert_eq!(v, n),
                            Ok(Err(_)) => assert_eq!(n % 7, 0),
                            Err(_) => panics += 1,
                        }
                    }
                    panics
                })
            })
            .collect();
        let panics: i32 = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert!(panics > 0);
        let rows: Vec<i64> = store
            .read(|c| -> Result<Vec<i64>, Error> {
                let mut st = c.prepare("SELECT n FROM t ORDER BY n")?;
                let rows = st.query_map([], |r| r.get(0))?;
                Ok(rows.collect::<rusqlite::Result<Vec<i64>>>()?)
            })
            .unwrap();
        let expected: Vec<i64> = (0..8)
            .flat_map(|t| (0..50).map(move |i| t * 1000 + i))
            .filter(|n| n % 7 != 0 && n % 11 != 0)
            .collect();
        assert_eq!(rows, expected);
        let _ = std::fs::remove_dir_all(dir);
    }
}
