//! `App`: the appliance's shared parts, passed explicitly to every handler and thread (no globals).

use crate::config::Config;
use crate::events::{Bus, NewEvent};
use crate::store::{self, Store};
use crate::timers::Timers;
use rusqlite::Connection;
use std::sync::Arc;

pub struct App {
    pub config: Config,
    pub store: Arc<Store>,
    pub bus: Arc<Bus>,
    pub timers: Arc<Timers>,
    pub metrics: crate::metrics::Metrics,
    /// Per-source limit on the public routes marked `limited()`.
    pub public_limiter: crate::http::limits::RateLimiter,
    /// The appliance's one account; its SID never changes (the token may rotate, so it is read
    /// from the store when checked).
    pub account_sid: String,
    /// The channels layer's in-process state (per-contact routing locks).
    pub channels: crate::channels::Shared,
}

impl App {
    /// Appends `event` to the outbox inside the caller's write transaction.
    pub fn record(&self, conn: &Connection, event: &NewEvent) -> store::Result<String> {
        store::events::append(conn, &self.account_sid, event)
    }
}
