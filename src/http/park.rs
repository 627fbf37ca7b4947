//! Parked requests: long-polls and other waiting clients hold no pool thread.
//!
//! A handler that has nothing to answer yet returns `Outcome::Park` with the topics (SIDs) it
//! waits on, a deadline and a `check` closure. The pool thread hands the request's `Responder`
//! (its connection's id and the connection thread's inbox) to the parking thread and goes back to
//! serving. The parking thread subscribes to the event bus: when
//! an event names one of a waiter's topics it runs `check` again; at the deadline it runs `check`
//! with `timed_out = true`. What changes no stored state (typing, `channels::typing`) wakes the
//! waiters on a topic through a nudge instead of an event. Thousands of waiters cost a closure
//! and a socket each, not a thread.
//! A client that goes away while parked is closed by the connection thread; the answer sent for
//! it later is dropped there.

use super::conn_responder::Responder;
use super::error::ApiError;
use super::request::Reply;
use crate::events::{Delivery, Event};
use crate::http::App;
use crossbeam_channel::{Receiver, Sender};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub type Check = Box<dyn FnMut(&App, bool) -> Option<Result<Reply, ApiError>> + Send>;

/// A request waiting for something to happen.
pub struct Parked {
    pub topics: Vec<String>,
    pub deadline: Instant,
    /// Answers the request (`Some`) or keeps it waiting (`None`); must answer when `timed_out`.
    pub check: Check,
}

impl Parked {
    pub fn new(topics: Vec<String>, wait: Duration, check: Check) -> Parked {
        Parked {
            topics,
            deadline: Instant::now() + wait,
            check,
        }
    }
}

struct Waiter {
    request: Responder,
    parked: Parked,
}

/// The parking thread's inbox.
#[derive(Clone)]
pub struct Parking {
    tx: Sender<(Responder, Parked)>,
    count: Arc<std::sync::atomic::AtomicUsize>,
}

impl Parking {
    /// Starts the parking thread over `app`'s bus.
    pub fn start(
        app: Arc<App>,
        stop: Receiver<()>,
    ) -> Result<(Parking, std::thread::JoinHandle<()>), String> {
        let (tx, rx) = crossbeam_channel::unbounded();
        let sub = app
            .bus
            .subscribe("parking", Delivery::Ephemeral)
            .map_err(|e| e.to_string())?;
        // Typing indicators change no stored state: their module tells us which conversation's
        // typing moved, and the waiters on it look again.
        let nudges = app.state::<crate::channels::typing::Typing>().watch();
        let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count2 = count.clone();
        let handle = std::thread::Builder::new()
            .name("parking".into())
            .spawn(move || run(&app, rx, sub.events, nudges, stop, count2))
            .map_err(|e| e.to_string())?;
        Ok((Parking { tx, count }, handle))
    }

    pub fn park(&self, request: Responder, parked: Parked) {
        if let Err(e) = self.tx.send((request, parked)) {
            let (request, _) = e.into_inner();
            super::respond(
                request,
                &Reply::error(&ApiError::unavailable("shutting down")),
            );
        }
    }

    /// How many requests wait right now.
    pub fn waiting(&self) -> usize {
        self.count.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// The SIDs an event concerns: its resource, its workspace, and every `…Sid` field of its data.
pub fn topics_of(event: &Event) -> Vec<String> {
    let mut t = vec![event.resource_sid.clone()];
    if let Some(ws) = &event.workspace_sid {
        t.push(ws.clone());
    }
    if let Some(obj) = event.data.as_object() {
        for (k, v) in obj {
            if k.ends_with("Sid") || k.ends_with("_sid") {
                if let Some(s) = v.as_str() {
                    t.push(s.to_string());
                }
            }
        }
    }
    t
}

fn run(
    app: &App,
    inbox: Receiver<(Responder, Parked)>,
    events: Receiver<Arc<Event>>,
    nudges: Receiver<String>,
    stop: Receiver<()>,
    count: Arc<std::sync::atomic::AtomicUsize>,
) {
    let mut next_id: u64 = 0;
    let mut waiters: HashMap<u64, Waiter> = HashMap::new();
    let mut by_topic: HashMap<String, HashSet<u64>> = HashMap::new();
    let tick = crossbeam_channel::tick(Duration::from_millis(100));
    loop {
        let mut ready: Vec<(u64, bool)> = Vec::new();
        crossbeam_channel::select! {
            recv(inbox) -> msg => {
                // The pool stopped (the server is stopping): nothing more will park.
                let Ok((request, parked)) = msg else { return shut(waiters) };
                next_id += 1;
                for t in &parked.topics {
                    by_topic.entry(t.clone()).or_default().insert(next_id);
                }
                waiters.insert(next_id, Waiter { request, parked });
                // Something may have happened between the handler's look and now: look again.
                ready.push((next_id, false));
            }
            recv(events) -> ev => {
                let Ok(ev) = ev else { return };
                let mut ids: HashSet<u64> = HashSet::new();
                for t in topics_of(&ev) {
                    if let Some(set) = by_topic.get(&t) {
                        ids.extend(set.iter().copied());
                    }
                }
                ready.extend(ids.into_iter().map(|id| (id, false)));
            }
            recv(nudges) -> topic => {
                let Ok(topic) = topic else { return };
                if let Some(set) = by_topic.get(&topic) {
                    ready.extend(set.iter().map(|id| (*id, false)));
                }
            }
            recv(tick) -> _ => {
                let now = Instant::now();
                ready.extend(waiters.iter().filter(|(_, w)| w.parked.deadline <= now).map(|(id, _)| (*id, true)));
                // Clients that went away while parked are forgotten (nobody reads their answer).
                let gone: Vec<u64> = waiters.iter().filter(|(_, w)| w.request.is_gone()).map(|(id, _)| *id).collect();
                for id in gone {
                    if let Some(w) = waiters.remove(&id) {
                        forget(&mut by_topic, id, &w.parked.topics);
                    }
                }
            }
            recv(stop) -> _ => return shut(waiters),
        }
        for (id, timed_out) in ready {
            let Some(mut w) = waiters.remove(&id) else {
                continue;
            };
            let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                (w.parked.check)(app, timed_out)
            }))
            .unwrap_or_else(|_| Some(Err(ApiError::internal())));
            let reply = match (answer, timed_out) {
                (Some(result), _) => result.unwrap_or_else(|e| Reply::error(&e)),
                (None, true) => Reply::no_content(),
                (None, false) => {
                    waiters.insert(id, w);
                    continue;
                }
            };
            forget(&mut by_topic, id, &w.parked.topics);
            super::respond(w.request, &reply);
        }
        count.store(waiters.len(), std::sync::atomic::Ordering::Relaxed);
        app.metrics.set_parked(waiters.len());
    }
}

/// Removes waiter `id` from the topic index.
fn forget(by_topic: &mut HashMap<String, HashSet<u64>>, id: u64, topics: &[String]) {
    for t in topics {
        if let Some(set) = by_topic.get_mut(t) {
            set.remove(&id);
            if set.is_empty() {
                by_topic.remove(t);
            }
        }
    }
}

/// Answers every waiter 503: the server is stopping.
fn shut(waiters: HashMap<u64, Waiter>) {
    for (_, w) in waiters {
        super::respond(
            w.request,
            &Reply::error(&ApiError::unavailable("shutting down")),
        );
    }
}
