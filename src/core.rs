//! `Core`: the shared parts every domain module and background thread is handed (config, store,
//! event bus, timers, the clock, metrics, the account), passed explicitly (no globals). Every
//! "now" a domain reads is `Core::now_ms` (the injected [`Clock`]), so a test build can move time.
//!
//! `Core` sits below the domains and knows none of them: it names only the store, the bus, the
//! timer registry, metrics and config. A domain that keeps in-process state (the channels' per-
//! contact locks, the voice hold music) keeps it in its own type, reached through
//! [`Core::state`]; state that belongs to HTTP (rate limits, sign-in sessions) lives in
//! `http::App`, which holds a `Core` and derefs to it.

use crate::clock::Clock;
use crate::config::Config;
use crate::events::{Bus, NewEvent};
use crate::metrics::Metrics;
use crate::store::{self, Store};
use crate::timers::Timers;
use rusqlite::Connection;
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub struct Core {
    pub config: Config,
    pub store: Arc<Store>,
    pub bus: Arc<Bus>,
    pub timers: Arc<Timers<Core>>,
    /// The one source of "now" (see [`Core::now_ms`]); the timer thread reads the same clock.
    pub clock: Clock,
    pub metrics: Metrics<Core>,
    /// The appliance's one account; its SID never changes (the token may rotate, so it is read
    /// from the store when checked).
    pub account_sid: String,
    /// Each domain's in-process state, one value per type (see [`Core::state`]).
    states: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl Core {
    pub fn new(
        config: Config,
        store: Arc<Store>,
        bus: Arc<Bus>,
        timers: Arc<Timers<Core>>,
        clock: Clock,
        account_sid: String,
    ) -> Core {
        Core {
            config,
            store,
            bus,
            timers,
            clock,
            metrics: Metrics::default(),
            account_sid,
            states: Mutex::new(HashMap::new()),
        }
    }

    /// Milliseconds since the Unix epoch by the appliance's clock: the "now" of every due time,
    /// timestamp and expiry.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Appends `event` to the outbox inside the caller's write transaction.
    pub fn record(&self, conn: &Connection, event: &NewEvent) -> store::Result<String> {
        store::events::append(conn, &self.account_sid, event, self.now_ms())
    }

    /// The domain state of type `T` (made with `T::default()` on first use): a domain's own
    /// in-process state lives in its own type, so `Core` never names the domain.
    pub fn state<T: Any + Send + Sync + Default>(&self) -> Arc<T> {
        let mut states = self.states.lock().unwrap_or_else(|p| p.into_inner());
        let any = states
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Arc::new(T::default()))
            .clone();
        match any.downcast::<T>() {
            Ok(t) => t,
            // Unreachable: the map is keyed by the value's own type.
            Err(_) => Arc::new(T::default()),
        }
    }
}
