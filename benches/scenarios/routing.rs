//! Scenarios 1 and 2: task create → reservation created, through the library core (the HTTP layer
//! is not what is measured). A workspace with `workers()` available workers (capacity 50 on the
//! default channel, so every new task finds a free one) and a backlog of tasks queued in a queue
//! no worker matches; creator threads call `routing::tasks::create`, which returns after the
//! commit that holds the task, its events, its TTL timer and its reservation.

use crate::percentile_ms;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard::http::App;
use switchboard::routing::{
    queues::{self, QueueParams},
    states::TaskStatus,
    tasks::{self, NewTask},
    workers::{self, WorkerUpdate},
    workflows::{self, WorkflowParams},
    workspaces::{self, WorkspaceParams},
};

/// Workers per workspace (`BENCH_WORKERS` overrides it, e.g. for a profile under callgrind).
pub fn workers() -> usize {
    crate::env_num("BENCH_WORKERS", 1_000) as usize
}
/// Threads creating tasks at once (each waits for its own commit).
pub const CREATORS: usize = 8;
/// Threads used to build the fixture (their writes share commits).
const SETUP_THREADS: usize = 8;
/// Backlog tasks created per write transaction while building the fixture.
const BACKLOG_BATCH: usize = 500;

/// A workspace ready for the scenario.
pub struct Fixture {
    pub ws: String,
    pub backlog: usize,
}

pub struct Outcome {
    pub rate: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub created: u64,
    /// Tasks that came back without a reservation (should be 0).
    pub unreserved: u64,
}

/// Builds a workspace: two queues, a workflow, `workers()` workers (offline while the backlog is
/// created, so backlog routing does not walk them), `backlog` queued tasks, then workers available.
pub fn build(app: &Arc<App>, name: &str, backlog: usize) -> Fixture {
    let ws = workspaces::create(
        app,
        WorkspaceParams {
            friendly_name: Some(name.to_string()),
            multi_task_enabled: Some(true),
            ..Default::default()
        },
    )
    .expect("workspace");
    let activities = app
        .store
        .read(|c| switchboard::store::taskrouter::activities::all(c, &ws.sid))
        .expect("activities");
    let act = |n: &str| {
        activities
            .iter()
            .find(|a| a.friendly_name == n)
            .map(|a| a.sid.clone())
            .expect("activity")
    };
    let (offline, available) = (act("Offline"), act("Available"));
    let queue = |n: &str, target: &str| {
        queues::create(
            app,
            &ws.sid,
            QueueParams {
                friendly_name: Some(n.to_string()),
                target_workers: Some(target.to_string()),
                ..Default::default()
            },
        )
        .expect("queue")
        .sid
    };
    let sales = queue("Sales", "skills HAS 'sales'");
    let nobody = queue("Backlog", "skills HAS 'nobody'");
    let config = json!({"task_routing": {
        "filters": [{"filter_friendly_name": "backlog", "expression": "type == 'backlog'",
                     "targets": [{"queue": nobody}]}],
        "default_filter": {"queue": sales}}});
    workflows::create(
        app,
        &ws.sid,
        WorkflowParams {
            friendly_name: Some("Bench".into()),
            configuration: Some(config.to_string()),
            // Reservations made by one measurement must not time out (and re-route their tasks)
            // during the next ones: expirations are another workload.
            task_reservation_timeout: Some(86_400),
            ..Default::default()
        },
    )
    .expect("workflow");

    // Workers, offline, with capacity 50 on the default channel.
    let worker_sids: Vec<String> = parallel(workers(), |i| {
        let w = workers::create(
            app,
            &ws.sid,
            &format!("agent-{i:04}"),
            Some(json!({"skills": ["sales"], "n": i})),
            Some(&offline),
        )
        .expect("worker");
        workers::update_channel(app, &ws.sid, &w.sid, "default", Some(50), None).expect("capacity");
        w.sid
    });

    // The backlog: queued in a queue no worker matches.
    let batches = backlog.div_ceil(BACKLOG_BATCH);
    parallel(batches, |b| {
        let n = BACKLOG_BATCH.min(backlog - b * BACKLOG_BATCH);
        app.store
            .write(|tx| -> Result<(), switchboard::routing::Error> {
                for i in 0..n {
                    let nt = NewTask {
                        attributes: json!({"type": "backlog", "n": b * BACKLOG_BATCH + i}),
                        ..Default::default()
                    };
                    tasks::create_in(tx, app, &ws.sid, nt)?;
                }
                Ok(())
            })
            .expect("backlog");
    });

    // Workers become available (each is offered the heads of its queues: none waiting).
    parallel(worker_sids.len(), |i| {
        workers::update(
            app,
            &ws.sid,
            &worker_sids[i],
            WorkerUpdate {
                activity_sid: Some(available.clone()),
                ..Default::default()
            },
        )
        .expect("available");
    });
    Fixture {
        ws: ws.sid,
        backlog,
    }
}

/// Creates tasks from `CREATORS` threads for `dur`, each one timed until its commit.
pub fn measure(app: &Arc<App>, f: &Fixture, dur: Duration) -> Outcome {
    let start = Instant::now();
    let threads: Vec<_> = (0..CREATORS)
        .map(|t| {
            let (app, ws) = (app.clone(), f.ws.clone());
            std::thread::spawn(move || {
                let mut lat = Vec::new();
                let mut unreserved = 0u64;
                let mut n = 0u64;
                while start.elapsed() < dur {
                    let began = Instant::now();
                    let task = tasks::create(
                        &app,
                        &ws,
                        NewTask {
                            attributes: json!({"type": "sale", "from": format!("+1555{t:02}{n:06}")}),
                            ..Default::default()
                        },
                    )
                    .expect("create task");
                    lat.push(began.elapsed().as_micros() as u64);
                    if task.assignment_status != TaskStatus::Reserved {
                        unreserved += 1;
                    }
                    n += 1;
                }
                (lat, unreserved)
            })
        })
        .collect();
    let mut lat = Vec::new();
    let mut unreserved = 0;
    for t in threads {
        let (l, u) = t.join().expect("creator");
        lat.extend(l);
        unreserved += u;
    }
    let secs = start.elapsed().as_secs_f64();
    lat.sort_unstable();
    Outcome {
        rate: lat.len() as f64 / secs,
        p50_ms: percentile_ms(&lat, 50.0),
        p99_ms: percentile_ms(&lat, 99.0),
        created: lat.len() as u64,
        unreserved,
    }
}

/// Runs `f(0..n)` on `SETUP_THREADS` threads, results in index order.
fn parallel<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut out: Vec<(usize, T)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..SETUP_THREADS)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= n {
                            return mine;
                        }
                        mine.push((i, f(i)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("setup thread"))
            .collect()
    });
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, v)| v).collect()
}

/// Waits until every durable subscriber has caught up with the outbox (so background work from
/// the fixture does not run during the measurement), at most `limit`.
pub fn wait_quiet(app: &App, limit: Duration) {
    let start = Instant::now();
    while start.elapsed() < limit {
        let behind: i64 = app
            .store
            .read(|c| -> Result<i64, switchboard::store::Error> {
                Ok(c.query_row(
                    "SELECT COALESCE((SELECT MAX(seq) FROM events), 0) -
                            COALESCE((SELECT MIN(seq) FROM subscriber_cursors), 0)",
                    [],
                    |r| r.get(0),
                )?)
            })
            .unwrap_or(0);
        if behind <= 0 {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
