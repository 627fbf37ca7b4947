//! The benchmark suite (issue 8): `cargo bench --bench suite`. Every figure is printed beside the
//! floor measured in the same run on the same machine:
//! - floor A: raw SQLite single-row insert transactions per second (rusqlite, WAL, same `synchronous`);
//! - floor B: a bare tiny_http server with the same thread count answering a fixed JSON body,
//!   loaded by the same in-repo load generator.
//!
//! Set `BENCH_SECONDS` to change how long each load runs (default 3).

#[path = "loadgen.rs"]
mod loadgen;

use std::path::Path;
use std::time::{Duration, Instant};
use switchboard::config::Config;
use switchboard::store::Sync;

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
        conn.execute(
            "INSERT INTO t (sid, body, at) VALUES (?1, ?2, ?3)",
            rusqlite::params![format!("WT{n:032x}"), "{\"k\":\"v\"}", n as i64],
        )
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

fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn threads_of(pid: u32) -> Option<u64> {
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
    println!("| {name:<44} | {ours:>22} | {floor:>22} | {ratio:>7} | {target:<18} |");
}

fn main() {
    let dur = seconds();
    let dir = temp_dir("suite");
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        * 2;
    let threads = threads.max(4);
    println!(
        "switchboard benchmark suite — {} cores, {} HTTP threads, {:?} per load",
        threads / 2,
        threads,
        dur
    );
    println!();
    println!(
        "| {:<44} | {:>22} | {:>22} | {:>7} | {:<18} |",
        "scenario", "ours", "floor", "ratio", "target"
    );
    println!(
        "|{}|{}|{}|{}|{}|",
        "-".repeat(46),
        "-".repeat(24),
        "-".repeat(24),
        "-".repeat(9),
        "-".repeat(20)
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
            format!("{:.0}%", 100.0 * rate / floor),
            "group commit",
        );
    }

    // Scenario 3: authenticated GET at 64 connections vs floor B.
    let (bare_addr, _bare) = bare_http_server(threads);
    let floor_b = loadgen::run(&bare_addr, "/v1/Workspaces/WS/Tasks/WT", &[], 64, dur);
    let mut config = Config::new("127.0.0.1:0", dir.join("suite.db"));
    config.threads = threads;
    let running = switchboard::start(config).expect("start switchboard");
    let addr = running.http.addr.to_string();
    let auth = format!(
        "Basic {}",
        base64_encode(format!("{}:{}", running.app.account_sid, running.auth_token).as_bytes())
    );
    let path = format!("/2010-04-01/Accounts/{}.json", running.app.account_sid);
    let ours = loadgen::run(&addr, &path, &[("Authorization", auth.clone())], 64, dur);
    row(
        "3. authenticated GET, 64 connections",
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
        format!("{:.0}%", 100.0 * ours.rps() / floor_b.rps()),
        ">= 50% of floor B",
    );
    if ours.errors > 0 || floor_b.errors > 0 {
        println!("  (errors: ours {}, floor {})", ours.errors, floor_b.errors);
    }
    running.shutdown();

    // Scenario 7: binary size and idle footprint of the release binary.
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/switchboard");
    if let Ok(meta) = std::fs::metadata(&bin) {
        let mut child = std::process::Command::new(&bin)
            .args(["serve", "--listen", "127.0.0.1:0", "--db"])
            .arg(dir.join("idle.db"))
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start release binary");
        std::thread::sleep(Duration::from_millis(700));
        let rss = rss_kb(child.id()).unwrap_or(0);
        let th = threads_of(child.id()).unwrap_or(0);
        let _ = child.kill();
        let _ = child.wait();
        row(
            "7. release binary size / idle RSS / threads",
            format!(
                "{:.1} MB / {:.1} MB / {th}",
                meta.len() as f64 / 1e6,
                rss as f64 / 1024.0
            ),
            "".into(),
            "".into(),
            "reported",
        );
    } else {
        println!("  (7. skipped: build the release binary first with `cargo build --release`)");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
