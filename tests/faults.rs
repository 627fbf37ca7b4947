//! Issue 9: faults. The event callback URL refuses connections and the external Flex Flow webhook
//! answers 500 at the same time: routing goes on (a concurrent API call and a task's reservation
//! stay fast), retries are bounded (3 tries each) with backoff, and each failure is recorded as an
//! event (`webhook.failed`, `message.outbound.failed`) and counted in /metrics.
//! Slow targets hang for 3 s (the 10 s with `SWITCHBOARD_FAULT_DELAY_MS=10000`). The same for
//! make-http-request targets and the outbound carrier (500, dropped connections), and the event
//! callback settings cache (a new EventCallbackUrl serves the very next event).

mod carrier;
mod common;
#[path = "common/targets.rs"]
mod targets;
#[path = "common/taskrouter.rs"]
mod tr;
use carrier::Carrier;
use common::*;
use std::time::{Duration, Instant};
use targets::{http_flow, Target};

fn events_of(db: &std::path::Path, kind: &str) -> Vec<String> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut stmt = conn
        .prepare("SELECT data FROM events WHERE event_type = ?1")
        .unwrap();
    let rows = stmt
        .query_map([kind], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows
}

#[test]
fn refused_and_failing_webhooks_do_not_stop_routing_and_are_recorded() {
    let bad = Carrier::start_on(0, 500);
    let s = TestServer::start_with(&[("SWITCHBOARD_RETRY_BASE_MS", "50"), ("RUST_LOG", "info")]);
    let t = tr::Tr::new(&s, "faults");
    // Port 1 on localhost refuses connections.
    s.post(
        &t.path(""),
        &[("EventCallbackUrl", "http://127.0.0.1:1/events")],
    )
    .expect(200);
    s.post(
        "/v1/FlexFlows",
        &[
            ("FriendlyName", "external"),
            ("ChannelType", "sms"),
            ("ContactIdentity", "+15550003333"),
            ("IntegrationType", "external"),
            ("Integration.Url", &format!("{}/inbound", bad.url)),
            ("Integration.RetryCount", "2"),
        ],
    )
    .expect(201);
    let q = t.queue("q", "1==1", &[]);
    let wf = t.simple_workflow(&q);
    let params = [
        ("From", "+15557654321"),
        ("To", "+15550003333"),
        ("Body", "my card is 4111-secret-body"),
        ("MessageSid", "SM00000000000000000000000000000009"),
    ];
    s.request(
        "POST",
        "/webhooks/messaging",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form_encode(&params).as_bytes(),
    )
    .expect(200);
    // While both fail: routing goes on and API calls stay fast.
    let worker = t.worker("agent", json!({}));
    let mut slowest = Duration::ZERO;
    for i in 0..5 {
        let started = Instant::now();
        let task = t.task(&wf, json!({"n": i}), &[]);
        s.get(&t.path("")).expect(200);
        slowest = slowest.max(started.elapsed());
        let sid = task["sid"].as_str().unwrap().to_string();
        let r = t.wait_reservation(&sid);
        assert_eq!(r["worker_sid"], worker.as_str());
        t.update_reservation(
            &sid,
            r["sid"].as_str().unwrap(),
            &[("ReservationStatus", "accepted")],
        )
        .expect(200);
        s.post(
            &t.path(&format!("/Tasks/{sid}")),
            &[("AssignmentStatus", "completed")],
        )
        .expect(200);
    }
    assert!(
        slowest < Duration::from_secs(2),
        "API calls slowed by failing webhooks: {slowest:?}"
    );
    // Failures are recorded, not dropped.
    let failed = wait_until(Duration::from_secs(30), || {
        let f = events_of(&s.db, "webhook.failed");
        (!f.is_empty()).then_some(f)
    });
    assert!(failed[0].contains("127.0.0.1:1"), "{failed:?}");
    let outbound = wait_until(Duration::from_secs(30), || {
        let f = events_of(&s.db, "message.outbound.failed");
        (!f.is_empty()).then_some(f)
    });
    assert!(outbound[0].contains("500"), "{outbound:?}");
    // Visible where the admin page reads: the workspace's Events (REST, as the routing pages
    // list them) hold the failed callback.
    let listed = s
        .get(&t.path("/Events?EventType=webhook.failed"))
        .expect(200)
        .json();
    let listed = listed["events"].as_array().unwrap();
    assert!(!listed.is_empty(), "webhook.failed not listed");
    assert!(
        listed[0]["description"]
            .as_str()
            .is_some_and(|d| d.contains("127.0.0.1:1")),
        "{listed:?}"
    );
    // And on the admin page's System view, which reads /admin/api/failures: both kinds, newest
    // first, naming what failed.
    let failures = s.get("/admin/api/failures").expect(200).json();
    let failures = failures["failures"].as_array().unwrap().clone();
    let kinds: Vec<&str> = failures
        .iter()
        .filter_map(|f| f["event_type"].as_str())
        .collect();
    assert!(kinds.contains(&"webhook.failed"), "{failures:?}");
    assert!(kinds.contains(&"message.outbound.failed"), "{failures:?}");
    let seqs: Vec<i64> = failures.iter().filter_map(|f| f["seq"].as_i64()).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] > w[1]),
        "newest first: {seqs:?}"
    );
    assert!(failures.iter().any(|f| f["description"]
        .as_str()
        .is_some_and(|d| d.contains("127.0.0.1:1"))));
    let one = s.get("/admin/api/failures?PageSize=1").expect(200).json();
    assert_eq!(one["failures"].as_array().unwrap().len(), 1);
    s.get("/admin/api/failures?PageSize=0").expect_error(400);
    // Bounded: 1 + RetryCount tries at the external webhook, then no more.
    let tries = bad
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/inbound"))
        .count();
    assert_eq!(tries, 3, "external webhook tries");
    let metrics = s.get("/metrics").expect(200).text();
    assert!(
        metrics.contains("switchboard_outbound_requests{status=\"failed\"} 1"),
        "{metrics}"
    );
    for gauge in [
        "switchboard_webhook_failures{event_type=\"webhook.failed\"}",
        "switchboard_webhook_failures{event_type=\"message.outbound.failed\"} 1",
        "switchboard_tasks{status=\"completed\"} 5",
        "switchboard_outbox_backlog ",
        "switchboard_queue_pending_tasks{queue=",
        "switchboard_studio_active_executions",
    ] {
        assert!(metrics.contains(gauge), "no {gauge} in {metrics}");
    }
    // Customer message bodies never reach the log at info level.
    let log = s.log();
    assert!(log.contains(" INFO "), "the log is at info level: {log}");
    assert!(
        !log.contains("4111-secret-body"),
        "a message body was logged"
    );
    println!(
        "faults: slowest API call {slowest:?} while webhooks failed; {} callback failures recorded, external webhook tried {tries} times",
        failed.len()
    );
}

/// Slow targets (3 s each in CI, the 10 s with SWITCHBOARD_FAULT_DELAY_MS=10000): the
/// event callback and the external webhook both hang; routing and the API do not.
#[test]
fn slow_webhooks_do_not_slow_routing() {
    let delay = std::env::var("SWITCHBOARD_FAULT_DELAY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_millis)
        .unwrap_or(Duration::from_secs(3));
    let slow = Target::start(delay);
    let url = slow.url.clone();
    let s = TestServer::start_with(&[("SWITCHBOARD_RETRY_BASE_MS", "50")]);
    let t = tr::Tr::new(&s, "slow");
    s.post(
        &t.path(""),
        &[("EventCallbackUrl", &format!("{url}/events"))],
    )
    .expect(200);
    s.post(
        "/v1/FlexFlows",
        &[
            ("FriendlyName", "external"),
            ("ChannelType", "sms"),
            ("ContactIdentity", "+15550004444"),
            ("IntegrationType", "external"),
            ("Integration.Url", &format!("{url}/inbound")),
        ],
    )
    .expect(201);
    let q = t.queue("q", "1==1", &[]);
    let wf = t.simple_workflow(&q);
    let worker = t.worker("agent", json!({}));
    let mut slowest = Duration::ZERO;
    for i in 0..5 {
        let started = Instant::now();
        let body = form_encode(&[
            ("From", &format!("+1555765432{i}")),
            ("To", "+15550004444"),
            ("Body", "hello"),
            (
                "MessageSid",
                &format!("SM0000000000000000000000000000001{i}"),
            ),
        ]);
        s.request(
            "POST",
            "/webhooks/messaging",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            body.as_bytes(),
        )
        .expect(200);
        let task = t.task(&wf, json!({"n": i}), &[]);
        slowest = slowest.max(started.elapsed());
        let sid = task["sid"].as_str().unwrap().to_string();
        let r = t.wait_reservation(&sid);
        assert_eq!(r["worker_sid"], worker.as_str());
        t.update_reservation(
            &sid,
            r["sid"].as_str().unwrap(),
            &[("ReservationStatus", "accepted")],
        )
        .expect(200);
        s.post(
            &t.path(&format!("/Tasks/{sid}")),
            &[("AssignmentStatus", "completed")],
        )
        .expect(200);
    }
    assert!(
        slowest < Duration::from_secs(2),
        "API calls slowed by slow webhooks: {slowest:?}"
    );
    // The slow peers are still answered in the end (nothing given up under their timeouts).
    wait_until(delay * 4 + Duration::from_secs(10), || {
        (slow.answered() >= 2).then_some(())
    });
    println!("slow webhooks ({delay:?}): slowest API call {slowest:?}");
}

fn fault_delay() -> Duration {
    std::env::var("SWITCHBOARD_FAULT_DELAY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_millis)
        .unwrap_or(Duration::from_secs(3))
}

/// The execution once ended, with its steps' names (transition events) in order.
fn ended(s: &TestServer, flow: &str, sid: &str, within: Duration) -> (Value, Vec<String>) {
    let e = wait_until(within, || {
        let e = s
            .get(&format!("/v2/Flows/{flow}/Executions/{sid}"))
            .expect(200)
            .json();
        (e["status"] == "ended").then_some(e)
    });
    let ctx = s
        .get(&format!("/v2/Flows/{flow}/Executions/{sid}/Context"))
        .expect(200)
        .json()["context"]
        .clone();
    let steps = s
        .get(&format!("/v2/Flows/{flow}/Executions/{sid}/Steps"))
        .expect(200)
        .json()["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|st| st["name"].as_str().unwrap_or("").to_string())
        .collect::<Vec<_>>();
    let _ = e;
    (ctx, steps)
}

/// make-http-request at a target that refuses connections, one that answers 500 and one that is
/// slow (3 s; the 10 s with SWITCHBOARD_FAULT_DELAY_MS=10000, past the engine's 10 s
/// timeout): each execution takes its `failed` transition with the failure in its context and
/// steps, the request is not retried (Twilio's widget has no retries; the flow decides), and
/// meanwhile other executions, their requests and the API go on.
#[test]
fn make_http_request_failures_take_the_failed_transition_and_others_go_on() {
    let delay = fault_delay();
    let slow_target = Target::start(delay);
    let slow_url = slow_target.url.clone();
    let failing = Carrier::start_on(0, 500);
    let good = Carrier::start_on(0, 200);
    let s = TestServer::start();
    let flow = http_flow(&s, "{{flow.data.url}}");
    let start = |url: &str, n: usize| -> (String, Duration) {
        let t = Instant::now();
        let e = s
            .post(
                &format!("/v2/Flows/{flow}/Executions"),
                &[
                    ("To", &format!("+1555000{n:04}")),
                    ("From", "+15550000000"),
                    ("Parameters", &json!({"url": url, "n": n}).to_string()),
                ],
            )
            .expect(201)
            .json();
        (e["sid"].as_str().unwrap().to_string(), t.elapsed())
    };
    // The slow one first, so everything after runs while it hangs.
    let (slow, _) = start(&format!("{slow_url}/slow"), 0);
    let began = Instant::now();
    let (refused, t1) = start("http://127.0.0.1:1/refused", 1);
    let (five_hundred, t2) = start(&format!("{}/fail", failing.url), 2);
    let mut fast = Vec::new();
    let mut slowest_api = t1.max(t2);
    for n in 3..8 {
        let (sid, t) = start(&format!("{}/ok", good.url), n);
        slowest_api = slowest_api.max(t);
        fast.push(sid);
    }
    let quick = Duration::from_secs(2).min(delay);
    for sid in &fast {
        let (ctx, steps) = ended(&s, &flow, sid, Duration::from_secs(10));
        assert_eq!(steps, ["incomingRequest", "success", "next"], "{ctx}");
        assert_eq!(ctx["flow"]["variables"]["outcome"], "success");
    }
    let (ctx, steps) = ended(&s, &flow, &refused, Duration::from_secs(10));
    assert_eq!(steps, ["incomingRequest", "failed", "next"], "{ctx}");
    assert_eq!(ctx["flow"]["variables"]["outcome"], "failed");
    let error = ctx["widgets"]["call"]["error"]["message"]
        .as_str()
        .unwrap_or("");
    assert!(
        error.contains("127.0.0.1:1"),
        "the refusal is recorded: {ctx}"
    );
    let (ctx, steps) = ended(&s, &flow, &five_hundred, Duration::from_secs(10));
    assert_eq!(steps, ["incomingRequest", "failed", "next"], "{ctx}");
    assert_eq!(ctx["widgets"]["call"]["status_code"], 500, "{ctx}");
    // All of that happened while the slow target still held its request.
    let others_done = began.elapsed();
    assert!(
        others_done < delay,
        "the other executions waited for the slow target: {others_done:?}"
    );
    let e = s
        .get(&format!("/v2/Flows/{flow}/Executions/{slow}"))
        .expect(200)
        .json();
    assert_eq!(e["status"], "active", "{e}");
    assert!(slowest_api < quick, "API calls slowed: {slowest_api:?}");
    // The slow one ends too: success within the engine's 10 s timeout, `failed` past it (at
    // the exactly 10 s the answer and the timeout race; either is recorded).
    let (ctx, steps) = ended(&s, &flow, &slow, delay + Duration::from_secs(15));
    let expected: &[&str] = if delay < Duration::from_millis(9_500) {
        &["success"]
    } else if delay > Duration::from_millis(10_500) {
        &["failed"]
    } else {
        &["success", "failed"]
    };
    assert_eq!(steps.len(), 3, "{steps:?}");
    assert!(expected.contains(&steps[1].as_str()), "{steps:?} {ctx}");
    if steps[1] == "failed" {
        assert!(
            ctx["widgets"]["call"]["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "the timeout is recorded: {ctx}"
        );
    }
    // One request each: a failed request is the flow's to handle, never resent behind its back.
    assert_eq!(failing.requests().len(), 1);
    assert_eq!(good.requests().len(), 5);
    assert!(slow_target.answered() <= 1);
    println!(
        "make-http-request faults: others done in {others_done:?} while the slow target ({delay:?}) held one; slowest API call {slowest_api:?}"
    );
}

fn outbound_rows(db: &std::path::Path) -> Vec<(String, i64, i64, i64, Option<String>)> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT status, attempts, next_attempt_at, updated_at, last_error
               FROM outbound_requests WHERE kind = 'carrier' ORDER BY created_at",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows
}

/// The outbound carrier answering 500, then dropping connections: the message waits in the
/// outbox, retried with doubling delays (bounded at 60 s), visible as retrying in /metrics with
/// its last error kept; another conversation's webhook posts go on meanwhile; once the carrier
/// answers, the message is sent exactly once.
#[test]
fn a_failing_carrier_delays_messages_with_bounded_backoff_and_loses_none() {
    let carrier = Carrier::start_on(0, 500);
    let hook = Carrier::start_on(0, 200);
    let s = TestServer::start_with(&[
        ("SWITCHBOARD_PROVIDER_URL", &carrier.url),
        ("SWITCHBOARD_PROVIDER_SID", "ACprovider"),
        (
            "SWITCHBOARD_PROVIDER_TOKEN",
            "0123456789abcdef0123456789abcdef",
        ),
        ("SWITCHBOARD_RETRY_BASE_MS", "50"),
    ]);
    let conv = s.post("/v1/Conversations", &[]).expect(201).json()["sid"]
        .as_str()
        .unwrap()
        .to_string();
    s.post(
        &format!("/v1/Conversations/{conv}/Participants"),
        &[
            ("MessagingBinding.Address", "+15551112222"),
            ("MessagingBinding.ProxyAddress", "+15553334444"),
        ],
    )
    .expect(201);
    let msg = s
        .post(
            &format!("/v1/Conversations/{conv}/Messages"),
            &[("Author", "agent"), ("Body", "are you there?")],
        )
        .expect(201)
        .json();
    // Five failed tries (50, 100, 200, 400 ms apart), each recorded after the carrier answered.
    let rows = wait_until(Duration::from_secs(20), || {
        let rows = outbound_rows(&s.db);
        let recorded = rows.first().is_some_and(|r| r.1 >= 5);
        (carrier.requests().len() >= 5 && recorded).then_some(rows)
    });
    assert_eq!(rows.len(), 1, "{rows:?}");
    let (status, attempts, next_at, updated_at, last_error) = rows[0].clone();
    assert_eq!(status, "queued", "the message waits, it is not dropped");
    assert!(attempts >= 5, "{attempts}");
    let backoff = next_at - updated_at;
    assert_eq!(
        backoff,
        (50i64 << (attempts - 1).min(16)).min(60_000),
        "doubling, bounded backoff after {attempts} attempts"
    );
    assert!(
        last_error.as_deref().unwrap_or("").contains("500"),
        "{last_error:?}"
    );
    let metrics = s.get("/metrics").expect(200).text();
    assert!(
        metrics.contains("switchboard_outbound_retrying{kind=\"carrier\"} 1"),
        "{metrics}"
    );
    let m = s
        .get(&format!(
            "/v1/Conversations/{conv}/Messages/{}",
            msg["sid"].as_str().unwrap()
        ))
        .expect(200)
        .json();
    assert_eq!(m["delivery"]["sent"], "none", "{m}");
    // Another conversation's webhook is not held behind the carrier.
    let other = s.post("/v1/Conversations", &[]).expect(201).json()["sid"]
        .as_str()
        .unwrap()
        .to_string();
    s.post(
        &format!("/v1/Conversations/{other}/Webhooks"),
        &[
            ("Target", "webhook"),
            ("Configuration.Url", &format!("{}/hook", hook.url)),
            ("Configuration.Filters", "onMessageAdded"),
        ],
    )
    .expect(201);
    s.post(
        &format!("/v1/Conversations/{other}/Messages"),
        &[("Author", "someone"), ("Body", "meanwhile")],
    )
    .expect(201);
    wait_until(Duration::from_secs(10), || {
        (!hook.accepted().is_empty()).then_some(())
    });
    // Connections dropped unanswered: still waiting, still retrying.
    carrier.set_status(0);
    let before = carrier.requests().len();
    wait_until(Duration::from_secs(20), || {
        (carrier.requests().len() > before).then_some(())
    });
    assert_eq!(outbound_rows(&s.db)[0].0, "queued");
    // The carrier is back: sent once, the delivery shows it, nothing retrying.
    carrier.set_status(201);
    wait_until(Duration::from_secs(30), || {
        let m = s
            .get(&format!("/v1/Conversations/{conv}/Messages/0"))
            .expect(200)
            .json();
        (m["delivery"]["sent"] == "all").then_some(())
    });
    assert_eq!(carrier.accepted().len(), 1);
    let metrics = s.get("/metrics").expect(200).text();
    assert!(
        metrics.contains("switchboard_outbound_retrying{kind=\"carrier\"} 0"),
        "{metrics}"
    );
    let tries = carrier.requests().len();
    println!("failing carrier: delivered once after {tries} tries, last backoff {backoff} ms");
}

fn subscriber_cursor(db: &std::path::Path, name: &str) -> (i64, i64) {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let cursor = conn
        .query_row(
            "SELECT COALESCE((SELECT seq FROM subscriber_cursors WHERE name = ?1), 0)",
            [name],
            |r| r.get(0),
        )
        .unwrap();
    let max = conn
        .query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |r| r.get(0))
        .unwrap();
    (cursor, max)
}

/// Issue 9's callback settings cache: an EventCallbackUrl set right after the callback thread
/// read the workspace's settings (no URL, then the previous round's URL) still gets the very next
/// events, at the new URL.
#[test]
fn an_event_callback_url_takes_effect_for_the_next_event() {
    let hook = Carrier::start_on(0, 200);
    let s = TestServer::start();
    let t = tr::Tr::new(&s, "callback-now");
    let q = t.queue("q", "1==1", &[]);
    let wf = t.simple_workflow(&q);
    for round in 0..3 {
        // The callback thread has just seen this workspace's events, settings and all.
        t.worker(&format!("w{round}"), json!({}));
        wait_until(Duration::from_secs(10), || {
            let (cursor, max) = subscriber_cursor(&s.db, "taskrouter-callbacks");
            (cursor >= max).then_some(())
        });
        let url = format!("{}/events/{round}", hook.url);
        s.post(&t.path(""), &[("EventCallbackUrl", &url)])
            .expect(200);
        let task = t.task(&wf, json!({"round": round}), &[]);
        let sid = task["sid"].as_str().unwrap().to_string();
        wait_until(Duration::from_secs(10), || {
            hook.accepted()
                .iter()
                .any(|r| {
                    r.path == format!("/events/{round}")
                        && r.param("EventType") == Some("task.created")
                        && r.param("ResourceSid") == Some(sid.as_str())
                })
                .then_some(())
        });
    }
}
