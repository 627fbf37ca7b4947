//! WAL checkpoints off the commit path.
//!
//! SQLite's automatic checkpoint runs inside the commit that crosses `wal_autocheckpoint` pages:
//! the group-commit leader then copies the WAL into the database file and `fsync`s it while every
//! other writer waits (stack samples of the task-create benchmark showed the leader in
//! `walCheckpoint → unixSync` in half of them). Here a thread of its own, with its own
//! connection, runs a PASSIVE checkpoint shortly after commits instead; PASSIVE never blocks
//! writers or readers, so commits no longer wait for the database file's flush.
//!
//! PASSIVE alone cannot bound the WAL under steady load: the log only starts over when a writer
//! finds every frame copied, and new commits land while the checkpoint runs. So once the WAL holds
//! `RESTART_FRAMES` after a PASSIVE pass, a RESTART checkpoint runs on the writer connection
//! itself (between two group commits, so writers wait on the writer mutex rather than in SQLite's
//! sleeping busy handler): it copies the few frames left and the next commit starts the log over.
//!
//! The writer keeps a high automatic threshold (`SAFETY_NET_PAGES`) in case this thread is not
//! running (a library user that opens a `Store` without `start`) or falls far behind.

use super::{open_connection, Result, Store};
use crossbeam_channel::{Receiver, RecvTimeoutError};
use rusqlite::Connection;
use std::sync::Arc;
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

/// Starts the checkpoint thread; it stops (after a final TRUNCATE checkpoint) when `stop`
/// disconnects.
pub fn start(store: Arc<Store>, stop: Receiver<()>) -> Result<std::thread::JoinHandle<()>> {
    let conn = open_connection(store.path(), store.sync)?;
    let (tx, commits) = crossbeam_channel::bounded(1);
    store.add_listener(tx);
    std::thread::Builder::new()
        .name("checkpoint".into())
        .spawn(move || run_loop(&store, &conn, &commits, &stop))
        .map_err(|e| super::Error::internal(format!("cannot start the checkpoint thread: {e}")))
}

fn run_loop(store: &Store, conn: &Connection, commits: &Receiver<()>, stop: &Receiver<()>) {
    let mut last = Instant::now();
    loop {
        crossbeam_channel::select! {
            recv(commits) -> _ => {},
            recv(stop) -> _ => break,
        }
        // Let the commits of the next moment gather into the same checkpoint.
        let wait = INTERVAL.saturating_sub(last.elapsed());
        match stop.recv_timeout(wait) {
            Err(RecvTimeoutError::Timeout) => {}
            _ => break,
        }
        match run(conn, Mode::Passive) {
            Ok(o) if o.wal_frames >= RESTART_FRAMES => {
                if let Err(e) = store.with_writer(|w| run(w, Mode::Restart)) {
                    log::warn!("WAL restart checkpoint failed: {e}");
                }
            }
            Ok(_) => {}
            Err(e) => log::warn!("WAL checkpoint failed: {e}"),
        }
        last = Instant::now();
    }
    match run(conn, Mode::Truncate) {
        Ok(o) if o.busy => log::debug!("final WAL checkpoint was partial: {o:?}"),
        Ok(_) => {}
        Err(e) => log::warn!("final WAL checkpoint failed: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Error, Sync};

    #[test]
    fn commits_are_checkpointed_by_the_thread_not_the_writer() {
        let dir = std::env::temp_dir().join(format!("switchboard-ckpt-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("c.db");
        let store = Arc::new(Store::open(&db, Sync::Normal).unwrap());
        let (stop_tx, stop_rx) = crossbeam_channel::bounded::<()>(0);
        let handle = start(store.clone(), stop_rx).unwrap();
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
        // Far below the writer's own threshold: only the thread can have copied these pages
        // into the database file.
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::fs::metadata(&db).unwrap().len() < 50 * 4096 {
            assert!(Instant::now() < deadline, "the database file never grew");
            std::thread::sleep(Duration::from_millis(50));
        }
        drop(stop_tx);
        handle.join().unwrap();
        // The final checkpoint truncated the WAL.
        let wal = std::fs::metadata(dir.join("c.db-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
        assert_eq!(wal, 0);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
