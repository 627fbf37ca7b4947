//! switchboard: a self-hosted contact center in one binary.
//!
//! # Layout
//! - `config`, `logger`, `clock`, `ids`: command line, logging, time, SIDs and secrets.
//! - `outbound`: the outbound HTTP clients the background threads call out with.
//! - `store`: SQLite, the only module with SQL; `schema.sql` migrations; the event outbox.
//! - `events`: the `EventType` enum and the bus that delivers stored events to subscribers.
//! - `timers`: the thread that fires durable timers.
//! - `account`: the appliance's account, Auth Token and API keys.
//! - `app`: `App`, the shared parts passed to handlers and threads.
//! - `metrics`: Prometheus counters, the latency histogram and scrape-time gauges.
//! - `http`: the connection loop and handler pool, routing, auth, Twilio's wire conventions,
//!   parked requests, the API.
//! - `flows`, `engine`: Studio flow definitions and validation; the execution engine (Liquid, splits).
//! - `routing`: TaskRouter (workspaces, workers, queues, workflows, tasks, reservations, matching).
//! - `channels`: Flex Flows, conversations, sessions, carrier webhook + outbox, web chat, janitor.
//! - `voice`: TwiML for the voice widgets.
//! - `web`: the pages under `static/`, compiled in.
//!
//! `start` wires them together and returns a `Running` appliance.

pub mod account;
pub mod app;
pub mod channels;
pub mod clock;
pub mod config;
pub mod engine;
pub mod events;
pub mod flows;
pub mod http;
pub mod ids;
pub mod logger;
pub mod metrics;
pub mod outbound;
pub mod routing;
pub mod store;
pub mod timers;
pub mod voice;
pub mod web;

use app::App;
use config::Config;
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
    let timers = Arc::new(timers::Timers::default());
    store.add_listener(timers.waker());
    let app = Arc::new(App {
        store,
        bus,
        timers,
        metrics: metrics::Metrics::default(),
        public_limiter: http::limits::RateLimiter::new(config.public_burst, config.public_rate),
        account_sid: account.sid.clone(),
        channels: channels::Shared::default(),
        config,
    });
    app.metrics.register_gauges(metrics::core_gauges);
    app.metrics.register_gauges(metrics::ops_gauges);

    // Every thread stops when `stop_tx` is dropped (its receivers then see a disconnect).
    let (stop_tx, stop_rx) = crossbeam_channel::bounded::<()>(0);
    let mut threads = Vec::new();
    threads.extend(routing::start(&app, stop_rx.clone())?);
    let (parking, parking_thread) = http::park::Parking::start(app.clone(), stop_rx.clone())?;
    threads.push(parking_thread);
    threads.push(spawn("dispatcher", {
        let (app, stop) = (app.clone(), stop_rx.clone());
        move || app.bus.run(&stop)
    })?);
    threads.push(spawn("timers", {
        let (app, stop) = (app.clone(), stop_rx.clone());
        move || app.timers.run(&app, &stop)
    })?);
    threads.extend(engine::start(&app, &stop_rx)?);
    threads.extend(voice::start(&app, &stop_rx)?);
    threads.extend(channels::start(&app, &stop_rx)?);
    let http = http::HttpServer::start(app.clone(), parking)?;
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
