//! The timer thread: fires due items (reservation timeouts, task TTLs, waits for a reply, retries)
//! from due times stored in SQLite (`store::timers`), so timers survive a restart.
//!
//! Domain modules register one handler per `TimerKind` at start-up and schedule timers inside
//! their write transactions with `timers::schedule`. A handler must be idempotent: a crash right
//! after it committed but before its timer row was removed runs it again.
//!
//! "Due" is read from the appliance's [`Clock`]; moving it (a test build's `advance`) wakes the
//! thread, so a timer due in 30 s fires right after a 30 s advance.

use crate::clock::Clock;
use crate::store::{self, timers::TimerRow, Store};
use crossbeam_channel::{Receiver, Sender};
use rusqlite::Connection;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// What a timer does when it fires; stored by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimerKind {
    ReservationTimeout,
    TaskTtl,
    WorkflowTargetTimeout,
    ExecutionWait,
    ExecutionIdle,
    WebhookDelivery,
    OutboundMessage,
    ChatSessionExpiry,
    AutoAccept,
    AutoWrapup,
}

impl TimerKind {
    pub const ALL: &'static [TimerKind] = &[
        TimerKind::ReservationTimeout,
        TimerKind::TaskTtl,
        TimerKind::WorkflowTargetTimeout,
        TimerKind::ExecutionWait,
        TimerKind::ExecutionIdle,
        TimerKind::WebhookDelivery,
        TimerKind::OutboundMessage,
        TimerKind::ChatSessionExpiry,
        TimerKind::AutoAccept,
        TimerKind::AutoWrapup,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TimerKind::ReservationTimeout => "reservation-timeout",
            TimerKind::TaskTtl => "task-ttl",
            TimerKind::WorkflowTargetTimeout => "workflow-target-timeout",
            TimerKind::ExecutionWait => "execution-wait",
            TimerKind::ExecutionIdle => "execution-idle",
            TimerKind::WebhookDelivery => "webhook-delivery",
            TimerKind::OutboundMessage => "outbound-message",
            TimerKind::ChatSessionExpiry => "chat-session-expiry",
            TimerKind::AutoAccept => "auto-accept",
            TimerKind::AutoWrapup => "auto-wrapup",
        }
    }

    pub fn parse(s: &str) -> Option<TimerKind> {
        TimerKind::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}

/// Sets (or moves) the `kind` timer of `target` to fire at `due_at` (Unix ms), in the caller's
/// transaction.
pub fn schedule(
    conn: &Connection,
    kind: TimerKind,
    target: &str,
    due_at: i64,
    data: &serde_json::Value,
) -> store::Result<()> {
    store::timers::schedule(conn, kind.as_str(), target, due_at, data)
}

/// Removes the `kind` timer of `target`, in the caller's transaction.
pub fn cancel(conn: &Connection, kind: TimerKind, target: &str) -> store::Result<()> {
    store::timers::cancel(conn, kind.as_str(), target)
}

/// A timer handler; `C` is the context it is handed (the appliance's `Core`), a parameter so
/// that this module sits below the one that holds it.
pub type Handler<C> = Arc<dyn Fn(&C, &TimerRow) -> Result<(), String> + Send + Sync>;

/// The handler registry, the clock due times are read from, and the thread's wake-up channel.
pub struct Timers<C> {
    handlers: RwLock<HashMap<TimerKind, Handler<C>>>,
    clock: Clock,
    wake_tx: Sender<()>,
    wake_rx: Receiver<()>,
}

/// The longest a failed timer waits before its next try.
const MAX_BACKOFF_MS: i64 = 5 * 60 * 1000;

impl<C> Timers<C> {
    /// A registry whose thread reads "now" from `clock` and wakes when it is moved.
    pub fn new(clock: Clock) -> Self {
        let (wake_tx, wake_rx) = crossbeam_channel::bounded(1);
        clock.wake_on_move(wake_tx.clone());
        Timers {
            handlers: RwLock::new(HashMap::new()),
            clock,
            wake_tx,
            wake_rx,
        }
    }

    /// The sender the store nudges after each commit, so a newly scheduled timer is seen at once.
    pub fn waker(&self) -> Sender<()> {
        self.wake_tx.clone()
    }

    pub fn register(
        &self,
        kind: TimerKind,
        handler: impl Fn(&C, &TimerRow) -> Result<(), String> + Send + Sync + 'static,
    ) {
        self.handlers
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(kind, Arc::new(handler));
    }

    /// The timer loop; runs on its own thread until `stop` is signalled.
    pub fn run(&self, ctx: &C, store: &Store, stop: &Receiver<()>) {
        loop {
            let now = self.clock.now_ms();
            let mut wait = match store.read(store::timers::next_due) {
                Ok(Some(due)) => (due - now).clamp(0, 60_000),
                Ok(None) => 60_000,
                Err(e) => {
                    log::error!("timer thread could not read timers: {e}");
                    1_000
                }
            };
            // The store's WAL checkpoints ride on this thread (it wakes after every commit).
            if let Some(due) = store.checkpointer.run_if_due(store) {
                wait = wait.min(due.as_millis() as i64 + 1);
            }
            if wait > 0 {
                crossbeam_channel::select! {
                    recv(self.wake_rx) -> _ => continue,
                    recv(stop) -> _ => {
                        store.checkpointer.finish(store);
                        return;
                    }
                    default(Duration::from_millis(wait as u64)) => {},
                }
            }
            self.fire_due(ctx, store);
        }
    }

    /// Fires every timer due now; returns how many ran.
    pub fn fire_due(&self, ctx: &C, store: &Store) -> usize {
        let now = self.clock.now_ms();
        let due = match store.read(|c| store::timers::due(c, now, 200)) {
            Ok(d) => d,
            Err(e) => {
                log::error!("timer thread could not read due timers: {e}");
                return 0;
            }
        };
        let count = due.len();
        for timer in due {
            self.fire(ctx, store, &timer);
        }
        count
    }

    fn fire(&self, ctx: &C, store: &Store, timer: &TimerRow) {
        let handler = TimerKind::parse(&timer.kind).and_then(|k| {
            self.handlers
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .get(&k)
                .cloned()
        });
        let outcome = match handler {
            Some(h) => catch_unwind(AssertUnwindSafe(|| h(ctx, timer)))
                .unwrap_or_else(|_| Err("the handler panicked".to_string())),
            None => Err(format!("no handler for timer kind {}", timer.kind)),
        };
        let result = store.write(|tx| match &outcome {
            Ok(()) => store::timers::delete_if_due(tx, timer.id, timer.due_at),
            Err(e) => {
                let backoff = (1000i64 << timer.attempts.clamp(0, 20)).min(MAX_BACKOFF_MS);
                log::warn!(
                    "timer {} {} failed (attempt {}): {e}; retrying in {} ms",
                    timer.kind,
                    timer.target,
                    timer.attempts + 1,
                    backoff
                );
                store::timers::retry_later(tx, timer.id, self.clock.now_ms() + backoff)
            }
        });
        if let Err(e) = result {
            log::error!(
                "timer {} {} could not be updated: {e}",
                timer.kind,
                timer.target
            );
        }
    }
}
