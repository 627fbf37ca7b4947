//! `Core`: the shared parts every domain module and background thread is handed (config, store,
//! event bus, timers, metrics, the account), passed explicitly (no globals).
//!
//! `Core` sits below the domains and knows none of them: it names only the store, the bus, the
//! timer registry, metrics and config. A domain that keeps in-process state (the channels' per-
//! contact locks, the voice hold music) keeps it in its own type, reached through
//! [`Core::state`]; state that belongs to HTTP (rate limits, sign-in sessions) lives in
//! `http::App`, which holds a `Core` and derefs to it.

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
        account_sid: String,
    ) -> Core {
        Core {
            config,
            store,
            bus,
            timers,
            metrics: Metrics::default(),
            account_sid,
            states: Mutex::new(HashMap::new()),
        }
    }

    /// Appends `event` to the outbox inside the caller's write transaction.
    pub fn record(&self, conn: &Connection, event: &NewEvent) -> store::Result<String> {
        store::events::append(conn, &self.account_sid, event)
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
