//! Issue 3 (TaskRouter): 50 workers and 500 tasks created and accepted concurrently. Afterwards an
//! invariant check over the database: every task completed, none assigned twice, and — replaying
//! the reservation events in commit order — no worker ever held more reservations on a channel
//! than its capacity.

mod common;
#[path = "common/taskrouter.rs"]
mod tr;
use common::*;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tr::Tr;

const WORKERS: usize = 50;
const TASKS: usize = 500;
const CREATORS: usize = 4;
const AGENTS: usize = 6;
const CHAT_CAPACITY: i64 = 2;

#[test]
fn fifty_workers_five_hundred_tasks_concurrently_keep_every_invariant() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "load");
    // Two reservations per task, so workers race to accept the same task.
    let q = tr.queue("all", "1==1", &[("MaxReservedWorkers", "2")]);
    let wf = tr.simple_workflow(&q);
    let workers: Vec<String> = (0..WORKERS)
        .map(|i| tr.worker(&format!("w{i}"), json!({"n": i})))
        .collect();
    for w in &workers {
        s.post(
            &tr.path(&format!("/Workers/{w}/Channels/chat")),
            &[("Capacity", &CHAT_CAPACITY.to_string())],
        )
        .expect(200);
    }
    let started = Instant::now();
    let completed = AtomicUsize::new(0);
    let lost_races = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for c in 0..CREATORS {
            let (tr, wf) = (&tr, &wf);
            scope.spawn(move || {
                for i in (c..TASKS).step_by(CREATORS) {
                    let channel = if i % 2 == 0 { "chat" } else { "default" };
                    tr.task(wf, json!({"i": i}), &[("TaskChannel", channel)]);
                }
            });
        }
        for a in 0..AGENTS {
            let (tr, s, workers, completed, lost) = (&tr, &s, &workers, &completed, &lost_races);
            scope.spawn(move || {
                let mine: Vec<&String> = workers.iter().skip(a).step_by(AGENTS).collect();
                let deadline = Instant::now() + Duration::from_secs(120);
                while completed.load(Ordering::SeqCst) < TASKS {
                    assert!(Instant::now() < deadline, "agents did not finish");
                    let mut idle = true;
                    for w in &mine {
                        for r in tr.reservations_of_worker(w, "pending") {
                            idle = false;
                            let task = r["task_sid"].as_str().unwrap();
                            let path = tr.path(&format!(
                                "/Workers/{w}/Reservations/{}",
                                r["sid"].as_str().unwrap()
                            ));
                            let resp = s.post(&path, &[("ReservationStatus", "accepted")]);
                            match resp.status {
                                200 => {
                                    s.post(
                                        &tr.path(&format!("/Tasks/{task}")),
                                        &[("AssignmentStatus", "completed")],
                                    )
                                    .expect(200);
                                    completed.fetch_add(1, Ordering::SeqCst);
                                }
                                // Another worker accepted the task first: this reservation was rescinded.
                                400 | 404 => {
                                    lost.fetch_add(1, Ordering::SeqCst);
                                }
                                other => panic!("accept answered {other}: {}", resp.text()),
                            }
                        }
                    }
                    if idle {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                }
            });
        }
    });
    let elapsed = started.elapsed();
    println!(
        "{TASKS} tasks through {WORKERS} workers in {elapsed:?} ({:.0} tasks/s); {} accept races lost",
        TASKS as f64 / elapsed.as_secs_f64(),
        lost_races.load(Ordering::SeqCst)
    );
    check_invariants(&s.db, &tr.ws);
}

fn check_invariants(db: &std::path::Path, ws: &str) {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let statuses: Vec<(String, i64)> = conn
        .prepare(
            "SELECT assignment_status, COUNT(*) FROM tr_tasks WHERE workspace_sid = ?1 GROUP BY 1",
        )
        .unwrap()
        .query_map([ws], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(statuses, vec![("completed".to_string(), TASKS as i64)]);
    let twice: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM (SELECT task_sid FROM tr_reservations WHERE workspace_sid = ?1
               AND status IN ('accepted','wrapping','completed') GROUP BY task_sid HAVING COUNT(*) > 1)",
            [ws],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(twice, 0, "tasks assigned more than once");
    let accepted: i64 = conn
        .query_row("SELECT COUNT(*) FROM events WHERE workspace_sid = ?1 AND event_type = 'reservation.accepted'", [ws], |r| r.get(0))
        .unwrap();
    assert_eq!(accepted, TASKS as i64);
    // Replay reservation events in commit order: held reservations per (worker, channel).
    let mut held: HashMap<(String, String), i64> = HashMap::new();
    let mut peak = 0;
    let mut stmt = conn
        .prepare("SELECT event_type, data FROM events WHERE workspace_sid = ?1 AND event_type LIKE 'reservation.%' ORDER BY seq")
        .unwrap();
    let rows = stmt
        .query_map([ws], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .unwrap();
    for row in rows {
        let (kind, data) = row.unwrap();
        let d: Value = serde_json::from_str(&data).unwrap();
        let key = (
            d["WorkerSid"].as_str().unwrap().to_string(),
            d["TaskChannelUniqueName"].as_str().unwrap().to_string(),
        );
        let delta = match kind.as_str() {
            "reservation.created" => 1,
            "reservation.accepted" | "reservation.wrapup" => 0,
            _ => -1,
        };
        let n = held.entry(key.clone()).or_default();
        *n += delta;
        let cap = if key.1 == "chat" { CHAT_CAPACITY } else { 1 };
        assert!(
            *n >= 0 && *n <= cap,
            "{key:?} held {n} reservations (capacity {cap})"
        );
        peak = peak.max(*n);
    }
    assert!(
        held.values().all(|n| *n == 0),
        "reservations left open: {held:?}"
    );
    assert_eq!(
        peak, CHAT_CAPACITY,
        "no worker ever used its full chat capacity"
    );
}
