//! Events: the record of every state change, and the bus that hands them to in-process subscribers.
//!
//! A domain change appends its events to the `events` table in the same transaction as the change
//! (the outbox, `store::events`), so an event exists exactly when its change does. After each
//! commit the dispatcher thread reads the new rows in order and sends them over crossbeam channels
//! to every subscriber. A *durable* subscriber (the janitor, webhook delivery) has a stored cursor:
//! it acknowledges what it handled, and after a crash or restart it is sent everything after its
//! cursor again, so it sees every event at least once (use `seq` or `sid` to de-duplicate).
//! An *ephemeral* subscriber (waiting clients, pages) starts at the newest event.

use crate::store::{self, Store};
use crossbeam_channel::{Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

pub use crate::event::{Event, EventType, NewEvent};

/// How a subscriber is fed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Replays everything after its stored cursor; call `Subscription::ack` after handling.
    Durable,
    /// Starts at the newest event; nothing is replayed.
    Ephemeral,
}

/// A subscriber's end of the bus.
pub struct Subscription {
    pub name: String,
    pub events: Receiver<Arc<Event>>,
    store: Arc<Store>,
}

impl Subscription {
    /// Records that this subscriber has handled every event up to `seq` (durable subscribers).
    pub fn ack(&self, seq: i64) -> store::Result<()> {
        self.store.write(|tx| self.ack_in(tx, seq))
    }

    /// `ack` inside the caller's write, so the work on the events and the cursor commit together.
    pub fn ack_in(&self, tx: &rusqlite::Connection, seq: i64) -> store::Result<()> {
        store::events::set_cursor(tx, &self.name, seq)
    }

    /// Runs this (durable) subscription on a thread of its own, named `thread`, until `stop`:
    /// `handle` sees every event in order and says whether it acted on it. An event acted on is
    /// acknowledged at once (a crash before the ack hands it over again: at least once); the
    /// others are acknowledged together once the bus has been quiet for a second.
    pub fn serve<F>(
        self,
        thread: &str,
        stop: Receiver<()>,
        mut handle: F,
    ) -> std::io::Result<JoinHandle<()>>
    where
        F: FnMut(&Event) -> bool + Send + 'static,
    {
        std::thread::Builder::new()
            .name(thread.into())
            .spawn(move || {
                let mut unacked: Option<i64> = None;
                loop {
                    crossbeam_channel::select! {
                        recv(self.events) -> ev => match ev {
                            Ok(ev) if handle(&ev) => {
                                self.ack_logged(ev.seq);
                                unacked = None;
                            }
                            Ok(ev) => unacked = Some(ev.seq),
                            Err(_) => return,
                        },
                        recv(stop) -> _ => return,
                        default(Duration::from_secs(1)) => {
                            if let Some(seq) = unacked.take() {
                                self.ack_logged(seq);
                            }
                        }
                    }
                }
            })
    }

    fn ack_logged(&self, seq: i64) {
        if let Err(e) = self.ack(seq) {
            log::error!("{}: cannot acknowledge event {seq}: {e}", self.name);
        }
    }
}

struct Subscriber {
    name: String,
    next_seq: i64,
    tx: Sender<Arc<Event>>,
}

/// The dispatcher's registry of subscribers.
pub struct Bus {
    store: Arc<Store>,
    subscribers: Mutex<Vec<Subscriber>>,
    wake_tx: Sender<()>,
    wake_rx: Receiver<()>,
}

impl Bus {
    /// A bus over `store`; it is nudged after every commit.
    pub fn new(store: Arc<Store>) -> Arc<Bus> {
        let (wake_tx, wake_rx) = crossbeam_channel::bounded(1);
        store.add_listener(wake_tx.clone());
        Arc::new(Bus {
            store,
            subscribers: Mutex::new(Vec::new()),
            wake_tx,
            wake_rx,
        })
    }

    /// Adds a subscriber. A durable one with a name seen before resumes after its stored cursor.
    pub fn subscribe(&self, name: &str, delivery: Delivery) -> store::Result<Subscription> {
        let next_seq = match delivery {
            Delivery::Durable => self
                .store
                .read(|c| store::events::cursor(c, name))?
                .map(|seq| seq + 1)
                .unwrap_or(1),
            Delivery::Ephemeral => self.store.read(store::events::max_seq)? + 1,
        };
        let (tx, rx) = crossbeam_channel::unbounded();
        self.subscribers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Subscriber {
                name: name.to_string(),
                next_seq,
                tx,
            });
        let _ = self.wake_tx.try_send(());
        Ok(Subscription {
            name: name.to_string(),
            events: rx,
            store: self.store.clone(),
        })
    }

    /// The dispatcher loop: runs on its own thread until `stop` says so.
    pub fn run(&self, stop: &Receiver<()>) {
        const BATCH: u32 = 500;
        loop {
            crossbeam_channel::select! {
                recv(self.wake_rx) -> _ => {},
                recv(stop) -> _ => return,
                default(Duration::from_secs(1)) => {},
            }
            loop {
                let from = {
                    let subs = self.subscribers.lock().unwrap_or_else(|p| p.into_inner());
                    match subs.iter().map(|s| s.next_seq).min() {
                        Some(min) => min,
                        None => break,
                    }
                };
                let batch = match self
                    .store
                    .read(|c| store::events::after(c, from - 1, BATCH))
                {
                    Ok(b) => b,
                    Err(e) => {
                        log::error!("event dispatcher could not read the outbox: {e}");
                        break;
                    }
                };
                let full = batch.len() as u32 == BATCH;
                let lagging = self.deliver(from, batch);
                if !full && !lagging {
                    break;
                }
            }
        }
    }

    /// Hands `batch` (the events from seq `from` on) to each subscriber that has seen everything
    /// before `from`. A subscriber that joined after `from` was chosen, with an earlier cursor, is
    /// skipped (true is returned): handing it these events would move it past the ones it has
    /// not had yet (a durable subscriber would then ack past them and lose them for good).
    fn deliver(&self, from: i64, batch: Vec<Event>) -> bool {
        let mut subs = self.subscribers.lock().unwrap_or_else(|p| p.into_inner());
        let lagging = subs.iter().any(|s| s.next_seq < from);
        for event in batch.into_iter().map(Arc::new) {
            subs.retain_mut(|s| {
                if event.seq < s.next_seq || s.next_seq < from {
                    return true;
                }
                s.next_seq = event.seq + 1;
                match s.tx.send(event.clone()) {
                    Ok(()) => true,
                    Err(_) => {
                        log::debug!("subscriber {} went away", s.name);
                        false
                    }
                }
            });
        }
        lagging
    }
}
