//! switchboard: a self-hosted contact center in one binary.
//!
//! # Layout
//! - `config`, `logger`, `clock`, `ids`: command line, logging, time, SIDs and secrets.
//! - `outbound`: the outbound HTTP clients the background threads call out with.
//! - `store`: SQLite, the only module with SQL; `schema.sql` migrations; the event outbox.
//! - `events`: the `EventType` enum and the bus that delivers stored events to subscribers.
//! - `timers`: the thread that fires durable timers.
//! - `account`: the appliance's account, Auth Token and API keys.
//! - `core`: `Core`, the shared parts (config, store, bus, timers, clock, metrics, account) passed to every
//!   domain module and thread; below the domains, naming none of them.
//! - `metrics`: Prometheus counters, the latency histogram and scrape-time gauges.
//! - `http`: the connection loop and handler pool, routing, auth, Twilio's wire conventions,
//!   parked requests, the API, the pages under `static/` (`http::web`); `http::App` is the `Core`
//!   plus HTTP's own state (the rate limiter) and derefs to `Core`.
//! - `liquid`: Twilio's Liquid templates (a leaf: validation in `flows` and rendering in `engine`).
//! - `flows`, `engine`: Studio flow definitions and validation; the execution engine (splits).
//! - `routing`: TaskRouter (workspaces, workers, queues, workflows, tasks, reservations, matching).
//! - `channels`: Flex Flows, conversations, sessions, carrier webhook + outbox, web chat, janitor.
//! - `voice`: TwiML for the voice widgets.
//!
//! `start` wires them together and returns a `Running` appliance.

pub mod account;
pub mod callbacks;
pub mod channels;
pub mod clock;
pub mod config;
pub mod core;
pub mod engine;
pub mod event;
pub mod events;
pub mod flows;
pub mod form;
pub mod http;
pub mod ids;
pub mod liquid;
pub mod logger;
pub mod metrics;
pub mod outbound;
pub mod routing;
pub mod schedules;
pub mod states;
pub mod store;
pub mod timers;
pub mod users;
pub mod voice;

use crate::core::Core;
use config::Config;
use http::App;
use std::sync::Arc;
use std::thread::JoinHandle;

/// A started appliance: its HTTP server and background threads.
pub struct Running {
    pub app: Arc<App>,
    pub http: http::HttpServer,
    /// The account was created by this start (so its credentials should be shown).
    pub account_created: bool,
    pub auth_token: String,
    stop_tx: crossbeam_channel::Sender<()>,
    threads: Vec<JoinHandle<()>>,
}

impl Running {
    /// Stops serving, then the background threads.
    pub fn shutdown(self) {
        self.http.stop();
        drop(self.stop_tx);
        for t in self.threads {
            let _ = t.join();
        }
    }
}

/// Opens the store and starts the dispatcher, timer, parking and HTTP threads.
pub fn start(config: Config) -> Result<Running, String> {
    let store = Arc::new(store::Store::open(&config.db, config.sync).map_err(|e| e.message)?);
    let (account, account_created) = account::ensure(&store).map_err(|e| e.message)?;
    let bus = events::Bus::new(store.clone());
    let clock = store.clock().clone();
    let timers = Arc::new(timers::Timers::new(clock.clone()));
    store.add_listener(timers.waker());
    let core = Arc::new(Core::new(
        config,
        store,
        bus,
        timers,
        clock,
        account.sid.clone(),
    ));
    core.metrics
        .register_gauges(|c: &Core| metrics::core_gauges(&c.metrics, &c.store));
    core.metrics
        .register_gauges(|c: &Core| metrics::ops_gauges(&c.store));

    // Every thread stops when `stop_tx` is dropped (its receivers then see a disconnect).
    let (stop_tx, stop_rx) = crossbeam_channel::bounded::<()>(0);
    let mut threads = Vec::new();
    threads.extend(routing::start(&core, stop_rx.clone())?);
    let app = Arc::new(App::new(core.clone()));
    let (parking, parking_thread) = http::park::Parking::start(app.clone(), stop_rx.clone())?;
    threads.push(parking_thread);
    threads.push(spawn("dispatcher", {
        let (core, stop) = (core.clone(), stop_rx.clone());
        move || core.bus.run(&stop)
    })?);
    threads.push(spawn("timers", {
        let (core, stop) = (core.clone(), stop_rx.clone());
        move || core.timers.run(&core, &core.store, &stop)
    })?);
    threads.extend(engine::start(&core, &stop_rx)?);
    threads.extend(voice::start(&core, &stop_rx)?);
    threads.push(callbacks::dialer::start(&core, &stop_rx)?);
    threads.extend(channels::start(&core, &stop_rx)?);
    let http = http::HttpServer::start(app.clone(), parking)?;
    core.state::<engine::http_worker::OwnApi>().set(http.addr);
    Ok(Running {
        app,
        http,
        account_created,
        auth_token: account.auth_token,
        stop_tx,
        threads,
    })
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> Result<JoinHandle<()>, String> {
    std::thread::Builder::new()
        .name(name.to_string())
        .spawn(f)
        .map_err(|e| format!("cannot start the {name} thread: {e}"))
}
