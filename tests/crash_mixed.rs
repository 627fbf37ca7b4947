//! Issue 9: crash safety under mixed load. Inbound SMS through the carrier webhook (each first
//! message starts a Studio execution that waits for a reply, each second message resumes it),
//! tasks created over TaskRouter REST, reservations accepted and tasks completed by agents — while
//! the binary, at `--sync full`, is killed with SIGKILL at random moments (20 times; set
//! SWITCHBOARD_CRASH_ROUNDS for a longer run and SWITCHBOARD_CRASH_LOAD_MS for longer load
//! windows). After each restart: every acknowledged inbound message is stored, every acknowledged
//! task exists (or ended through its TTL), no task was accepted by two workers, no worker holds
//! more reservations than its capacity. At the end: waiting executions resume on a reply, task
//! TTL timers fire, and the outbox delivered every acknowledged task's `task.created` to the
//! event callback URL and every flow message to the carrier at least once (de-duplicated by id).

mod carrier;
mod common;
#[path = "common/taskrouter.rs"]
mod tr;
use carrier::Carrier;
use common::*;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const NUMBER: &str = "+15550002222";
const WAIT: Duration = Duration::from_secs(30);

fn ask_flow() -> Value {
    json!({
        "description": "asks for an order number",
        "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": true},
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0, "y": 0}},
             "transitions": [{"event": "incomingMessage", "next": "ask"}, {"event": "incomingCall"},
                             {"event": "incomingConversationMessage", "next": "ask"},
                             {"event": "incomingRequest"}, {"event": "incomingParent"}]},
            {"name": "ask", "type": "send-and-wait-for-reply",
             "properties": {"offset": {"x": 0, "y": 200}, "body": "Hi! What is your order number?", "timeout": "3600"},
             "transitions": [{"event": "incomingMessage", "next": "thanks"}, {"event": "timeout"}, {"event": "deliveryFailure"}]},
            {"name": "thanks", "type": "send-message",
             "properties": {"offset": {"x": 0, "y": 400}, "body": "Thanks, looking up {{widgets.ask.inbound.Body}}"},
             "transitions": [{"event": "sent"}, {"event": "failed"}]}
        ]
    })
}

/// What the clients saw acknowledged.
#[derive(Default)]
struct Acked {
    /// MessageSids of inbound SMS answered 200.
    messages: Vec<String>,
    /// Contacts whose first message was acknowledged and who have not replied yet.
    waiting: Vec<String>,
    /// Contacts whose reply was acknowledged, with the reply.
    replied: Vec<(String, String)>,
    /// Tasks answered 201 (sid, has a short TTL).
    tasks: Vec<(String, bool)>,
    /// Reservations accepted (200) and tasks completed (200).
    accepts: u64,
    completions: u64,
}

struct Ctx {
    addr: String,
    auth: String,
    ws: String,
    workflow: String,
    workers: Vec<String>,
    acked: Arc<Mutex<Acked>>,
    stop: Arc<AtomicBool>,
    n: Arc<AtomicU64>,
}

fn post(ctx: &Ctx, path: &str, params: &[(&str, &str)]) -> Option<Resp> {
    http(
        &ctx.addr,
        "POST",
        path,
        &[
            ("Authorization", &ctx.auth),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        form_encode(params).as_bytes(),
    )
    .ok()
}

fn sms(addr: &str, from: &str, body: &str, sid: &str) -> bool {
    let params = [
        ("From", from),
        ("To", NUMBER),
        ("Body", body),
        ("MessageSid", sid),
    ];
    http(
        addr,
        "POST",
        "/webhooks/messaging",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form_encode(&params).as_bytes(),
    )
    .is_ok_and(|r| r.status == 200)
}

fn sms_load(ctx: &Ctx) {
    while !ctx.stop.load(Ordering::Relaxed) {
        let n = ctx.n.fetch_add(1, Ordering::SeqCst);
        let reply_to = {
            let mut a = ctx.acked.lock().unwrap();
            if n % 2 == 1 && !a.waiting.is_empty() {
                Some(a.waiting.remove(0))
            } else {
                None
            }
        };
        let msid = format!("SM{n:032}");
        match reply_to {
            Some(contact) => {
                let body = format!("A-{n}");
                let ok = sms(&ctx.addr, &contact, &body, &msid);
                let mut a = ctx.acked.lock().unwrap();
                if ok {
                    a.messages.push(msid);
                    a.replied.push((contact, body));
                }
                // Not acknowledged: the reply may or may not have committed; the contact's state
                // is unknown, so it takes no further part.
            }
            None => {
                let contact = format!("+1666{n:07}");
                if sms(&ctx.addr, &contact, "hello", &msid) {
                    let mut a = ctx.acked.lock().unwrap();
                    a.messages.push(msid);
                    a.waiting.push(contact);
                }
            }
        }
    }
}

fn task_load(ctx: &Ctx) {
    let path = format!("/v1/Workspaces/{}/Tasks", ctx.ws);
    while !ctx.stop.load(Ordering::Relaxed) {
        let n = ctx.n.fetch_add(1, Ordering::SeqCst);
        let ttl = n.is_multiple_of(4);
        let attrs = json!({"crash": n}).to_string();
        let mut p = vec![
            ("WorkflowSid", ctx.workflow.as_str()),
            ("Attributes", attrs.as_str()),
        ];
        if ttl {
            p.push(("Timeout", "2"));
        }
        if let Some(r) = post(ctx, &path, &p) {
            if r.status == 201 {
                if let Ok(v) = serde_json::from_slice::<Value>(&r.body) {
                    let sid = v["sid"].as_str().unwrap_or_default().to_string();
                    ctx.acked.lock().unwrap().tasks.push((sid, ttl));
                }
            }
        }
    }
}

/// Agents: accept each pending reservation, complete its task.
fn agent_load(ctx: &Ctx) {
    while !ctx.stop.load(Ordering::Relaxed) {
        let mut idle = true;
        for w in &ctx.workers {
            let list = http(
                &ctx.addr,
                "GET",
                &format!(
                    "/v1/Workspaces/{}/Workers/{w}/Reservations?ReservationStatus=pending",
                    ctx.ws
                ),
                &[("Authorization", &ctx.auth)],
                b"",
            );
            let Ok(list) = list else { continue };
            let Ok(v) = serde_json::from_slice::<Value>(&list.body) else {
                continue;
            };
            for r in v["reservations"].as_array().cloned().unwrap_or_default() {
                idle = false;
                let (rs, task) = (
                    r["sid"].as_str().unwrap_or_default(),
                    r["task_sid"].as_str().unwrap_or_default(),
                );
                let accept = format!("/v1/Workspaces/{}/Workers/{w}/Reservations/{rs}", ctx.ws);
                if post(ctx, &accept, &[("ReservationStatus", "accepted")])
                    .is_some_and(|r| r.status == 200)
                {
                    ctx.acked.lock().unwrap().accepts += 1;
                    let done = format!("/v1/Workspaces/{}/Tasks/{task}", ctx.ws);
                    if post(ctx, &done, &[("AssignmentStatus", "completed")])
                        .is_some_and(|r| r.status == 200)
                    {
                        ctx.acked.lock().unwrap().completions += 1;
                    }
                }
            }
        }
        if idle {
            // Polling pace of a client with nothing to do (not a wait for a condition).
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

fn open(db: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap()
}

fn strings(conn: &rusqlite::Connection, sql: &str) -> HashSet<String> {
    conn.prepare(sql)
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// The checks after every restart.
fn check(db: &std::path::Path, acked: &Acked, round: usize) {
    let conn = open(db);
    let stored = strings(
        &conn,
        "SELECT external_sid FROM conversation_messages WHERE external_sid IS NOT NULL",
    );
    let lost: Vec<_> = acked
        .messages
        .iter()
        .filter(|m| !stored.contains(*m))
        .collect();
    assert!(
        lost.is_empty(),
        "round {round}: inbound messages lost: {lost:?}"
    );
    let tasks = strings(&conn, "SELECT sid FROM tr_tasks");
    let ended = strings(
        &conn,
        "SELECT resource_sid FROM events WHERE event_type IN ('task.system-deleted','task.deleted')",
    );
    let lost: Vec<_> = acked
        .tasks
        .iter()
        .filter(|(t, _)| !tasks.contains(t) && !ended.contains(t))
        .collect();
    assert!(lost.is_empty(), "round {round}: tasks lost: {lost:?}");
    let twice: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM (SELECT task_sid FROM tr_reservations
               WHERE status IN ('accepted','wrapping','completed') GROUP BY task_sid HAVING COUNT(*) > 1)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(twice, 0, "round {round}: a task accepted by two workers");
    let over: Vec<(String, i64, i64)> = conn
        .prepare(
            "SELECT c.worker_sid, c.configured_capacity,
                    (SELECT COUNT(*) FROM tr_reservations r WHERE r.worker_sid = c.worker_sid
                       AND r.task_channel_sid = c.task_channel_sid
                       AND r.status IN ('pending','accepted','wrapping')) AS held
               FROM tr_worker_channels c WHERE held > c.configured_capacity OR c.active > c.configured_capacity",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(over.is_empty(), "round {round}: over capacity: {over:?}");
}

#[test]
fn mixed_load_survives_twenty_kills() {
    let rounds: usize = std::env::var("SWITCHBOARD_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let load_ms: u64 = std::env::var("SWITCHBOARD_CRASH_LOAD_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(600);
    let started = Instant::now();
    let provider = Carrier::start();
    let hooks = Carrier::start_on(0, 200);
    let mut s = TestServer::start_with(&[
        ("SWITCHBOARD_SYNC", "full"),
        ("SWITCHBOARD_PROVIDER_URL", &provider.url),
        ("SWITCHBOARD_RETRY_BASE_MS", "50"),
        ("SWITCHBOARD_PUBLIC_BURST", "1000000"),
        ("SWITCHBOARD_PUBLIC_RATE", "1000000"),
    ]);
    let token = s.token.clone();
    let flow = s
        .post(
            "/v2/Flows",
            &[
                ("FriendlyName", "ask"),
                ("Status", "published"),
                ("Definition", &ask_flow().to_string()),
            ],
        )
        .expect(201)
        .json()["sid"]
        .as_str()
        .unwrap()
        .to_string();
    s.post(
        "/v1/FlexFlows",
        &[
            ("FriendlyName", "studio sms"),
            ("ChannelType", "sms"),
            ("ContactIdentity", NUMBER),
            ("IntegrationType", "studio"),
            ("Integration.FlowSid", &flow),
        ],
    )
    .expect(201);
    let (ws, workers) = {
        let t = tr::Tr::new(&s, "crash");
        let q = t.queue("everyone", "1==1", &[]);
        let wf = t.simple_workflow(&q);
        s.post(
            &t.path(""),
            &[("EventCallbackUrl", &format!("{}/events", hooks.url))],
        )
        .expect(200);
        // The callback thread reads a workspace's settings at most once a second: wait until a
        // probe task's task.created arrives, so the new URL is in force before the load starts.
        wait_for("the callback URL in force", || {
            if hooks
                .requests()
                .iter()
                .any(|r| r.param("EventType") == Some("task.created"))
            {
                return Ok(());
            }
            t.task(&wf, json!({"probe": true}), &[]);
            Err("no probe callback yet".into())
        });
        let workers: Vec<String> = (0..3)
            .map(|i| t.worker(&format!("agent{i}"), json!({})))
            .collect();
        ((t.ws.clone(), wf), workers)
    };
    let acked = Arc::new(Mutex::new(Acked::default()));
    let n = Arc::new(AtomicU64::new(1));
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    for round in 0..rounds {
        let stop = Arc::new(AtomicBool::new(false));
        let ctx = || Ctx {
            addr: s.addr.clone(),
            auth: s.auth(),
            ws: ws.0.clone(),
            workflow: ws.1.clone(),
            workers: workers.clone(),
            acked: acked.clone(),
            stop: stop.clone(),
            n: n.clone(),
        };
        let loads: Vec<fn(&Ctx)> = vec![sms_load, sms_load, task_load, task_load, agent_load];
        let clients: Vec<_> = loads
            .into_iter()
            .map(|f| {
                let c = ctx();
                std::thread::spawn(move || f(&c))
            })
            .collect();
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        // The kill lands at a random moment of the load window.
        std::thread::sleep(Duration::from_millis(30 + rng % load_ms));
        s.kill();
        stop.store(true, Ordering::Relaxed);
        for c in clients {
            c.join().unwrap();
        }
        s.restart();
        s.token = token.clone();
        check(&s.db, &acked.lock().unwrap(), round);
    }

    // Waiting executions resume: every contact still waiting gets its reply through.
    let waiting: Vec<String> = std::mem::take(&mut acked.lock().unwrap().waiting);
    for (i, contact) in waiting.iter().enumerate() {
        let body = format!("late-{i}");
        let msid = format!("SM9{i:031}");
        assert!(sms(&s.addr, contact, &body, &msid), "reply to {contact}");
        let mut a = acked.lock().unwrap();
        a.messages.push(msid);
        a.replied.push((contact.clone(), body));
    }
    let a = acked.lock().unwrap();
    check(&s.db, &a, rounds);
    // Every acknowledged reply ends its execution and its answer reaches the carrier (the outbox
    // retries after a crash: at least once; de-duplicated by our message's id).
    let replied: HashMap<&str, &str> = a
        .replied
        .iter()
        .map(|(c, b)| (c.as_str(), b.as_str()))
        .collect();
    let deadline = Instant::now() + WAIT;
    loop {
        let got: HashSet<(String, String)> = provider
            .accepted()
            .iter()
            .map(|r| {
                (
                    r.param("To").unwrap_or_default().to_string(),
                    r.param("Body").unwrap_or_default().to_string(),
                )
            })
            .collect();
        let missing: Vec<_> = replied
            .iter()
            .filter(|(c, b)| !got.contains(&(c.to_string(), format!("Thanks, looking up {b}"))))
            .collect();
        if missing.is_empty() {
            break;
        }
        if Instant::now() > deadline {
            let conn = open(&s.db);
            for (c, _) in missing.iter().take(3) {
                let rows: Vec<String> = conn
                    .prepare("SELECT status || ' ' || COALESCE(wait,'') FROM executions WHERE contact = ?1")
                    .unwrap()
                    .query_map([c], |r| r.get(0))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                let sent: Vec<_> = provider
                    .requests()
                    .into_iter()
                    .filter(|r| r.param("To") == Some(c))
                    .map(|r| (r.status, r.param("Body").map(str::to_string)))
                    .collect();
                let msgs: Vec<String> = conn
                    .prepare("SELECT m.author || ': ' || COALESCE(m.body,'') || ' ' || COALESCE(m.delivery,'') || ' ' || m.sid FROM conversation_messages m JOIN channel_sessions s ON s.conversation_sid = m.conversation_sid WHERE s.contact = ?1 ORDER BY m.idx")
                    .unwrap()
                    .query_map([c], |r| r.get(0))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                let out: Vec<String> = conn
                    .prepare("SELECT o.kind || ' ' || o.status || ' ' || o.attempts || ' ' || COALESCE(o.message_sid,'') || ' ' || COALESCE(o.last_error,'') FROM outbound_requests o JOIN channel_sessions s ON s.conversation_sid = o.conversation_sid WHERE s.contact = ?1")
                    .unwrap()
                    .query_map([c], |r| r.get(0))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                let evs: Vec<String> = conn
                    .prepare("SELECT seq || ' ' || sid || ' ' || data || ' handled:' || (SELECT COUNT(*) FROM channel_handled_events h WHERE h.event_sid = events.sid) FROM events WHERE event_type = 'studio.execution.send-message' AND data LIKE '%' || ?1 || '%'")
                    .unwrap()
                    .query_map([c], |r| r.get(0))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                let cursors: Vec<String> = conn
                    .prepare("SELECT * FROM subscriber_cursors")
                    .unwrap()
                    .query_map([], |r| {
                        Ok(format!(
                            "{:?} {:?}",
                            r.get::<_, String>(0)?,
                            r.get::<_, i64>(1)?
                        ))
                    })
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                eprintln!("{c}: executions {rows:?}; carrier saw {sent:?}\n messages {msgs:?}\n outbound {out:?}\n send events {evs:?}\n cursors {cursors:?}");
            }
            for l in s
                .log()
                .lines()
                .filter(|l| l.contains("WARN") || l.contains("ERROR") || l.contains("janitor"))
                .take(30)
            {
                eprintln!("LOG {l}");
            }
            panic!(
                "{} of {} replies not answered: {missing:?}",
                missing.len(),
                replied.len()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let conn = open(&s.db);
    let active = strings(
        &conn,
        "SELECT contact FROM executions WHERE status = 'active'",
    );
    let stuck: Vec<_> = replied.keys().filter(|c| active.contains(**c)).collect();
    assert!(
        stuck.is_empty(),
        "executions still waiting after a reply: {stuck:?}"
    );
    // Task TTL timers fire across restarts: no short-lived task is left waiting.
    let ttl: Vec<&str> = a
        .tasks
        .iter()
        .filter(|(_, t)| *t)
        .map(|(s, _)| s.as_str())
        .collect();
    wait_for("task TTL timers", || {
        let waiting = strings(
            &open(&s.db),
            "SELECT sid FROM tr_tasks WHERE assignment_status IN ('pending','reserved')",
        );
        let left: Vec<_> = ttl.iter().filter(|t| waiting.contains(**t)).collect();
        let timers = strings(
            &open(&s.db),
            "SELECT kind || ' ' || target || ' ' || due_at || ' ' || attempts FROM timers",
        );
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis();
        left.is_empty()
            .then_some(())
            .ok_or_else(|| format!("{} left: {left:?}; now {now} timers {timers:?}", left.len()))
    });
    // The event outbox: each acknowledged task's task.created reached the callback URL.
    let sids: HashSet<&str> = a.tasks.iter().map(|(s, _)| s.as_str()).collect();
    let (mut deliveries, mut unique) = (0usize, HashSet::new());
    wait_for("task.created callbacks", || {
        let got = hooks.requests();
        let created: HashSet<String> = got
            .iter()
            .filter(|r| r.param("EventType") == Some("task.created"))
            .filter_map(|r| r.param("ResourceSid").map(str::to_string))
            .collect();
        deliveries = got.len();
        unique = got
            .iter()
            .filter_map(|r| r.param("Sid").map(str::to_string))
            .collect();
        let left: Vec<_> = sids.iter().filter(|t| !created.contains(**t)).collect();
        let cursors = strings(
            &open(&s.db),
            "SELECT name || ' ' || seq FROM subscriber_cursors",
        );
        let failed = strings(
            &open(&s.db),
            "SELECT data FROM events WHERE event_type = 'webhook.failed'",
        );
        let evs: Vec<String> = left.iter().take(3).flat_map(|t| strings(&open(&s.db), &format!("SELECT seq || ' ' || event_type || ' ' || sid FROM events WHERE resource_sid = '{t}'"))).collect();
        let cursors = format!("{cursors:?}; failed {failed:?}; events {evs:?}");
        left.is_empty().then_some(()).ok_or_else(|| {
            format!(
                "{} of {} missing: {left:?}; cursors {cursors:?}",
                left.len(),
                sids.len()
            )
        })
    });
    println!(
        "mixed crash test: {rounds} kills survived in {:?}; acknowledged and found: {} inbound messages, \
         {} tasks ({} with a TTL), {} accepts, {} completions, {} replies resumed; \
         event callbacks: {deliveries} deliveries of {} distinct events",
        started.elapsed(),
        a.messages.len(),
        a.tasks.len(),
        ttl.len(),
        a.accepts,
        a.completions,
        a.replied.len(),
        unique.len()
    );
    assert!(
        a.tasks.len() > 20 && a.messages.len() > 20,
        "too little load"
    );
}

/// Waits for `f` to pass, panicking with its last complaint at the deadline.
fn wait_for(what: &str, mut f: impl FnMut() -> Result<(), String>) {
    let deadline = Instant::now() + WAIT;
    loop {
        match f() {
            Ok(()) => return,
            Err(e) if Instant::now() > deadline => panic!("{what}: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}
