//! Issue 19, "no user-controlled computation inside a write": a flow that renders a template at
//! every step of a loop (each render within the Liquid budgets, 1,000 steps until the loop
//! guard: seconds in all) runs outside the store's write, so while it runs other writes — a new
//! workspace, a task — are answered in their normal time, not after the flow.

mod common;
mod studio_common;
#[path = "common/taskrouter.rs"]
mod taskrouter;
use common::*;
use std::time::{Duration, Instant};
use studio_common::*;
use taskrouter::Tr;

/// 15 × 8 iterations (Twilio's 15 per loop) of arithmetic that prints nothing: some
/// milliseconds to render, within every budget, small to store — a thousand times over.
#[cfg(debug_assertions)]
const SLOW: &str = "{% for a in (1..15) %}{% for b in (1..8) %}\
{% assign x = a | times: b | plus: 3 | modulo: 7 %}{% endfor %}{% endfor %}\
{{ flow.variables.n | plus: 1 }}";
/// The release build (CI runs this test there too) renders the debug build's loop in a tenth of
/// the time: 15 × 15 × 4 iterations keep the run long enough to overlap the other writes.
#[cfg(not(debug_assertions))]
const SLOW: &str = "{% for a in (1..15) %}{% for b in (1..15) %}{% for c in (1..4) %}\
{% assign x = a | times: b | plus: c | modulo: 7 %}{% endfor %}{% endfor %}{% endfor %}\
{{ flow.variables.n | plus: 1 }}";

/// The REST trigger into two set-variables widgets taking turns until the step guard (one
/// widget looping to itself would meet the widget-repeat guard after 10 runs).
fn runaway() -> Value {
    json!({
        "description": "runaway",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {},
             "transitions": [{"event": "incomingRequest", "next": "spin"}]},
            {"name": "spin", "type": "set-variables",
             "properties": {"variables": [{"key": "n", "value": SLOW}]},
             "transitions": [{"event": "next", "next": "spun"}]},
            {"name": "spun", "type": "set-variables",
             "properties": {"variables": [{"key": "n", "value": SLOW}]},
             "transitions": [{"event": "next", "next": "spin"}]}
        ],
        "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": true}
    })
}

#[test]
fn a_runaway_flow_leaves_other_writes_answering() {
    let s = TestServer::start();
    let flow = create(&s, "runaway", &runaway());
    let tr = Tr::new(&s, "unrelated");
    let workflow = tr.simple_workflow(&tr.queue("everyone", "1==1", &[]));

    let (addr, auth) = (s.addr.clone(), s.auth());
    let path = format!("/v2/Flows/{flow}/Executions");
    let started = Instant::now();
    let runner = std::thread::spawn(move || {
        let body = form_encode(&[("To", "+15550001111"), ("From", "+15550000000")]);
        let r = http(
            &addr,
            "POST",
            &path,
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            body.as_bytes(),
        )
        .expect("the execution's answer");
        (r, started.elapsed())
    });
    // Let the run get going: it renders at every step, and commits only at its end.
    std::thread::sleep(Duration::from_millis(if cfg!(debug_assertions) {
        500
    } else {
        100
    }));

    let mut slowest = Duration::ZERO;
    for i in 0..5 {
        let t0 = Instant::now();
        s.post("/v1/Workspaces", &[("FriendlyName", &format!("w{i}"))])
            .expect(201);
        tr.task(&workflow, json!({"n": i}), &[]);
        slowest = slowest.max(t0.elapsed());
    }
    // Normal time on a loaded test machine: well under a second; the flow takes many.
    assert!(
        slowest < Duration::from_secs(2),
        "a workspace and a task took {slowest:?} while the flow ran"
    );
    assert!(
        !runner.is_finished(),
        "the flow ended before the other writes were made (it ran {:?}): the test proves nothing",
        started.elapsed()
    );

    let (r, took) = runner.join().unwrap();
    let e = r.expect(201).json();
    assert_eq!(e["status"], "ended");
    assert_eq!(e["context"]["flow"]["variables"]["n"], "999", "{took:?}");
    let st = steps(&s, &flow, e["sid"].as_str().unwrap());
    assert_eq!(st.len(), 1001);
    assert!(st.last().unwrap()["context"]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("1000 steps"));
    eprintln!("the runaway flow ran {took:?}; the slowest other write pair took {slowest:?}");
}

/// A flow without concurrent calls keeps one active execution per contact even when two
/// triggers are computed at once: both runs read "no active execution", the first to commit
/// wins, and the second, finding the contact busy when its write checks, is computed again
/// and refused (409) instead of starting a second execution.
#[test]
fn two_runs_computed_at_once_start_one_execution() {
    let s = TestServer::start();
    let def = json!({
        "description": "slow, then waits",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {},
             "transitions": [{"event": "incomingRequest", "next": "spin"}]},
            {"name": "spin", "type": "set-variables",
             "properties": {"variables": [{"key": "n", "value": SLOW}]},
             "transitions": [{"event": "next", "next": "enough"}]},
            {"name": "enough", "type": "split-based-on",
             "properties": {"input": "{{flow.variables.n}}"},
             "transitions": [
                {"event": "noMatch", "next": "ask"},
                {"event": "match", "next": "spin", "conditions": [
                    {"friendly_name": "more", "arguments": ["{{flow.variables.n}}"],
                     "type": "less_than", "value": "60"}]}]},
            {"name": "ask", "type": "send-and-wait-for-reply",
             "properties": {"body": "still there?", "timeout": "3600"},
             "transitions": [{"event": "incomingMessage"}, {"event": "timeout"},
                             {"event": "deliveryFailure"}]}
        ],
        "initial_state": "Trigger"
    });
    let flow = create(&s, "one per contact", &def);
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let runs: Vec<_> = (0..2)
            .map(|_| scope.spawn(|| execute(&s, &flow, "+15550004444", json!({})).status))
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let mut sorted = statuses.clone();
    sorted.sort();
    assert_eq!(sorted, [201, 409], "{statuses:?}");
    let list = s
        .get(&format!("/v2/Flows/{flow}/Executions"))
        .expect(200)
        .json();
    let all = list["executions"].as_array().unwrap();
    assert_eq!(all.len(), 1, "{list}");
    assert_eq!(all[0]["status"], "active");
}
