//! Issue 19, findings 1 and 2 (the Liquid side), against the real binary: a runaway loop can't
//! hold up other writes (loops run at most Twilio's 15 iterations), 2,000 nested `if`s are a
//! clean 400 at save and at validate (not a stack overflow that kills the process), and a
//! template that would build megabytes is bounded.

mod common;
mod studio_common;
use common::*;
use std::time::{Duration, Instant};
use studio_common::*;

/// A flow whose REST trigger runs one set-variables widget with `value` as its template.
fn flow_with(value: &str) -> Value {
    json!({
        "description": "budget",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0, "y": 0}},
             "transitions": [{"event": "incomingRequest", "next": "vars"}]},
            {"name": "vars", "type": "set-variables",
             "properties": {"variables": [{"key": "out", "value": value}]},
             "transitions": [{"event": "next"}]}
        ],
        "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": true}
    })
}

fn post_flow(s: &TestServer, path: &str, def: &Value) -> Resp {
    s.post(
        path,
        &[
            ("FriendlyName", "budget"),
            ("Status", "published"),
            ("Definition", &def.to_string()),
        ],
    )
}

#[test]
fn a_runaway_loop_leaves_other_writes_answering() {
    let s = TestServer::start();
    let t = "{% for a in (1..100000) %}{% for b in (1..100000) %}{% endfor %}{% endfor %}";
    let created = post_flow(&s, "/v2/Flows", &flow_with(t));
    if created.status == 400 {
        return; // refused at save: nothing can run away
    }
    assert_eq!(created.status, 201, "{}", created.text());
    let flow = created.json()["sid"].as_str().unwrap().to_string();
    let addr = s.addr.clone();
    let auth = s.auth();
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
        );
        (r.map(|r| r.status).ok(), started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(300));
    let t0 = Instant::now();
    let w = s.post("/v1/Workspaces", &[("FriendlyName", "unrelated")]);
    let took = t0.elapsed();
    assert_eq!(w.status, 201, "{}", w.text());
    assert!(
        took < Duration::from_secs(2),
        "an unrelated write took {took:?}"
    );
    let (status, elapsed) = runner.join().unwrap();
    assert_eq!(status, Some(201));
    assert!(
        elapsed < Duration::from_secs(5),
        "the execution took {elapsed:?}"
    );
}

#[test]
fn two_thousand_nested_ifs_are_a_clean_400() {
    let s = TestServer::start();
    let deep = "{% if true %}".repeat(2000) + "x" + &"{% endif %}".repeat(2000);
    let def = flow_with(&deep);
    for path in ["/v2/Flows/Validate", "/v2/Flows"] {
        let e = post_flow(&s, path, &def).expect_error(400);
        let errors = e["details"]["errors"].as_array().expect("details.errors");
        let nested = errors
            .iter()
            .find(|e| e["message"].as_str().unwrap_or("").contains("nested"))
            .unwrap_or_else(|| panic!("no nesting error in {e}"));
        assert_eq!(nested["state"], "vars", "{nested}");
        let msg = nested["message"].as_str().unwrap();
        assert!(msg.contains("variables[0].value"), "{msg}");
    }
    // Still serving, and nothing overflowed.
    s.get("/v2/Flows").expect(200);
    assert!(!s.log().contains("overflowed"), "{}", s.log());
    // Within the limit still saves and runs.
    let fine = "{% if true %}".repeat(40) + "x" + &"{% endif %}".repeat(40);
    let flow = create(&s, "fine", &flow_with(&fine));
    let e = execute(&s, &flow, "+15550002222", json!({}))
        .expect(201)
        .json();
    assert_eq!(e["context"]["flow"]["variables"]["out"], "x");
}

#[test]
fn a_ten_megabyte_template_is_bounded() {
    let s = TestServer::start();
    let looped =
        "{% for a in (1..1000) %}{% for b in (1..1000) %}0123456789{% endfor %}{% endfor %}";
    let mut doubled = String::from("{% assign s = '0123456789' %}");
    doubled.push_str(&"{% assign s = s | append: s %}".repeat(20));
    doubled.push_str("{{ s }}");
    for (i, t) in [looped.to_string(), doubled].iter().enumerate() {
        let flow = create(&s, "big", &flow_with(t));
        let t0 = Instant::now();
        let r = execute(&s, &flow, &format!("+1555000333{i}"), json!({}));
        assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
        assert!(
            r.body.len() < 1_000_000,
            "the answer is {} bytes",
            r.body.len()
        );
        if i == 0 {
            // Twilio's cap: 15 × 15 iterations of 10 bytes.
            let e = r.expect(201).json();
            assert_eq!(
                e["context"]["flow"]["variables"]["out"]
                    .as_str()
                    .unwrap()
                    .len(),
                2250
            );
        }
    }
}
