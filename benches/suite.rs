//! The benchmark suite (issue 8): `cargo build --release && cargo bench --bench suite`. Every
//! figure is printed beside the floor measured in the same run on the same machine:
//! - floor A: raw SQLite single-row insert transactions per second (rusqlite, WAL, same `synchronous`);
//! - floor B: a bare tiny_http server with the same thread count answering a fixed JSON body,
//!   loaded by the same in-repo load generator;
//! - floor C: the rows one task create → reservation writes (captured from the real code),
//!   replayed as plain prepared SQL, one store write per task, on a copy of the same database.
//!
//! Scenarios (issue 8's numbering): 1–2 task create → reservation at three backlog sizes and both
//! `synchronous` settings (library core), 3 authenticated GET of a task at 64 connections,
//! 4 inbound SMS → Studio → reply at 200 conversations, 5 thousands of parked long-polls,
//! 6 cold start over a 1,000,000-task database, 7 binary size and idle footprint, 8 a month's
//! report over 1,000,000 tasks (5–8 on the release binary in a process of its own).
//!
//! Environment: `BENCH_SECONDS` (default 3) sets how long each load runs; `BENCH_ONLY` (e.g.
//! `1,3,6`) runs only some scenarios; `BENCH_BACKLOG_MAX` (default 100000), `BENCH_WAITING`
//! (default 5000), `BENCH_COLD_TASKS` and `BENCH_REPORT_TASKS` (default 1000000) shrink the big
//! fixtures.

#[path = "scenarios/floor_c.rs"]
mod floor_c;
#[path = "loadgen.rs"]
mod loadgen;
#[path = "scenarios/messaging.rs"]
mod messaging;
#[path = "scenarios/process.rs"]
mod process;
#[path = "scenarios/reports.rs"]
mod reports;
#[path = "scenarios/routing.rs"]
mod routing;

pub use loadgen::percentile_ms;
use std::path::Path;
use std::time::{Duration, Instant};
use switchboard::config::Config;
use switchboard::store::Sync;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn enabled(n: u32) -> bool {
    match std::env::var("BENCH_ONLY") {
        Ok(v) if !v.trim().is_empty() => v.split(',').any(|s| s.trim() == n.to_string()),
        _ => true,
    }
}

fn seconds() -> Duration {
    Duration::from_secs_f64(
        std::env::var("BENCH_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(3.0),
    )
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("switchboard-bench-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// Floor A: single-row INSERT transactions per second for `dur`.
fn sqlite_floor(dir: &Path, sync: Sync, dur: Duration) -> f64 {
    let path = dir.join(format!("floor-{}.db", sync.as_str()));
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", sync.as_str())
        .unwrap();
    conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, sid TEXT, body TEXT, at INTEGER)")
        .unwrap();
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < dur {
        conn.prepare_cached("INSERT INTO t (sid, body, at) VALUES (?1, ?2, ?3)")
            .unwrap()
            .execute(rusqlite::params![
                format!("WT{n:032x}"),
                "{\"k\":\"v\"}",
                n as i64
            ])
            .unwrap();
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// Single-row writes per second through `Store::write` from `writers` threads.
fn store_writes(dir: &Path, sync: Sync, writers: usize, dur: Duration) -> f64 {
    use switchboard::store::{Error, Store};
    let store = std::sync::Arc::new(
        Store::open(&dir.join(format!("writes-{}.db", sync.as_str())), sync).expect("open"),
    );
    store
        .write(|tx| -> Result<(), Error> {
            tx.execute_batch(
                "CREATE TABLE t (id INTEGER PRIMARY KEY, sid TEXT, body TEXT, at INTEGER)",
            )?;
            Ok(())
        })
        .unwrap();
    let start = Instant::now();
    let threads: Vec<_> = (0..writers)
        .map(|w| {
            let store = store.clone();
            std::thread::spawn(move || {
                let mut n = 0u64;
                while start.elapsed() < dur {
                    store
                        .write(|tx| -> Result<(), Error> {
                            tx.prepare_cached("INSERT INTO t (sid, body, at) VALUES (?1, ?2, ?3)")?
                                .execute(rusqlite::params![
                                    format!("WT{w:08x}{n:024x}"),
                                    "{\"k\":\"v\"}",
                                    n as i64
                                ])?;
                            Ok(())
                        })
                        .unwrap();
                    n += 1;
                }
                n
            })
        })
        .collect();
    let total: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    total as f64 / start.elapsed().as_secs_f64()
}

/// Floor B: a bare tiny_http server answering a fixed JSON body with `threads` threads.
fn bare_http_server(threads: usize) -> (String, std::sync::Arc<tiny_http::Server>) {
    let server = std::sync::Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
    let addr = server.server_addr().to_ip().unwrap().to_string();
    for _ in 0..threads {
        let s = server.clone();
        std::thread::spawn(move || {
            while let Ok(rq) = s.recv() {
                let body = br#"{"sid":"WT00000000000000000000000000000000","assignment_status":"pending"}"#;
                let resp = tiny_http::Response::from_data(&body[..]).with_header(
                    tiny_http::Header::from_bytes(&b"Content-Type"[..], &b"application/json"[..])
                        .unwrap(),
                );
                let _ = rq.respond(resp);
            }
        });
    }
    (addr, server)
}

pub fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

pub fn threads_of(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("Threads:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn row(name: &str, ours: String, floor: String, ratio: String, target: &str) {
    println!("| {name:<46} | {ours:>30} | {floor:>22} | {ratio:>7} | {target:<26} |");
}

fn pct(a: f64, b: f64) -> String {
    format!("{:.0}%", 100.0 * a / b)
}

fn yes(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "NOT met"
    }
}

/// An in-process appliance (the library core) on `db`.
fn start(db: &Path, sync: Sync, threads: usize, provider: Option<String>) -> switchboard::Running {
    let mut config = Config::new("127.0.0.1:0", db.to_path_buf());
    config.threads = threads;
    config.sync = sync;
    config.public_burst = 1_000_000;
    config.public_rate = 1_000_000;
    config.provider_url = provider;
    switchboard::start(config).expect("start switchboard")
}

fn auth_of(r: &switchboard::Running) -> String {
    format!(
        "Basic {}",
        base64_encode(format!("{}:{}", r.app.account_sid, r.auth_token).as_bytes())
    )
}

fn main() {
    let suite_started = Instant::now();
    let dur = seconds();
    let dir = temp_dir("suite");
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let threads = (cores * 2).max(4);
    println!(
        "switchboard benchmark suite — {cores} cores, {threads} HTTP threads, {:?} per load",
        dur
    );
    println!();
    println!(
        "| {:<46} | {:>30} | {:>22} | {:>7} | {:<26} |",
        "scenario", "ours", "floor", "ratio", "target"
    );
    println!(
        "|{}|{}|{}|{}|{}|",
        "-".repeat(48),
        "-".repeat(32),
        "-".repeat(24),
        "-".repeat(9),
        "-".repeat(28)
    );

    // Floors A at both sync settings.
    let floor_normal = sqlite_floor(&dir, Sync::Normal, dur);
    let floor_full = sqlite_floor(&dir, Sync::Full, dur);
    row(
        "floor A: SQLite insert tx/s (normal)",
        "".into(),
        format!("{floor_normal:.0} tx/s"),
        "".into(),
        "",
    );
    row(
        "floor A: SQLite insert tx/s (full)",
        "".into(),
        format!("{floor_full:.0} tx/s"),
        "".into(),
        "",
    );

    // The store's write path (group commit) with 16 concurrent writers, at both sync settings.
    for (sync, floor) in [(Sync::Normal, floor_normal), (Sync::Full, floor_full)] {
        let rate = store_writes(&dir, sync, 16, dur);
        row(
            &format!("store.write, 16 writers ({})", sync.as_str().to_lowercase()),
            format!("{rate:.0} tx/s"),
            format!("{floor:.0} tx/s"),
            pct(rate, floor),
            "(group commit)",
        );
    }

    // Scenarios 1–3 share one database: three workspaces of 1,000 workers each.
    let db = dir.join("routing.db");
    let backlog_max = env_num("BENCH_BACKLOG_MAX", 100_000) as usize;
    if enabled(1) || enabled(2) || enabled(3) {
        let running = start(&db, Sync::Normal, threads, None);
        let app = running.app.clone();
        let mut sizes: Vec<usize> = Vec::new();
        if enabled(1) || enabled(3) {
            sizes.push(10_000.min(backlog_max));
        }
        if enabled(2) {
            sizes.extend([100, backlog_max]);
        }
        let mut fixtures = Vec::new();
        let mut rates = Vec::new();
        for (i, backlog) in sizes.into_iter().enumerate() {
            let built = Instant::now();
            let f = routing::build(&app, &format!("bench-{i}"), backlog);
            let build_s = built.elapsed().as_secs_f64();
            routing::wait_quiet(&app, Duration::from_secs(60));
            if enabled(1) || enabled(2) {
                let o = routing::measure(&app, &f, dur);
                let name = format!(
                    "{}. create→reserved, {} workers, {} queued (normal)",
                    if i == 0 && enabled(1) { 1 } else { 2 },
                    routing::workers(),
                    backlog
                );
                row(
                    &name,
                    format!("{:.0}/s p50 {:.2} p99 {:.2}ms", o.rate, o.p50_ms, o.p99_ms),
                    format!("{floor_normal:.0} tx/s"),
                    pct(o.rate, floor_normal),
                    ">=50% A, p99<5ms",
                );
                println!(
                    "  ({} tasks by {} threads, {} without a reservation; fixture built in {build_s:.1}s)",
                    o.created,
                    routing::CREATORS,
                    o.unreserved
                );
                rates.push((backlog, o.rate));
                routing::wait_quiet(&app, Duration::from_secs(60));
                if i == 0 && enabled(1) {
                    // Floor C: the same create's rows as plain SQL, on a copy of this database.
                    let pattern = floor_c::capture(&app, &f.ws);
                    let (ins, upd, tables) = pattern.shape();
                    let floor = floor_c::measure(
                        &app,
                        &dir,
                        Sync::Normal,
                        &pattern,
                        routing::CREATORS,
                        dur,
                    );
                    row(
                        "floor C: one create's rows as plain SQL (normal)",
                        format!("{ins} inserts + {upd} updates, {tables} tables"),
                        format!("{floor:.0} tx/s"),
                        pct(floor, floor_normal),
                        "(of floor A)",
                    );
                    row(
                        "1. create→reserved vs floor C (normal)",
                        format!("{:.0}/s", o.rate),
                        format!("{floor:.0} tx/s"),
                        pct(o.rate, floor),
                        ">=60% C, >=15% A",
                    );
                    println!("  (floor C writes: {})", pattern.detail());
                    if pattern.deleted > 0 {
                        println!(
                            "  (the create also deleted {} rows, not replayed)",
                            pattern.deleted
                        );
                    }
                    routing::wait_quiet(&app, Duration::from_secs(60));
                }
            }
            fixtures.push(f);
        }
        if enabled(2) && rates.len() >= 2 {
            let (lo, hi) = (rates[rates.len() - 2].1, rates[rates.len() - 1].1);
            let ratio = lo.max(hi) / lo.min(hi);
            row(
                &format!("2. throughput {} vs {} queued", rates[1].0, rates[2].0),
                format!("{lo:.0}/s vs {hi:.0}/s"),
                "".into(),
                format!("{ratio:.2}x"),
                &format!("within 1.5x: {}", yes(ratio <= 1.5)),
            );
        }

        // Scenario 3: authenticated GET of a task at 64 connections vs floor B.
        if enabled(3) {
            let (bare_addr, _bare) = bare_http_server(threads);
            let floor_b = loadgen::run(&bare_addr, "/v1/Workspaces/WS/Tasks/WT", &[], 64, dur);
            let ws = fixtures[0].ws.clone();
            let task = app
                .store
                .read(|c| {
                    switchboard::store::taskrouter::tasks::list(
                        c,
                        &ws,
                        &Default::default(),
                        Some(switchboard::store::Window {
                            offset: 0,
                            limit: 1,
                        }),
                    )
                })
                .expect("a task")
                .items
                .remove(0)
                .sid;
            let path = format!("/v1/Workspaces/{ws}/Tasks/{task}");
            let addr = running.http.addr.to_string();
            let ours = loadgen::run(
                &addr,
                &path,
                &[("Authorization", auth_of(&running))],
                64,
                dur,
            );
            row(
                "3. authenticated GET task, 64 connections",
                format!(
                    "{:.0} req/s p99 {:.1}ms",
                    ours.rps(),
                    ours.percentile_ms(99.0)
                ),
                format!(
                    "{:.0} req/s p99 {:.1}ms",
                    floor_b.rps(),
                    floor_b.percentile_ms(99.0)
                ),
                pct(ours.rps(), floor_b.rps()),
                ">=50% of floor B",
            );
            if ours.errors > 0 || floor_b.errors > 0 {
                println!("  (errors: ours {}, floor {})", ours.errors, floor_b.errors);
            }
        }
        running.shutdown();

        // Scenario 1 again at synchronous=full, on the 10,000-backlog workspace.
        if enabled(1) {
            let running = start(&db, Sync::Full, threads, None);
            let app = running.app.clone();
            routing::wait_quiet(&app, Duration::from_secs(60));
            let o = routing::measure(&app, &fixtures[0], dur);
            row(
                &format!(
                    "1. create→reserved, 1k workers, {} queued (full)",
                    fixtures[0].backlog
                ),
                format!("{:.0}/s p50 {:.2} p99 {:.2}ms", o.rate, o.p50_ms, o.p99_ms),
                format!("{floor_full:.0} tx/s"),
                pct(o.rate, floor_full),
                ">=50% A, p99<5ms",
            );
            println!(
                "  ({} tasks by {} threads, {} without a reservation)",
                o.created,
                routing::CREATORS,
                o.unreserved
            );
            running.shutdown();
        }
    }

    // Scenario 4: inbound SMS → Studio → reply, 200 conversations.
    if enabled(4) {
        // A box of its own with the looping flow, its customers and their carrier stub.
        let messaging_box = |name: &str| {
            let (clients, waiters) = messaging::customers();
            let carrier = messaging::carrier(4, waiters);
            let running = start(&dir.join(name), Sync::Normal, threads, Some(carrier));
            let addr = running.http.addr.to_string();
            messaging::configure(&addr, &auth_of(&running));
            (running, addr, clients)
        };
        let (running, addr, clients) = messaging_box("messaging.db");
        let o = messaging::measure(&addr, clients, dur);
        row(
            &format!(
                "4. SMS→Studio→reply, {} conversations",
                messaging::CONVERSATIONS
            ),
            format!(
                "{:.0} msg/s p50 {:.1} p99 {:.1}ms",
                o.round_trips_per_s, o.p50_ms, o.p99_ms
            ),
            "".into(),
            "".into(),
            ">=2000 msg/s, p99<10ms",
        );
        println!(
            "  ({} round trips, each one inbound message and its reply; {} lost)",
            o.round_trips, o.lost
        );
        running.shutdown();
        // The same, under an open load (messages at a fixed rate, timed from when each was due).
        let (running, addr, mut clients) = messaging_box("messaging-open.db");
        for (k, rate) in [250.0, 500.0, 1000.0].into_iter().enumerate() {
            let (o, back) =
                messaging::measure_open(&addr, clients, (k as u64 + 1) << 32, rate, dur);
            clients = back;
            row(
                &format!(
                    "4. open load, {rate:.0} msg/s over {} conversations",
                    messaging::CONVERSATIONS
                ),
                format!(
                    "{:.0} replies/s p50 {:.1} p99 {:.1}ms",
                    o.replied_per_s, o.p50_ms, o.p99_ms
                ),
                "".into(),
                "".into(),
                if rate >= 1000.0 { "p99<20ms" } else { "" },
            );
            println!(
                "  ({:.0} msg/s offered, {} round trips, {} lost)",
                o.offered_per_s, o.round_trips, o.lost
            );
        }
        running.shutdown();
    }

    // Scenario 5: thousands of parked long-polls (release binary, its own process).
    let release = process::binary().exists();
    if !release {
        println!("  (5–7 skipped: build the release binary first with `cargo build --release`)");
    }
    if enabled(5) && release {
        let n = env_num("BENCH_WAITING", 5_000) as usize;
        for keep_alive in [true, false] {
            let w = process::waiting_clients(&dir, n, keep_alive, dur);
            row(
                &format!(
                    "5. {} parked long-polls ({})",
                    w.clients,
                    if keep_alive {
                        "keep-alive"
                    } else {
                        "Connection: close"
                    }
                ),
                format!(
                    "{} threads, {:.0} MB, p99 {:.1}ms",
                    w.threads,
                    w.rss_mb,
                    w.api.percentile_ms(99.0)
                ),
                format!("idle: {} threads", w.threads_idle),
                "".into(),
                "<=16 thr, <100MB, p99<20ms",
            );
            println!(
                "  ({} of {} still parked when measured; concurrent API: {:.0} req/s over 8 connections, {} errors)",
                w.parked,
                w.clients,
                w.api.rps(),
                w.api.errors
            );
        }
    }

    // Scenario 6: cold start over a big database.
    if enabled(6) && release {
        let n = env_num("BENCH_COLD_TASKS", 1_000_000);
        let c = process::cold_start(&dir, n);
        row(
            &format!("6. cold start, {}k tasks: /healthz", c.tasks / 1000),
            format!("{:.0} ms", c.healthz_ms),
            "".into(),
            "".into(),
            &format!("<300ms: {}", yes(c.healthz_ms < 300.0)),
        );
        row(
            "6. first page of tasks (first / p50 of 50)",
            format!("{:.2} / {:.2} ms", c.first_page_ms, c.page_p50_ms),
            "".into(),
            "".into(),
            &format!("<5ms: {}", yes(c.first_page_ms < 5.0)),
        );
        println!("  (database built in {:.1}s by bulk SQL)", c.build_s);
    }

    // Scenario 7: binary size and idle footprint.
    if enabled(7) && release {
        if let Some(i) = process::idle(&dir) {
            row(
                "7. release binary / idle RSS / threads",
                format!("{:.1} MB / {:.1} MB / {}", i.size_mb, i.rss_mb, i.threads),
                "".into(),
                "".into(),
                "reported",
            );
        }
    }
    // Scenario 8: a month's report over a million tasks (release binary, its own process).
    if enabled(8) && release {
        let n = env_num("BENCH_REPORT_TASKS", 1_000_000);
        let r = reports::month_report(&dir, n);
        for t in &r.timings {
            row(
                &format!("8. month report, {}k tasks, {}", r.tasks / 1000, t.what),
                format!(
                    "{:.1} / {:.1} / {:.1} ms, {} kB",
                    t.first_ms,
                    t.p50_ms,
                    t.max_ms,
                    t.bytes / 1000
                ),
                "".into(),
                "".into(),
                &format!("<500ms: {}", yes(t.first_ms.max(t.max_ms) < 500.0)),
            );
        }
        println!(
            "  (first / p50 / max of 20 more; history and rollups built in {:.1}s by bulk SQL)",
            r.build_s
        );
    }
    println!();
    println!("suite ran in {:.0}s", suite_started.elapsed().as_secs_f64());
    let _ = std::fs::remove_dir_all(&dir);
}

pub fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `application/x-www-form-urlencoded` encoding of `pairs`.
pub fn form(pairs: &[(&str, &str)]) -> String {
    fn enc(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}
