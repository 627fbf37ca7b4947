//! WAL checkpoints off the commit path.
//!
//! SQLite's automatic checkpoint runs inside the commit that crosses `wal_autocheckpoint` pages:
//! the group-commit leader then copies the WAL into the database file and `fsync`s it while every
//! other writer waits (stack samples of the task-create benchmark showed the leader in
//! `walCheckpoint → unixSync` in half of them). Instead the timer thread, which is woken after
//! every commit anyway, calls `Checkpointer::run_if_due`: at most every `INTERVAL` after commits
//! it runs a PASSIVE checkpoint on a connection of its own, which never blocks writers or readers.
//!
//! PASSIVE alone cannot bound the WAL under steady load: the log only starts over when a writer
//! finds every frame copied, and new commits land while the checkpoint runs. So once the WAL holds
//! `RESTART_FRAMES` after a PASSIVE pass, a RESTART checkpoint runs on the writer connection
//! itself (between two group commits, so writers wait on the writer mutex rather than in SQLite's
//! sleeping busy handler): it copies the few frames left and the next commit starts the log over.
//!
//! The writer keeps a high automatic threshold (`SAFETY_NET_PAGES`) for a `Store` used without
//! the timer thread (benchmarks of the bare store) or a checkpoint that falls far behind.

use super::{lock, Result, Store};
use rusqlite::Connection;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Commits arriving closer together than this share one checkpoint.
const INTERVAL: Duration = Duration::from_millis(100);

/// The writer's own automatic checkpoint threshold (pages), far above what this thread lets the
/// WAL reach; a backstop, not the normal path.
pub const SAFETY_NET_PAGES: i64 = 16_384;

/// WAL frames above which the thread restarts the log (4 KiB pages: 16 MiB).
const RESTART_FRAMES: i64 = 4_096;

/// How big the WAL file may stay after it is reset (bytes).
pub const JOURNAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;

/// What one checkpoint did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Another connection held a lock the checkpoint needed (PASSIVE: it did what it could).
    pub busy: bool,
    /// Frames in the WAL.
    pub wal_frames: i64,
    /// Frames copied into the database file (all of them once readers let go).
    pub checkpointed: i64,
}

/// How thoroughly to checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Copies what it can without waiting for anyone.
    Passive,
    /// Waits for writers and readers, copies everything; the next commit restarts the log.
    Restart,
    /// Waits for readers, copies everything and truncates the WAL file (at shutdown).
    Truncate,
}

impl Mode {
    fn as_sql(self) -> &'static str {
        match self {
            Mode::Passive => "PRAGMA wal_checkpoint(PASSIVE)",
            Mode::Restart => "PRAGMA wal_checkpoint(RESTART)",
            Mode::Truncate => "PRAGMA wal_checkpoint(TRUNCATE)",
        }
    }
}

/// Runs one checkpoint on `conn`.
pub fn run(conn: &Connection, mode: Mode) -> Result<Outcome> {
    Ok(conn.query_row(mode.as_sql(), [], |r| {
        Ok(Outcome {
            busy: r.get::<_, i64>(0)? != 0,
            wal_frames: r.get(1)?,
            checkpointed: r.get(2)?,
        })
    })?)
}

/// The checkpoint schedule: a connection of its own, and whether commits await a checkpoint.
pub struct Checkpointer {
    conn: Mutex<Connection>,
    state: Mutex<Schedule>,
}

struct Schedule {
    last: Instant,
    pending: bool,
}

impl Checkpointer {
    pub(super) fn new(conn: Connection) -> Checkpointer {
        Checkpointer {
            conn: Mutex::new(conn),
            state: Mutex::new(Schedule {
                last: Instant::now(),
                pending: false,
            }),
        }
    }

    /// A commit happened: a checkpoint is owed.
    pub(super) fn note_commit(&self) {
        lock(&self.state).pending = true;
    }

    /// Checkpoints if one is owed and `INTERVAL` has passed since the last; otherwise says how
    /// long until one is due (`None`: nothing is owed).
    pub fn run_if_due(&self, store: &Store) -> Option<Duration> {
        {
            let mut st = lock(&self.state);
            if !st.pending {
                return None;
            }
            let since = st.last.elapsed();
            if since < INTERVAL {
                return Some(INTERVAL - since);
            }
            st.pending = false;
            st.last = Instant::now();
        }
        if let Err(e) = self.checkpoint(store) {
            log::warn!("WAL checkpoint failed: {e}");
        }
        None
    }

    fn checkpoint(&self, store: &Store) -> Result<()> {
        let o = run(&lock(&self.conn), Mode::Passive)?;
        if o.wal_frames >= RESTART_FRAMES {
            store.with_writer(|w| run(w, Mode::Restart))?;
        }
        Ok(())
    }

    /// Copies everything and truncates the WAL (at shutdown); readers still open make it partial.
    pub fn finish(&self, store: &Store) {
        match store.with_writer(|w| run(w, Mode::Truncate)) {
            Ok(o) if o.busy => log::debug!("final WAL checkpoint was partial: {o:?}"),
            Ok(_) => {}
            Err(e) => log::warn!("final WAL checkpoint failed: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Error, Sync};

    #[test]
    fn commits_are_checkpointed_on_schedule_not_by_the_writer() {
        let dir = std::env::temp_dir().join(format!("switchboard-ckpt-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("c.db");
        let store = Store::open(&db, Sync::Normal).unwrap();
        assert_eq!(
            store.checkpointer.run_if_due(&store),
            None,
            "nothing owed yet"
        );
        store
            .write(|tx| -> std::result::Result<(), Error> {
                tx.execute_batch("CREATE TABLE t (n INTEGER PRIMARY KEY, pad TEXT)")?;
                Ok(())
            })
            .unwrap();
        for i in 0..200 {
            store
                .write(|tx| -> std::result::Result<(), Error> {
                    tx.execute(
                        "INSERT INTO t (n, pad) VALUES (?1, ?2)",
                        rusqlite::params![i, "x".repeat(2000)],
                    )?;
                    Ok(())
                })
                .unwrap();
        }
        // Far below the writer's own threshold: the database file has not grown yet.
        assert!(std::fs::metadata(&db).unwrap().len() < 50 * 4096);
        let deadline = Instant::now() + Duration::from_secs(5);
        while let Some(wait) = store.checkpointer.run_if_due(&store) {
            assert!(wait <= INTERVAL);
            assert!(Instant::now() < deadline);
            std::thread::sleep(wait);
        }
        assert!(std::fs::metadata(&db).unwrap().len() >= 50 * 4096);
        assert_eq!(
            store.checkpointer.run_if_due(&store),
            None,
            "nothing owed after it"
        );
        store.checkpointer.finish(&store);
        let wal = std::fs::metadata(dir.join("c.db-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
        assert_eq!(wal, 0, "the final checkpoint truncates the WAL");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
