//! Scenarios measured on the release binary in a process of its own (so threads and memory are the
//! server's alone): 5 (thousands of parked long-polls), 6 (cold start over a big database) and
//! 7 (size and idle footprint).

use crate::loadgen::{self, Conn};
use crate::{percentile_ms, rss_kb, threads_of};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The release binary, or the one `BENCH_BINARY` names (to measure another build the same way).
pub fn binary() -> PathBuf {
    match std::env::var_os("BENCH_BINARY") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/switchboard"),
    }
}

/// A release server on `db`, stopped (SIGKILL) when dropped.
pub struct Server {
    pub child: Child,
    pub addr: String,
    pub started: Instant,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Creates the database (schema + account) with `switchboard credentials`: `(sid, token)`.
pub fn credentials(db: &Path) -> (String, String) {
    let out = Command::new(binary())
        .args(["credentials", "--db"])
        .arg(db)
        .output()
        .expect("run credentials");
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
            .expect("credentials output")
    };
    (field("Account SID:"), field("Auth Token:"))
}

/// Starts `serve` on a free port; returns once the process exists (not once it answers).
pub fn spawn(db: &Path) -> Server {
    let addr = format!("127.0.0.1:{}", free_port());
    let started = Instant::now();
    let child = Command::new(binary())
        .args(["serve", "--listen", &addr, "--db"])
        .arg(db)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the release binary");
    Server {
        child,
        addr,
        started,
    }
}

/// Polls `/healthz` until it answers 200; the time since `spawn`.
pub fn until_healthy(s: &Server, limit: Duration) -> Option<Duration> {
    while s.started.elapsed() < limit {
        if let Some(mut c) = Conn::open(&s.addr) {
            if let Some((200, _)) = c.call("GET", "/healthz", &[], b"") {
                return Some(s.started.elapsed());
            }
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    None
}

pub struct Waiting {
    pub clients: usize,
    pub parked: usize,
    pub threads: u64,
    pub threads_idle: u64,
    pub rss_mb: f64,
    pub api: loadgen::LoadResult,
}

/// Scenario 5: `clients` long-polls on `/admin/api/events` (each on a topic of its own, nothing
/// arrives) held open while 8 connections call an authenticated GET for `dur`.
pub fn waiting_clients(dir: &Path, clients: usize, keep_alive: bool, dur: Duration) -> Waiting {
    let db = dir.join(format!("waiting-{keep_alive}.db"));
    let (sid, token) = credentials(&db);
    let auth = format!(
        "Basic {}",
        crate::base64_encode(format!("{sid}:{token}").as_bytes())
    );
    let s = spawn(&db);
    until_healthy(&s, Duration::from_secs(10)).expect("server up");
    let pid = s.child.id();
    let threads_idle = threads_of(pid).unwrap_or(0);
    let mut c = Conn::open(&s.addr).expect("connect");
    let (_, body) = c
        .call(
            "GET",
            "/admin/api/events",
            &[("Authorization", auth.clone())],
            b"",
        )
        .expect("feed");
    let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
    let after = v["last_seq"].as_i64().unwrap_or(0);
    let mut headers = vec![("Authorization", auth.clone())];
    if !keep_alive {
        headers.push(("Connection", "close".to_string()));
    }
    let mut open: Vec<Conn> = Vec::with_capacity(clients);
    for i in 0..clients {
        let Some(mut c) = Conn::open(&s.addr) else {
            continue;
        };
        let path = format!("/admin/api/events?Topic=WT{i:032x}&After={after}&Wait=30");
        if c.send_only(&path, &headers) {
            open.push(c);
        }
    }
    // Let the server read and park every request, then check none was answered.
    std::thread::sleep(Duration::from_secs(2));
    let parked = open
        .iter_mut()
        .map(|c| !c.readable_now())
        .filter(|p| *p)
        .count();
    let threads = threads_of(pid).unwrap_or(0);
    let rss = rss_kb(pid).unwrap_or(0);
    let path = format!("/2010-04-01/Accounts/{sid}.json");
    let api = loadgen::run(&s.addr, &path, &[("Authorization", auth)], 8, dur);
    drop(open);
    Waiting {
        clients,
        parked,
        threads,
        threads_idle,
        rss_mb: rss as f64 / 1024.0,
        api,
    }
}

pub struct ColdStart {
    pub tasks: u64,
    pub build_s: f64,
    pub healthz_ms: f64,
    pub first_page_ms: f64,
    pub page_p50_ms: f64,
}

/// Scenario 6: a database of `tasks` tasks (built in bulk SQL), then the release binary started on
/// it: time to the first `/healthz` 200, then the first page of the tasks list.
pub fn cold_start(dir: &Path, tasks: u64) -> ColdStart {
    let db = dir.join("cold.db");
    // Schema, account and the seeded workspace come from one start of the appliance.
    let mut config = switchboard::config::Config::new("127.0.0.1:0", db.clone());
    config.threads = 2;
    let running = switchboard::start(config).expect("start");
    let (sid, token) = (running.app.account_sid.clone(), running.auth_token.clone());
    let ws = running
        .app
        .store
        .read(switchboard::routing::workspaces::default_sid)
        .expect("workspace")
        .expect("seeded workspace");
    running.shutdown();
    let built = Instant::now();
    bulk_tasks(&db, &ws, tasks);
    let build_s = built.elapsed().as_secs_f64();
    // Drop the page cache's advantage as far as an unprivileged process can: nothing. The file is
    // warm (just written); the start-up measured is the process's own work.
    let s = spawn(&db);
    let healthz = until_healthy(&s, Duration::from_secs(60)).expect("server up");
    let auth = format!(
        "Basic {}",
        crate::base64_encode(format!("{sid}:{token}").as_bytes())
    );
    let h = [("Authorization", auth)];
    let path = format!("/v1/Workspaces/{ws}/Tasks?PageSize=50");
    let mut c = Conn::open(&s.addr).expect("connect");
    let t = Instant::now();
    let (st, body) = c.call("GET", &path, &h, b"").expect("list");
    let first = t.elapsed();
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&body));
    let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(v["tasks"].as_array().map(|a| a.len()), Some(50));
    let mut lat = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        c.call("GET", &path, &h, b"").expect("list");
        lat.push(t.elapsed().as_micros() as u64);
    }
    lat.sort_unstable();
    ColdStart {
        tasks,
        build_s,
        healthz_ms: healthz.as_secs_f64() * 1000.0,
        first_page_ms: first.as_secs_f64() * 1000.0,
        page_p50_ms: percentile_ms(&lat, 50.0),
    }
}

/// Inserts `n` finished tasks (completed, some canceled) into workspace `ws` in one transaction.
fn bulk_tasks(db: &Path, ws: &str, n: u64) {
    let conn = rusqlite::Connection::open(db).expect("open");
    conn.pragma_update(None, "synchronous", "OFF")
        .expect("pragma");
    let (wf, ch, chname, q): (String, String, String, String) = conn
        .query_row(
            "SELECT w.sid, c.sid, c.unique_name, q.sid FROM tr_workflows w, tr_task_channels c,
                    tr_task_queues q
             WHERE w.workspace_sid = ?1 AND c.workspace_sid = ?1 AND q.workspace_sid = ?1
               AND c.unique_name = 'chat' LIMIT 1",
            [ws],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("workspace parts");
    let base = switchboard::clock::wall_ms() - 30 * 86_400_000;
    conn.execute_batch("BEGIN").expect("begin");
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         INSERT INTO tr_tasks (sid, workspace_sid, workflow_sid, task_channel_sid,
             task_channel_unique_name, attributes, priority, timeout, assignment_status, reason,
             queue_sid, queue_entered_at, target_index, filter_index, route_priority, order_key,
             created_at, updated_at)
         SELECT printf('WT%032x', i), ?2, ?3, ?4, ?5,
                '{\"from\":\"+1555' || printf('%07d', i % 10000000) || '\",\"channelType\":\"sms\"}',
                0, 86400, CASE WHEN i % 10 = 0 THEN 'canceled' ELSE 'completed' END,
                CASE WHEN i % 10 = 0 THEN 'customer left' ELSE 'done' END,
                ?6, ?7 + i * 2, 0, NULL, 0, i, ?7 + i * 2, ?7 + i * 2 + 60000
         FROM n",
        rusqlite::params![n as i64, ws, wf, ch, chname, q, base],
    )
    .expect("bulk tasks");
    conn.execute_batch("COMMIT").expect("commit");
}

pub struct Idle {
    pub size_mb: f64,
    pub rss_mb: f64,
    pub threads: u64,
}

/// Scenario 7: the stripped release binary's size, and its RSS and threads once idle.
pub fn idle(dir: &Path) -> Option<Idle> {
    let meta = std::fs::metadata(binary()).ok()?;
    let db = dir.join("idle.db");
    let s = spawn(&db);
    until_healthy(&s, Duration::from_secs(10))?;
    std::thread::sleep(Duration::from_millis(500));
    Some(Idle {
        size_mb: meta.len() as f64 / 1e6,
        rss_mb: rss_kb(s.child.id()).unwrap_or(0) as f64 / 1024.0,
        threads: threads_of(s.child.id()).unwrap_or(0),
    })
}
