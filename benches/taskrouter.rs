//! TaskRouter benchmark (issue 3, for issue 8): `cargo bench --bench taskrouter`.
//!
//! In-process against the domain API (no HTTP), on a temp database at `synchronous=NORMAL`:
//! 1,000 workers and 10,000 queued tasks. Printed beside the raw SQLite commit rate (floor A:
//! single-row INSERT transactions) measured in the same run:
//! 1. creating 10,000 tasks nobody can take yet (the backlog grows from 0 to 10,000);
//! 2. 1,000 workers becoming available, each taking the head of the backlog;
//! 3. task create → reservation created, with the 10,000-task backlog in place and free
//!    workers outside it (the reservation is made inside the create transaction);
//! 4. accept + complete → the freed worker's next reservation from the 10,000 backlog.
//!
//! `BENCH_TASKS` and `BENCH_WORKERS` override the sizes.

use std::time::{Duration, Instant};
use switchboard::config::Config;
use switchboard::routing::states::TaskStatus;
use switchboard::routing::tasks::{self, NewTask};
use switchboard::routing::workers::{self, WorkerUpdate};
use switchboard::routing::{queues, reservations, workflows, workspaces};
use switchboard::store::Sync;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p / 100.0).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn report(name: &str, mut lat: Vec<Duration>, total: Duration, floor: f64) {
    lat.sort();
    let rate = lat.len() as f64 / total.as_secs_f64();
    println!(
        "{name:<58} {:>7.0} ops/s  p50 {:>6.2}ms  p99 {:>6.2}ms  ({:.1}% of floor A {:.0} tx/s)",
        rate,
        percentile(&lat, 50.0),
        percentile(&lat, 99.0),
        100.0 * rate / floor,
        floor
    );
}

fn sqlite_floor(dir: &std::path::Path) -> f64 {
    let conn = rusqlite::Connection::open(dir.join("floor.db")).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
    conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, sid TEXT, body TEXT, at INTEGER)")
        .unwrap();
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs(2) {
        conn.execute(
            "INSERT INTO t (sid, body, at) VALUES (?1, ?2, ?3)",
            rusqlite::params![format!("WT{n:032x}"), "{\"k\":\"v\"}", n as i64],
        )
        .unwrap();
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let n_tasks = env("BENCH_TASKS", 10_000);
    let n_workers = env("BENCH_WORKERS", 1_000);
    let dir = std::env::temp_dir().join(format!("switchboard-bench-tr-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let floor = sqlite_floor(&dir);
    let mut config = Config::new("127.0.0.1:0", dir.join("tr.db"));
    config.sync = Sync::Normal;
    let running = switchboard::start(config).expect("start");
    let app = running.app.clone();
    let ws = app
        .store
        .read(workspaces::default_sid)
        .unwrap()
        .expect("default workspace");
    let (offline, available) = app
        .store
        .read(|c| -> switchboard::routing::Result<_> {
            let acts = switchboard::store::taskrouter::activities::all(c, &ws)?;
            let find = |n: &str| {
                acts.iter()
                    .find(|a| a.friendly_name == n)
                    .unwrap()
                    .sid
                    .clone()
            };
            Ok((find("Offline"), find("Available")))
        })
        .unwrap();
    let backlog_q = queues::create(
        &app,
        &ws,
        queues::QueueParams {
            friendly_name: Some("backlog".into()),
            target_workers: Some("pool == 'backlog'".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let live_q = queues::create(
        &app,
        &ws,
        queues::QueueParams {
            friendly_name: Some("live".into()),
            target_workers: Some("pool == 'live'".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let cfg =
        |q: &str| format!("{{\"task_routing\":{{\"default_filter\":{{\"queue\":\"{q}\"}}}}}}");
    let wf = |name: &str, q: &str| {
        workflows::create(
            &app,
            &ws,
            workflows::WorkflowParams {
                friendly_name: Some(name.into()),
                configuration: Some(cfg(q)),
                ..Default::default()
            },
        )
        .unwrap()
        .sid
    };
    let backlog_wf = wf("backlog", &backlog_q.sid);
    let live_wf = wf("live", &live_q.sid);
    let mut backlog_workers = Vec::new();
    for i in 0..n_workers {
        let attrs = serde_json::json!({"pool": "backlog", "n": i});
        backlog_workers.push(
            workers::create(&app, &ws, &format!("b{i}"), Some(attrs), Some(&offline))
                .unwrap()
                .sid,
        );
    }
    println!("TaskRouter benchmark: {n_workers} workers, {n_tasks} queued tasks (debug builds are ~10x slower)");

    // 1. The backlog: tasks nobody can take yet.
    let mut lat = Vec::with_capacity(n_tasks);
    let start = Instant::now();
    for i in 0..n_tasks {
        let t0 = Instant::now();
        tasks::create(
            &app,
            &ws,
            NewTask {
                workflow_sid: Some(backlog_wf.clone()),
                attributes: serde_json::json!({"i": i, "customer": {"tier": "gold"}}),
                priority: Some((i % 3) as i64),
                ..Default::default()
            },
        )
        .unwrap();
        lat.push(t0.elapsed());
    }
    let tail: Vec<Duration> = lat[lat.len() * 9 / 10..].to_vec();
    report(
        "1. create a task into a growing backlog (0 → N)",
        lat,
        start.elapsed(),
        floor,
    );
    let mut tail_sorted = tail;
    tail_sorted.sort();
    println!(
        "   last 10% of creates (backlog ≥ {}): p50 {:.2}ms",
        n_tasks * 9 / 10,
        percentile(&tail_sorted, 50.0)
    );

    // 2. Workers become available and take the head of the backlog.
    let mut lat = Vec::with_capacity(n_workers);
    let start = Instant::now();
    for w in &backlog_workers {
        let t0 = Instant::now();
        workers::update(
            &app,
            &ws,
            w,
            WorkerUpdate {
                activity_sid: Some(available.clone()),
                ..Default::default()
            },
        )
        .unwrap();
        lat.push(t0.elapsed());
    }
    report(
        "2. worker becomes available → reserves the backlog head",
        lat,
        start.elapsed(),
        floor,
    );

    // 3. create → reservation with the backlog in place: free workers in another queue.
    let mut live_workers = Vec::new();
    for i in 0..n_workers.min(200) {
        let attrs = serde_json::json!({"pool": "live", "n": i});
        live_workers.push(
            workers::create(&app, &ws, &format!("l{i}"), Some(attrs), Some(&available))
                .unwrap()
                .sid,
        );
    }
    let rounds = n_tasks.min(2_000);
    let threads = env("BENCH_THREADS", 8);
    let lat = std::sync::Mutex::new(Vec::with_capacity(rounds));
    let start = Instant::now();
    std::thread::scope(|scope| {
        for th in 0..threads {
            let (app, ws, live_wf, lat) = (&app, &ws, &live_wf, &lat);
            scope.spawn(move || {
                for i in (th..rounds).step_by(threads) {
                    let t0 = Instant::now();
                    let t = tasks::create(
                        app,
                        ws,
                        NewTask {
                            workflow_sid: Some(live_wf.clone()),
                            attributes: serde_json::json!({"i": i}),
                            ..Default::default()
                        },
                    )
                    .unwrap();
                    lat.lock().unwrap().push(t0.elapsed());
                    assert_eq!(
                        t.assignment_status,
                        TaskStatus::Reserved,
                        "no free worker took the task"
                    );
                    // The agent's side (also timed in the throughput): accept, then complete.
                    let r = app
                        .store
                        .read(|c| switchboard::store::taskrouter::reservations::of_task(c, &t.sid))
                        .unwrap()
                        .remove(0);
                    reservations::update(
                        app,
                        ws,
                        reservations::Scope::Task(&t.sid),
                        &r.sid,
                        reservations::ReservationUpdate {
                            status: Some("accepted".into()),
                            ..Default::default()
                        },
                    )
                    .unwrap();
                    tasks::update_status(app, &t.sid, TaskStatus::Completed, None).unwrap();
                }
            });
        }
    });
    let elapsed = start.elapsed();
    let lat = lat.into_inner().unwrap();
    println!("   ({threads} threads; each round is create + accept + complete, 3 transactions)");
    report(
        "3. task create → reservation created (backlog in place)",
        lat,
        elapsed,
        floor,
    );

    // 4. Accept + complete a backlog reservation → the worker's next reservation.
    let rounds = n_workers.min(n_tasks);
    let mut lat = Vec::with_capacity(rounds);
    let start = Instant::now();
    for w in backlog_workers.iter().take(rounds) {
        let r = app
            .store
            .read(|c| {
                switchboard::store::taskrouter::reservations::of_worker_in(
                    c,
                    w,
                    switchboard::routing::states::ReservationStatus::Pending,
                )
            })
            .unwrap();
        let Some(r) = r.into_iter().next() else {
            continue;
        };
        let t0 = Instant::now();
        reservations::update(
            &app,
            &ws,
            reservations::Scope::Worker(w),
            &r.sid,
            reservations::ReservationUpdate {
                status: Some("accepted".into()),
                ..Default::default()
            },
        )
        .unwrap();
        tasks::update_status(&app, &r.task_sid, TaskStatus::Completed, None).unwrap();
        lat.push(t0.elapsed());
    }
    report(
        "4. accept + complete → next backlog reservation",
        lat,
        start.elapsed(),
        floor,
    );
    running.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
}
