//! Scenario 8 (issue 17 item 3): a month's report over 1,000,000 tasks. The history is loaded in
//! one transaction by bulk SQL (`tr_task_history`, 10 queues, 50 agents, 4 wrap-up codes, a task
//! every 2.6 s for 30 days) and its rollups computed by `store::taskrouter::reports::rebuild`;
//! then the release binary answers `GET /admin/api/workspaces/{WS}/reports/…` for the month.

use crate::loadgen::Conn;
use crate::percentile_ms;
use crate::process::{spawn, until_healthy};
use std::path::Path;
use std::time::{Duration, Instant};

/// 2026-11-01T00:00:00+01:00 (Paris), the month's first instant.
const NOV1: i64 = 1_793_487_600_000;
const MONTH_MS: i64 = 30 * 86_400_000;

pub struct Timing {
    pub what: &'static str,
    pub first_ms: f64,
    pub p50_ms: f64,
    pub max_ms: f64,
    pub bytes: usize,
}

pub struct MonthReport {
    pub tasks: u64,
    pub build_s: f64,
    pub timings: Vec<Timing>,
}

pub fn month_report(dir: &Path, tasks: u64) -> MonthReport {
    let db = dir.join("reports.db");
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
    bulk_history(&db, &ws, tasks);
    let build_s = built.elapsed().as_secs_f64();

    let s = spawn(&db);
    until_healthy(&s, Duration::from_secs(60)).expect("server up");
    let auth = format!(
        "Basic {}",
        crate::base64_encode(format!("{sid}:{token}").as_bytes())
    );
    let h = [("Authorization", auth)];
    let month = "Start=2026-11-01&End=2026-12-01&TimeZone=Europe%2FParis";
    let cases: [(&'static str, String); 4] = [
        ("queues by day", format!("queues?{month}&Interval=day")),
        ("agents by day", format!("agents?{month}&Interval=day")),
        ("queues by hour", format!("queues?{month}&Interval=hour")),
        ("agents by hour", format!("agents?{month}&Interval=hour")),
    ];
    let mut c = Conn::open(&s.addr).expect("connect");
    let mut timings = Vec::new();
    for (what, q) in cases {
        let path = format!("/admin/api/workspaces/{ws}/reports/{q}");
        let mut lat = Vec::new();
        let mut bytes = 0;
        for i in 0..21 {
            let t = Instant::now();
            let (st, body) = c.call("GET", &path, &h, b"").expect("report");
            lat.push(t.elapsed().as_micros() as u64);
            assert_eq!(st, 200, "{}", String::from_utf8_lossy(&body));
            if i == 0 {
                let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
                // Every task counted: offered by queue, the nine in ten answered by agent.
                let (key, n) = match what.starts_with("queues") {
                    true => ("offered", tasks),
                    false => ("handled", tasks - tasks.div_ceil(10)),
                };
                assert_eq!(v["total"][key].as_u64(), Some(n), "{what}");
                bytes = body.len();
            }
        }
        let first_ms = lat[0] as f64 / 1000.0;
        let mut rest = lat[1..].to_vec();
        rest.sort_unstable();
        timings.push(Timing {
            what,
            first_ms,
            p50_ms: percentile_ms(&rest, 50.0),
            max_ms: *rest.last().unwrap() as f64 / 1000.0,
            bytes,
        });
    }
    MonthReport {
        tasks,
        build_s,
        timings,
    }
}

/// `n` finished tasks of a month in workspace `ws`, in one transaction: 9 in 10 answered (after
/// 0–119 s, by one of 50 agents, handled 5 min, wrap-up 30 s, one of 4 codes or none), 1 in 10
/// abandoned after 90 s; then the rollups from them.
fn bulk_history(db: &Path, ws: &str, n: u64) {
    let conn = rusqlite::Connection::open(db).expect("open");
    conn.pragma_update(None, "synchronous", "OFF")
        .expect("pragma");
    conn.execute_batch("BEGIN").expect("begin");
    conn.execute(
        "WITH RECURSIVE q(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM q WHERE i < 9)
         INSERT INTO tr_task_queues (sid, workspace_sid, friendly_name, target_workers, created_at,
             updated_at)
         SELECT printf('WQ%032x', i), ?1, 'Queue ' || i, '1==1', ?2, ?2 FROM q",
        rusqlite::params![ws, NOV1],
    )
    .expect("queues");
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 - 1),
         t AS (SELECT i, ?3 + i * ?4 / ?1 AS created, i % 120 * 1000 AS wait FROM n)
         INSERT INTO tr_task_history (task_sid, workspace_sid, queue_sid, channel, worker_sid,
             created_at, answered_at, wrapup_at, ended_at, outcome, wrapup_code, sla_met)
         SELECT printf('WT%032x', i), ?2, printf('WQ%032x', i % 10), 'chat',
                CASE WHEN i % 10 = 0 THEN NULL ELSE printf('WK%032x', i % 50) END,
                created,
                CASE WHEN i % 10 = 0 THEN NULL ELSE created + wait END,
                CASE WHEN i % 10 = 0 THEN NULL ELSE created + wait + 300000 END,
                CASE WHEN i % 10 = 0 THEN created + 90000 ELSE created + wait + 330000 END,
                CASE WHEN i % 10 = 0 THEN 'canceled' ELSE 'completed' END,
                CASE WHEN i % 10 = 0 OR i % 5 = 4 THEN NULL
                     ELSE json_extract('[\"sold\",\"info\",\"callback\",\"refund\"]', '$[' || (i % 4) || ']') END,
                CASE WHEN i % 10 = 0 THEN NULL ELSE wait <= 60000 END
         FROM t",
        rusqlite::params![n as i64, ws, NOV1, MONTH_MS],
    )
    .expect("bulk history");
    switchboard::store::taskrouter::reports::rebuild(&conn, ws).expect("rollups");
    conn.execute_batch("COMMIT").expect("commit");
}
