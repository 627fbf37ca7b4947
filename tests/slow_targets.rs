//! Issue 19, "one slow target can't hold up the rest": with 20 slow targets and 20 healthy ones,
//! the healthy ones' Studio requests and outbox deliveries keep their normal latency, and the
//! order per conversation is kept. Slow targets hold each request 4 s (the 10 s with
//! `SWITCHBOARD_FAULT_DELAY_MS=10000`); before the outbound lanes, Studio had two worker threads
//! and the outbox one, so a few hanging targets delayed everything behind them.

mod common;
#[path = "common/targets.rs"]
mod targets;
use common::*;
use std::time::{Duration, Instant};
use targets::{ended_context, execute, http_flow, Target};

fn slow_delay() -> Duration {
    std::env::var("SWITCHBOARD_FAULT_DELAY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_millis)
        .unwrap_or(Duration::from_secs(4))
}

/// What "normal latency" is allowed to be here: well under the slow targets' delay, with room for
/// a loaded CI machine.
const HEALTHY: Duration = Duration::from_millis(2_500);

#[test]
fn twenty_slow_api_targets_do_not_delay_other_flows_requests() {
    let delay = slow_delay();
    let slow: Vec<Target> = (0..20).map(|_| Target::start(delay)).collect();
    let healthy: Vec<Target> = (0..20).map(|_| Target::start(Duration::ZERO)).collect();
    let s = TestServer::start();
    let flow = http_flow(&s, "{{flow.data.url}}");
    // The slow ones first: every healthy request is made while all twenty hang.
    let slow_runs: Vec<String> = slow
        .iter()
        .enumerate()
        .map(|(n, t)| {
            let data = json!({"url": format!("{}/slow", t.url), "n": n});
            execute(&s, &flow, &format!("+1555100{n:04}"), &data)
        })
        .collect();
    for t in &slow {
        t.wait_received(1, Duration::from_secs(10));
    }
    let began = Instant::now();
    let healthy_runs: Vec<String> = healthy
        .iter()
        .enumerate()
        .map(|(n, t)| {
            let data = json!({"url": format!("{}/ok", t.url), "n": n});
            execute(&s, &flow, &format!("+1555200{n:04}"), &data)
        })
        .collect();
    for sid in &healthy_runs {
        let ctx = ended_context(&s, &flow, sid, delay * 3);
        assert_eq!(ctx["flow"]["variables"]["outcome"], "success", "{ctx}");
    }
    let healthy_done = began.elapsed();
    assert!(
        healthy_done < HEALTHY.min(delay),
        "healthy targets' requests waited behind slow ones: {healthy_done:?}"
    );
    assert!(
        slow.iter().all(|t| t.answered() == 0) || healthy_done < delay,
        "the slow targets were still holding their requests"
    );
    // The slow ones finish too, each with its own answer.
    for sid in &slow_runs {
        let ctx = ended_context(&s, &flow, sid, delay * 3 + Duration::from_secs(10));
        assert_eq!(ctx["flow"]["variables"]["outcome"], "success", "{ctx}");
    }
    println!(
        "slow targets: 20 healthy make-http-request runs done in {healthy_done:?} while 20 targets held theirs for {delay:?}"
    );
}

/// A Flex Flow on `number` whose integration posts each inbound message to `url`.
fn external_flex_flow(s: &TestServer, number: &str, url: &str) {
    s.post(
        "/v1/FlexFlows",
        &[
            ("FriendlyName", &format!("external {number}")),
            ("ChannelType", "sms"),
            ("ContactIdentity", number),
            ("IntegrationType", "external"),
            ("Integration.Url", url),
        ],
    )
    .expect(201);
}

fn sms(s: &TestServer, from: &str, to: &str, body: &str, sid: &str) {
    let form = form_encode(&[
        ("From", from),
        ("To", to),
        ("Body", body),
        ("MessageSid", sid),
    ]);
    s.request(
        "POST",
        "/webhooks/messaging",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form.as_bytes(),
    )
    .expect(200);
}

fn body_param(form: &str, key: &str) -> Option<String> {
    form.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| v.replace('+', " "))
    })
}

#[test]
fn twenty_slow_webhook_targets_do_not_delay_other_deliveries_and_order_is_kept() {
    let delay = slow_delay();
    let slow: Vec<Target> = (0..20).map(|_| Target::start(delay)).collect();
    let healthy: Vec<Target> = (0..20).map(|_| Target::start(Duration::ZERO)).collect();
    let ordered = Target::start(Duration::from_millis(300));
    let s = TestServer::start();
    for (n, t) in slow.iter().enumerate() {
        external_flex_flow(&s, &format!("+1555100{n:04}"), &format!("{}/in", t.url));
    }
    for (n, t) in healthy.iter().enumerate() {
        external_flex_flow(&s, &format!("+1555200{n:04}"), &format!("{}/in", t.url));
    }
    external_flex_flow(&s, "+15553000000", &format!("{}/in", ordered.url));
    for n in 0..20 {
        sms(
            &s,
            &format!("+1555900{n:04}"),
            &format!("+1555100{n:04}"),
            "to a slow target",
            &format!("SM{:032}", n),
        );
    }
    for t in &slow {
        t.wait_received(1, Duration::from_secs(10));
    }
    let began = Instant::now();
    for n in 0..20 {
        sms(
            &s,
            &format!("+1555900{n:04}"),
            &format!("+1555200{n:04}"),
            "to a healthy target",
            &format!("SM{:032}", 100 + n),
        );
    }
    // Three messages of one conversation to a target that takes 300 ms each.
    for i in 0..3 {
        sms(
            &s,
            "+15559990000",
            "+15553000000",
            &format!("part {i}"),
            &format!("SM{:032}", 200 + i),
        );
    }
    let mut slowest = Duration::ZERO;
    for t in &healthy {
        let got = t.wait_received(1, delay * 3);
        slowest = slowest.max(got[0].1.duration_since(began));
    }
    assert!(
        slowest < HEALTHY.min(delay),
        "healthy targets' deliveries waited behind slow ones: {slowest:?}"
    );
    let parts = ordered.wait_received(3, Duration::from_secs(20));
    let bodies: Vec<String> = parts
        .iter()
        .map(|(b, _)| body_param(b, "Body").unwrap_or_default())
        .collect();
    assert_eq!(bodies, ["part 0", "part 1", "part 2"], "{parts:?}");
    // One at a time: each part was sent only after the previous one was answered.
    for w in parts.windows(2) {
        assert!(
            w[1].1.duration_since(w[0].1) >= Duration::from_millis(250),
            "a conversation's messages overlapped: {:?}",
            parts.iter().map(|p| p.1).collect::<Vec<_>>()
        );
    }
    // The slow targets get theirs too, each once.
    wait_until(delay * 3 + Duration::from_secs(10), || {
        slow.iter().all(|t| t.answered() >= 1).then_some(())
    });
    assert!(slow.iter().all(|t| t.received().len() == 1));
    println!(
        "slow targets: 20 healthy deliveries within {slowest:?} while 20 targets held theirs for {delay:?}"
    );
}
