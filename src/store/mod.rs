//! The store: the only module that knows SQL. Every other module calls the typed functions of the
//! per-aggregate files below, inside `Store::read` or `Store::write`.
//!
//! One writer connection behind a mutex runs each `write` as a single `BEGIN IMMEDIATE`
//! transaction, so a state change and the events describing it commit together (the outbox).
//! Readers use a small pool of their own connections (WAL lets them run beside the writer).
//! After every commit the store nudges its listeners (the event dispatcher, the timer thread)
//! through bounded crossbeam channels; a nudge never blocks.

pub mod accounts;
pub mod callbacks;
pub mod channels;
pub mod checkpoint;
pub mod desk;
pub mod error;
pub mod events;
pub mod group;
pub mod migrate;
pub mod ops_metrics;
pub mod schedules;
pub mod sessions;
pub mod space;
pub mod studio;
pub mod taskrouter;
pub mod timers;
pub mod transcripts;
pub mod users;
pub mod voice;

pub use error::{Error, ErrorKind, Result};

use crossbeam_channel::Sender;
use rusqlite::{Connection, OpenFlags, Transaction};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

pub use crate::config::Sync;

pub struct Store {
    path: PathBuf,
    sync: Sync,
    writer: Mutex<Connection>,
    group: group::GroupCommit,
    readers: Mutex<Vec<Connection>>,
    listeners: Mutex<Vec<Sender<()>>>,
    /// WAL checkpoints, run by the timer thread after commits.
    pub checkpointer: checkpoint::Checkpointer,
    /// The appliance's clock (`Core::clock` is the same one), for callers that hold only the store.
    clock: crate::clock::Clock,
}

/// How long a connection waits for a lock held by another process before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_IDLE_READERS: usize = 16;

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path, sync: Sync) -> Result<Store> {
        let mut writer = open_connection(path, sync)?;
        // Checkpoints run on the timer thread (`checkpoint`); the writer's own is a backstop.
        writer.pragma_update(None, "wal_autocheckpoint", checkpoint::SAFETY_NET_PAGES)?;
        writer.pragma_update(None, "journal_size_limit", checkpoint::JOURNAL_SIZE_LIMIT)?;
        migrate::migrate(&mut writer)?;
        Ok(Store {
            path: path.to_path_buf(),
            sync,
            writer: Mutex::new(writer),
            group: group::GroupCommit::default(),
            readers: Mutex::new(Vec::new()),
            listeners: Mutex::new(Vec::new()),
            checkpointer: checkpoint::Checkpointer::new(open_connection(path, sync)?),
            clock: crate::clock::Clock::system(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The appliance's clock, for callers that hold only the store (the account, System Checkup).
    pub fn clock(&self) -> &crate::clock::Clock {
        &self.clock
    }

    /// Registers a channel nudged (without blocking) after every committed write.
    pub fn add_listener(&self, tx: Sender<()>) {
        lock(&self.listeners).push(tx);
    }

    /// Runs `f` inside one immediate transaction and returns once it has committed; an `Err` (or a
    /// panic) rolls back everything `f` wrote. Concurrent writes are committed together in one
    /// transaction (group commit, `store::group`), each inside its own savepoint.
    pub fn write<T, E, F>(&self, f: F) -> std::result::Result<T, E>
    where
        F: FnOnce(&Transaction) -> std::result::Result<T, E> + Send,
        T: Send,
        E: From<Error> + Send,
    {
        let mut f = Some(f);
        let mut slot: Option<std::result::Result<T, E>> = None;
        let mut job = |tx: &Transaction| -> bool {
            let Some(f) = f.take() else { return false };
            let result = f(tx);
            let ok = result.is_ok();
            slot = Some(result);
            ok
        };
        let completion = self.group.run(&self.writer, &mut job);
        let result = match completion {
            group::Completion::Committed => {
                slot.unwrap_or_else(|| Err(Error::internal("a write did not run").into()))
            }
            group::Completion::Failed(e) => match slot {
                Some(Err(own)) => Err(own),
                _ => Err(e.into()),
            },
            group::Completion::Panicked(p) => std::panic::resume_unwind(p),
        };
        if result.is_ok() {
            self.checkpointer.note_commit();
            for listener in lock(&self.listeners).iter() {
                let _ = listener.try_send(());
            }
        }
        result
    }

    /// Runs `f` on the writer connection between two group commits (no write is in flight).
    fn with_writer<T>(&self, f: impl FnOnce(&Connection) -> T) -> T {
        f(&lock(&self.writer))
    }

    /// Runs `f` on a read connection; it sees a consistent snapshot if it starts a transaction.
    pub fn read<T, E>(
        &self,
        f: impl FnOnce(&Connection) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        E: From<Error>,
    {
        let conn = match lock(&self.readers).pop() {
            Some(c) => c,
            None => open_connection(&self.path, self.sync)?,
        };
        let result = f(&conn);
        let mut readers = lock(&self.readers);
        if readers.len() < MAX_IDLE_READERS {
            readers.push(conn);
        }
        result
    }

    /// Copies the live database to `dest` with SQLite's online backup (safe while serving).
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        self.read(|conn: &Connection| -> Result<()> {
            conn.backup(rusqlite::DatabaseName::Main, dest, None)?;
            Ok(())
        })
    }
}

/// Replaces the database at `dest` with the backup at `src` (which must be a switchboard database),
/// then brings it to the latest schema.
pub fn restore(src: &Path, dest: &Path, sync: Sync) -> Result<()> {
    let check = Connection::open_with_flags(src, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let version = migrate::current_version(&check)?;
    let has_account = accounts::the_account(&check).is_ok_and(|a| a.is_some());
    if version == 0 || !has_account {
        return Err(Error::new(
            ErrorKind::Internal,
            format!("{} is not a switchboard backup", src.display()),
        ));
    }
    drop(check);
    let mut conn = open_connection(dest, sync)?;
    conn.restore(
        rusqlite::DatabaseName::Main,
        src,
        None::<fn(rusqlite::backup::Progress)>,
    )?;
    migrate::migrate(&mut conn)?;
    users::audit_command(
        &conn,
        crate::clock::wall_ms(),
        crate::states::AuditKind::Setting,
        ("", "Database"),
        &format!(
            "restore: the database was replaced by the backup {}",
            src.display()
        ),
    )?;
    Ok(())
}

/// A poisoned mutex only means a handler panicked while holding it; SQLite rolled its work back.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn open_connection(path: &Path, sync: Sync) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", sync.as_str())?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Statement journals (one per group-commit savepoint) stay in memory: spilled, each commit
    // created, wrote and unlinked a temp file. They only undo a savepoint inside a transaction,
    // so durability is unchanged (a crash rolls back the open transaction through the WAL).
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.set_prepared_statement_cache_capacity(128);
    Ok(conn)
}

/// Reads an optional row: `QueryReturnedNoRows` becomes `None`.
pub fn optional<T>(r: rusqlite::Result<T>) -> Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A page of rows as list endpoints ask for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub offset: u64,
    pub limit: u32,
}

impl Window {
    /// SQL's `LIMIT` asks for one row more than the page, so callers learn whether a next page exists.
    pub fn sql_limit(&self) -> i64 {
        i64::from(self.limit) + 1
    }

    pub fn sql_offset(&self) -> i64 {
        self.offset.min(i64::MAX as u64) as i64
    }
}

/// Rows of one page plus whether more follow.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_more: bool,
}

impl<T> Page<T> {
    /// Trims the extra row fetched by `Window::sql_limit`.
    pub fn from_rows(mut items: Vec<T>, window: Window) -> Page<T> {
        let has_more = items.len() > window.limit as usize;
        items.truncate(window.limit as usize);
        Page { items, has_more }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            has_more: self.has_more,
        }
    }
}
