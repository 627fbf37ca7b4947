//! Issue 9: faults. The event callback URL refuses connections and the external Flex Flow webhook
//! answers 500 at the same time: routing goes on (a concurrent API call and a task's reservation
//! stay fast), retries are bounded (3 tries each) with backoff, and each failure is recorded as an
//! event (`webhook.failed`, `message.outbound.failed`) and counted in /metrics.
//! Slow targets (the 10 s) are not covered yet: the test carrier cannot delay answers.

mod carrier;
mod common;
#[path = "common/taskrouter.rs"]
mod tr;
use carrier::Carrier;
use common::*;
use std::time::{Duration, Instant};

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

/// A webhook receiver that holds each request `delay` before answering 200; returns its URL and
/// a counter of requests answered.
fn slow_server(delay: Duration) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = answered.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let counter = counter.clone();
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
                let mut buf = [0u8; 65536];
                let _ = stream.read(&mut buf);
                // Playing a slow peer: the delay is the behaviour under test, not a wait.
                std::thread::sleep(delay);
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            });
        }
    });
    (url, answered)
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
    let (url, answered) = slow_server(delay);
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
        (answered.load(std::sync::atomic::Ordering::SeqCst) >= 2).then_some(())
    });
    println!("slow webhooks ({delay:?}): slowest API call {slowest:?}");
}
