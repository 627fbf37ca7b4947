//! Prometheus metrics: requests by route and status, a request latency histogram, and gauges that
//! domain modules add (tasks by status, queue sizes, outbox backlog…) by registering a function
//! that reads them from the store when `/metrics` is scraped.

use crate::store::Store;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Upper bounds (seconds) of the latency histogram's buckets.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// A gauge family read at scrape time: `(name, help, [(labels, value)])`.
/// `C` is the context a gauge reads from (the appliance's `Core`), a parameter so that this
/// module sits below the one that holds it.
pub type GaugeFn<C> = fn(&C) -> Vec<Gauge>;

pub struct Gauge {
    pub name: &'static str,
    pub help: &'static str,
    /// Label pairs, e.g. `[("status", "pending")]`.
    pub labels: Vec<(&'static str, String)>,
    pub value: f64,
}

/// Route pattern → status → count.
type ByRoute = BTreeMap<String, BTreeMap<u16, u64>>;

pub struct Metrics<C> {
    /// Method → route pattern → status → count; nested so that counting a request allocates nothing
    /// once its labels have been seen (iterates in the same order as a map keyed by the triple).
    requests: Mutex<BTreeMap<String, ByRoute>>,
    buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_us: AtomicU64,
    gauges: Mutex<Vec<GaugeFn<C>>>,
    /// Requests parked right now (long-polls waiting off the pool), set by the parking thread.
    parked: AtomicU64,
}

impl<C> Default for Metrics<C> {
    fn default() -> Self {
        Metrics {
            requests: Mutex::default(),
            buckets: Default::default(),
            latency_count: AtomicU64::default(),
            latency_sum_us: AtomicU64::default(),
            gauges: Mutex::default(),
            parked: AtomicU64::default(),
        }
    }
}

impl<C> Metrics<C> {
    /// Counts one request against its route pattern (not its path, so SIDs don't explode labels).
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        if !requests.contains_key(method) {
            requests.insert(method.to_string(), BTreeMap::new());
        }
        let Some(routes) = requests.get_mut(method) else {
            return;
        };
        if !routes.contains_key(route) {
            routes.insert(route.to_string(), BTreeMap::new());
        }
        let Some(statuses) = routes.get_mut(route) else {
            return;
        };
        *statuses.entry(status).or_default() += 1;
        drop(requests);
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_sum_us
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    }

    pub fn set_parked(&self, n: usize) {
        self.parked.store(n as u64, Ordering::Relaxed);
    }

    pub fn register_gauges(&self, f: GaugeFn<C>) {
        self.gauges
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(f);
    }

    /// The text exposition format.
    pub fn render(&self, ctx: &C) -> String {
        let mut out = String::new();
        out.push_str("# HELP switchboard_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE switchboard_http_requests_total counter\n");
        let requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        let rows = requests.iter().flat_map(|(method, routes)| {
            routes.iter().flat_map(move |(route, statuses)| {
                statuses
                    .iter()
                    .map(move |(status, n)| (method, route, status, n))
            })
        });
        for (method, route, status, n) in rows {
            let _ = writeln!(
                out,
                "switchboard_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        drop(requests);
        out.push_str("# HELP switchboard_http_request_duration_seconds Request latency.\n");
        out.push_str("# TYPE switchboard_http_request_duration_seconds histogram\n");
        for (i, bound) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "switchboard_http_request_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                self.buckets[i].load(Ordering::Relaxed)
            );
        }
        let count = self.latency_count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "switchboard_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            out,
            "switchboard_http_request_duration_seconds_sum {}",
            self.latency_sum_us.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(
            out,
            "switchboard_http_request_duration_seconds_count {count}"
        );
        let fns: Vec<GaugeFn<C>> = self
            .gauges
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let mut seen = std::collections::HashSet::new();
        for f in fns {
            for g in f(ctx) {
                if seen.insert(g.name) {
                    let _ = writeln!(out, "# HELP {} {}\n# TYPE {} gauge", g.name, g.help, g.name);
                }
                let labels: Vec<String> = g
                    .labels
                    .iter()
                    .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
                    .collect();
                if labels.is_empty() {
                    let _ = writeln!(out, "{} {}", g.name, g.value);
                } else {
                    let _ = writeln!(out, "{}{{{}}} {}", g.name, labels.join(","), g.value);
                }
            }
        }
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Gauges the foundation owns: the event outbox and timers.
pub fn core_gauges<C>(metrics: &Metrics<C>, store: &Store) -> Vec<Gauge> {
    let mut g = vec![Gauge {
        name: "switchboard_parked_requests",
        help: "Requests parked off the pool (long-polls waiting for an event or their deadline).",
        labels: vec![],
        value: metrics.parked.load(Ordering::Relaxed) as f64,
    }];
    if let Ok((events, due)) = store.read(crate::store::events::backlog_stats) {
        g.push(Gauge {
            name: "switchboard_events_total",
            help: "Events stored in the outbox.",
            labels: vec![],
            value: events as f64,
        });
        g.push(Gauge {
            name: "switchboard_timers_pending",
            help: "Durable timers waiting to fire.",
            labels: vec![],
            value: due as f64,
        });
    }
    g
}

/// Operations gauges (issue 9): tasks by status, reservations, queue sizes, outbox backlog,
/// webhook failures.
pub fn ops_gauges(store: &Store) -> Vec<Gauge> {
    use crate::store::ops_metrics as m;
    let mut g = Vec::new();
    let family = |g: &mut Vec<Gauge>,
                  name: &'static str,
                  help: &'static str,
                  label: &'static str,
                  rows: Vec<(String, i64)>| {
        for (l, n) in rows {
            g.push(Gauge {
                name,
                help,
                labels: vec![(label, l)],
                value: n as f64,
            });
        }
    };
    if let Ok(rows) = store.read(m::tasks_by_status) {
        family(
            &mut g,
            "switchboard_tasks",
            "TaskRouter tasks by assignment status.",
            "status",
            rows,
        );
    }
    if let Ok(rows) = store.read(m::reservations_by_status) {
        family(
            &mut g,
            "switchboard_reservations",
            "Open reservations by status.",
            "status",
            rows,
        );
    }
    if let Ok(rows) = store.read(m::queue_sizes) {
        family(
            &mut g,
            "switchboard_queue_pending_tasks",
            "Pending tasks per task queue.",
            "queue",
            rows,
        );
    }
    if let Ok(rows) = store.read(m::webhook_failures) {
        family(
            &mut g,
            "switchboard_webhook_failures",
            "Recorded webhook and outbound failures by event type.",
            "event_type",
            rows,
        );
    }
    if let Ok(n) = store.read(m::outbox_backlog) {
        g.push(Gauge {
            name: "switchboard_outbox_backlog",
            help: "Events not yet acknowledged by the slowest durable subscriber.",
            labels: vec![],
            value: n as f64,
        });
    }
    g
}
