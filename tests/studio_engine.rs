//! Issue 4 (Studio): the execution engine against the real binary — the corpus runs, a scripted
//! chatbot end to end (reply wait, split, make-http-request to a local server, set-variables),
//! the reply timeout, a waiting execution surviving a restart, the loop guard, template errors,
//! one active execution per contact, subflows and profiles.

mod common;
mod studio_common;
use common::*;
use studio_common::*;

#[test]
fn every_corpus_flow_runs_from_the_rest_trigger() {
    let s = TestServer::start();
    let mut ran = 0;
    for (i, (name, def)) in corpus().iter().enumerate() {
        let flow = create(&s, name, def);
        let r = execute(&s, &flow, &format!("+1555010{i:04}"), json!({"n": i}));
        assert_eq!(r.status, 201, "{name}: {}", r.text());
        let e = r.json();
        assert!(e["sid"].as_str().unwrap().starts_with("FN"), "{name}");
        assert_eq!(e["context"]["flow"]["data"]["n"], i, "{name}");
        assert_eq!(e["context"]["trigger"]["request"]["parameters"]["n"], i);
        let st = steps(&s, &flow, e["sid"].as_str().unwrap());
        assert_eq!(st[0]["transitioned_from"], "Trigger", "{name}");
        assert_eq!(st[0]["name"], "incomingRequest", "{name}");
        ran += 1;
    }
    assert!(ran >= 50);
    assert!(!s.log().contains("panicked"), "{}", s.log());
}

/// The scripted chatbot: ask the name → wait → split on "billing" → POST to the backend →
/// remember the answer → send to Flex.
fn chatbot(backend: &str) -> Value {
    json!({
        "description": "chatbot",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0, "y": 0}},
             "transitions": [{"event": "incomingMessage", "next": "ask_name"},
                             {"event": "incomingRequest", "next": "ask_name"}]},
            {"name": "ask_name", "type": "send-and-wait-for-reply",
             "properties": {"body": "Hi {{flow.data.greeting}}! What is your name, and what is it about?",
                            "from": "{{flow.channel.address}}", "timeout": "{{flow.data.timeout}}"},
             "transitions": [{"event": "incomingMessage", "next": "topic"},
                             {"event": "timeout", "next": "bye"},
                             {"event": "deliveryFailure"}]},
            {"name": "bye", "type": "send-message",
             "properties": {"body": "We did not hear back from you.", "to": "{{contact.channel.address}}"},
             "transitions": [{"event": "sent"}, {"event": "failed"}]},
            {"name": "topic", "type": "split-based-on",
             "properties": {"input": "{{widgets.ask_name.inbound.Body}}"},
             "transitions": [
                {"event": "noMatch", "next": "unknown"},
                {"event": "match", "next": "lookup", "conditions": [
                   {"friendly_name": "billing", "arguments": ["{{widgets.ask_name.inbound.Body}}"],
                    "type": "contains", "value": "billing"}]}]},
            {"name": "unknown", "type": "send-message", "properties": {"body": "Sorry?"},
             "transitions": [{"event": "sent"}, {"event": "failed"}]},
            {"name": "lookup", "type": "make-http-request",
             "properties": {"method": "POST", "content_type": "application/json;charset=utf-8",
                            "url": format!("http://{backend}/lookup"),
                            "body": "{\"said\": \"{{widgets.ask_name.inbound.Body}}\", \"contact\": \"{{contact.channel.address}}\"}"},
             "transitions": [{"event": "success", "next": "remember"}, {"event": "failed"}]},
            {"name": "remember", "type": "set-variables",
             "properties": {"variables": [
                {"key": "tier", "value": "{{widgets.lookup.parsed.tier}}"},
                {"key": "count", "value": "{{flow.variables.count | plus: 1}}"}]},
             "transitions": [{"event": "next", "next": "to_flex"}]},
            {"name": "to_flex", "type": "send-to-flex",
             "properties": {"workflow": "", "channel": "sms", "priority": "5", "timeout": "600",
                            "attributes": "{\"customer\": \"{{widgets.ask_name.inbound.Body}}\", \"tier\": \"{{flow.variables.tier}}\", \"topic\": \"billing\"}"},
             "transitions": [{"event": "callComplete"}, {"event": "failedToEnqueue"},
                             {"event": "callFailure"}]}
        ],
        "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": false}
    })
}

#[test]
fn chatbot_reaches_the_backend_and_one_execution_per_contact() {
    let s = TestServer::start();
    let b = backend();
    let flow = create(&s, "chatbot", &chatbot(&b.addr));
    let contact = "+15551230001";
    let e = execute(
        &s,
        &flow,
        contact,
        json!({"greeting": "there", "timeout": 3600}),
    )
    .expect(201)
    .json();
    let sid = e["sid"].as_str().unwrap().to_string();
    assert_eq!(e["status"], "active");
    assert_eq!(e["contact_channel_address"], contact);
    assert_eq!(
        e["context"]["widgets"]["ask_name"]["outbound"]["Body"],
        "Hi there! What is your name, and what is it about?"
    );
    // A second REST trigger for the same contact does not resume: one execution at a time.
    execute(&s, &flow, contact, json!({})).expect_error(409);
    // The reply arrives through the flow webhook.
    let r = message(&s, &flow, contact, "Ann, billing please").expect(200);
    assert!(r.text().contains("<Response"), "{}", r.text());
    let e = wait_ended(&s, &flow, &sid);
    let st = steps(&s, &flow, &sid);
    assert_eq!(
        path(&st),
        vec![
            p("incomingRequest", "Trigger", "ask_name"),
            p("incomingMessage", "ask_name", "topic"),
            p("match", "topic", "lookup"),
            p("success", "lookup", "remember"),
            p("next", "remember", "to_flex"),
            p("taskCreated", "to_flex", "Ended"),
        ]
    );
    // The backend saw the rendered JSON body.
    let seen = b.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen[0].starts_with("POST /lookup"), "{seen:?}");
    let sent: Value = serde_json::from_str(seen[0].split_once('\n').unwrap().1).unwrap();
    assert_eq!(
        sent,
        json!({"said": "Ann, billing please", "contact": contact})
    );
    // Context, field by field.
    let ctx = s
        .get(&format!("/v2/Flows/{flow}/Executions/{sid}/Context"))
        .expect(200)
        .json();
    assert_eq!(ctx["execution_sid"], sid);
    let c = &ctx["context"];
    assert_eq!(c["flow"]["flow_sid"], flow);
    assert_eq!(c["flow"]["sid"], sid);
    assert_eq!(c["flow"]["channel"]["address"], "+15550000000");
    assert_eq!(c["flow"]["data"]["greeting"], "there");
    assert_eq!(c["flow"]["variables"]["tier"], "gold");
    assert_eq!(c["flow"]["variables"]["count"], "1");
    assert_eq!(c["contact"]["channel"]["address"], contact);
    assert_eq!(
        c["widgets"]["ask_name"]["inbound"]["Body"],
        "Ann, billing please"
    );
    assert_eq!(c["widgets"]["lookup"]["status_code"], 200);
    assert_eq!(c["widgets"]["lookup"]["parsed"]["tier"], "gold");
    assert_eq!(c["widgets"]["topic"]["input"], "Ann, billing please");
    // Step contexts hold the widget's outputs.
    let lookup = st
        .iter()
        .find(|x| x["transitioned_from"] == "lookup")
        .unwrap();
    let sc = s
        .get(&format!(
            "/v2/Flows/{flow}/Executions/{sid}/Steps/{}/Context",
            lookup["sid"].as_str().unwrap()
        ))
        .expect(200)
        .json();
    assert_eq!(sc["context"]["parsed"]["tier"], "gold");
    assert_eq!(sc["step_sid"], lookup["sid"]);
    assert_eq!(e["status"], "ended");
    // Send to Flex created the task: its attributes field by field.
    let task_sid = c["widgets"]["to_flex"]["TaskSid"].as_str().unwrap();
    let t = task(&s, task_sid);
    let attrs: Value = serde_json::from_str(t["attributes"].as_str().unwrap()).unwrap();
    assert_eq!(
        attrs,
        json!({
            "customer": "Ann, billing please",
            "tier": "gold",
            "topic": "billing",
            "from": contact,
            "name": contact,
            "flow_execution_sid": sid,
        })
    );
    let (_, workflow) = flex_workspace(&s);
    assert_eq!(t["workflow_sid"], workflow);
    assert_eq!(t["task_channel_unique_name"], "sms");
    assert_eq!(t["priority"], 5);
    assert_eq!(t["timeout"], 600);
    assert_eq!(t["assignment_status"], "pending");
    // The ended execution lets the contact start again.
    execute(&s, &flow, contact, json!({"timeout": 3600})).expect(201);
}

#[test]
fn no_reply_takes_the_timeout_path() {
    let s = TestServer::start();
    let b = backend();
    let flow = create(&s, "chatbot", &chatbot(&b.addr));
    // An hour's wait for a reply passes without one.
    let e = execute(&s, &flow, "+15551230002", json!({"timeout": 3600}))
        .expect(201)
        .json();
    let sid = e["sid"].as_str().unwrap();
    s.advance_clock(3_599_000);
    assert_eq!(execution(&s, &flow, sid)["status"], "active");
    s.advance_clock(1_000);
    wait_ended(&s, &flow, sid);
    assert_eq!(
        path(&steps(&s, &flow, sid)),
        vec![
            p("incomingRequest", "Trigger", "ask_name"),
            p("timeout", "ask_name", "bye"),
            p("sent", "bye", "Ended"),
        ]
    );
    let c = execution(&s, &flow, sid)["context"].clone();
    assert_eq!(
        c["widgets"]["bye"]["Body"],
        "We did not hear back from you."
    );
    assert_eq!(c["widgets"]["bye"]["To"], "+15551230002");
    assert!(c["widgets"]["ask_name"].get("inbound").is_none());
    assert!(b.seen.lock().unwrap().is_empty());
}

#[test]
fn a_waiting_execution_survives_a_restart() {
    let mut s = TestServer::start();
    let b = backend();
    let flow = create(&s, "chatbot", &chatbot(&b.addr));
    let contact = "+15551230003";
    let e = execute(&s, &flow, contact, json!({"timeout": 3600}))
        .expect(201)
        .json();
    let sid = e["sid"].as_str().unwrap().to_string();
    s.restart();
    assert_eq!(execution(&s, &flow, &sid)["status"], "active");
    message(&s, &flow, contact, "nothing to say").expect(200);
    wait_ended(&s, &flow, &sid);
    assert_eq!(
        path(&steps(&s, &flow, &sid)),
        vec![
            p("incomingRequest", "Trigger", "ask_name"),
            p("incomingMessage", "ask_name", "topic"),
            p("noMatch", "topic", "unknown"),
            p("sent", "unknown", "Ended"),
        ]
    );
}

#[test]
fn an_endless_loop_ends_at_the_guard() {
    let s = TestServer::start();
    let def = json!({
        "description": "loop",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {},
             "transitions": [{"event": "incomingRequest", "next": "inc"}]},
            {"name": "inc", "type": "set-variables",
             "properties": {"variables": [{"key": "n", "value": "{{flow.variables.n | plus: 1}}"}]},
             "transitions": [{"event": "next", "next": "inc2"}]},
            {"name": "inc2", "type": "set-variables",
             "properties": {"variables": [{"key": "n", "value": "{{flow.variables.n | plus: 1}}"}]},
             "transitions": [{"event": "next", "next": "inc"}]}
        ],
        "initial_state": "Trigger"
    });
    // Two widgets taking turns (one looping to itself meets the widget-repeat guard first).
    let flow = create(&s, "loop", &def);
    let e = execute(&s, &flow, "+15551230004", json!({}))
        .expect(201)
        .json();
    assert_eq!(e["status"], "ended");
    let st = steps(&s, &flow, e["sid"].as_str().unwrap());
    assert_eq!(st.len(), 1001);
    let last = st.last().unwrap();
    assert_eq!(last["name"], "error");
    assert_eq!(last["transitioned_to"], "Ended");
    assert!(last["context"]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("1000 steps"));
    assert_eq!(e["context"]["flow"]["variables"]["n"], "999");
}

#[test]
fn a_template_error_is_a_recorded_failed_step() {
    let s = TestServer::start();
    let def = json!({
        "description": "bad template",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {},
             "transitions": [{"event": "incomingRequest", "next": "hello"}]},
            {"name": "hello", "type": "send-message",
             "properties": {"body": "You owe {{ 10 | divided_by: flow.data.zero }}"},
             "transitions": [{"event": "sent", "next": "never"}, {"event": "failed"}]},
            {"name": "never", "type": "send-message", "properties": {"body": "no"},
             "transitions": [{"event": "sent"}]}
        ],
        "initial_state": "Trigger"
    });
    let flow = create(&s, "template", &def);
    let e = execute(&s, &flow, "+15551230005", json!({"zero": 0}))
        .expect(201)
        .json();
    assert_eq!(e["status"], "ended");
    let st = steps(&s, &flow, e["sid"].as_str().unwrap());
    assert_eq!(
        path(&st),
        vec![
            p("incomingRequest", "Trigger", "hello"),
            p("failed", "hello", "Ended")
        ]
    );
    let msg = st[1]["context"]["error"]["message"].as_str().unwrap();
    assert!(msg.contains("template error in body"), "{msg}");
    assert!(!s.log().contains("panicked"));
}

#[test]
fn subflows_return_their_variables_and_wait_for_replies() {
    let s = TestServer::start();
    let child = json!({
        "description": "child",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {},
             "transitions": [{"event": "incomingParent", "next": "ask"}]},
            {"name": "ask", "type": "send-and-wait-for-reply", "properties": {"body": "{{trigger.parent.parameters.q}}?"},
             "transitions": [{"event": "incomingMessage", "next": "keep"}, {"event": "timeout"}]},
            {"name": "keep", "type": "set-variables",
             "properties": {"variables": [{"key": "answer", "value": "{{widgets.ask.inbound.Body}}-done"}]},
             "transitions": [{"event": "next"}]}
        ],
        "initial_state": "Trigger"
    });
    let child_sid = create(&s, "child", &child);
    let parent = json!({
        "description": "parent",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {},
             "transitions": [{"event": "incomingRequest", "next": "sub"}]},
            {"name": "sub", "type": "run-subflow",
             "properties": {"flow_sid": child_sid, "flow_revision": "LatestPublished",
                            "parameters": [{"key": "q", "value": "{{flow.data.q}}"}]},
             "transitions": [{"event": "completed", "next": "after"}, {"event": "failed"}]},
            {"name": "after", "type": "set-variables",
             "properties": {"variables": [{"key": "result", "value": "{{widgets.sub.answer}}"}]},
             "transitions": [{"event": "next"}]}
        ],
        "initial_state": "Trigger"
    });
    let flow = create(&s, "parent", &parent);
    let contact = "+15551230006";
    let e = execute(&s, &flow, contact, json!({"q": "color"}))
        .expect(201)
        .json();
    let sid = e["sid"].as_str().unwrap().to_string();
    assert_eq!(e["status"], "active");
    message(&s, &flow, contact, "blue").expect(200);
    let e = wait_ended(&s, &flow, &sid);
    assert_eq!(e["context"]["flow"]["variables"]["result"], "blue-done");
    assert_eq!(
        path(&steps(&s, &flow, &sid)),
        vec![
            p("incomingRequest", "Trigger", "sub"),
            p("completed", "sub", "after"),
            p("next", "after", "Ended"),
        ]
    );
    let children = s
        .get(&format!("/v2/Flows/{child_sid}/Executions"))
        .expect(200)
        .json();
    let c = &children["executions"][0];
    assert_eq!(c["status"], "ended");
    assert_eq!(
        c["context"]["trigger"]["parent"]["parameters"]["q"],
        "color"
    );
}

#[test]
fn search_for_profile_finds_local_profiles() {
    let s = TestServer::start();
    let pf = s
        .post(
            "/v1/Profiles",
            &[
                ("FriendlyName", "Ann"),
                ("Phone", "+15551230007"),
                ("Traits", r#"{"vip": true, "plan": "gold"}"#),
            ],
        )
        .expect(201)
        .json();
    assert!(pf["sid"].as_str().unwrap().starts_with("PF"));
    let def = json!({
        "description": "profile",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {},
             "transitions": [{"event": "incomingRequest", "next": "find"}]},
            {"name": "find", "type": "search-for-profile", "properties": {},
             "transitions": [{"event": "found", "next": "known"}, {"event": "notFound"}]},
            {"name": "known", "type": "set-variables",
             "properties": {"variables": [{"key": "plan", "value": "{{widgets.find.profile.traits.plan}}"}]},
             "transitions": [{"event": "next"}]}
        ],
        "initial_state": "Trigger"
    });
    let flow = create(&s, "profile", &def);
    let e = execute(&s, &flow, "+15551230007", json!({}))
        .expect(201)
        .json();
    assert_eq!(e["context"]["flow"]["variables"]["plan"], "gold");
    assert_eq!(
        e["context"]["widgets"]["find"]["profile"]["friendly_name"],
        "Ann"
    );
    let e = execute(&s, &flow, "+15551230008", json!({}))
        .expect(201)
        .json();
    let st = steps(&s, &flow, e["sid"].as_str().unwrap());
    assert_eq!(st[1]["name"], "notFound");
    s.post(
        &format!("/v1/Profiles/{}", pf["sid"].as_str().unwrap()),
        &[("Email", "ann@example.com")],
    )
    .expect(200);
    s.post("/v1/Profiles", &[("FriendlyName", "nobody")])
        .expect_error(400);
}

#[test]
fn executions_can_be_stopped_listed_and_deleted() {
    let s = TestServer::start();
    let b = backend();
    let flow = create(&s, "chatbot", &chatbot(&b.addr));
    let e = execute(&s, &flow, "+15551230009", json!({"timeout": 3600}))
        .expect(201)
        .json();
    let sid = e["sid"].as_str().unwrap();
    let stopped = s
        .post(
            &format!("/v2/Flows/{flow}/Executions/{sid}"),
            &[("Status", "ended")],
        )
        .expect(200)
        .json();
    assert_eq!(stopped["status"], "ended");
    s.post(
        &format!("/v2/Flows/{flow}/Executions/{sid}"),
        &[("Status", "active")],
    )
    .expect_error(400);
    // A message after the stop starts nothing new for an ended execution's wait.
    let list = s
        .get(&format!("/v2/Flows/{flow}/Executions"))
        .expect(200)
        .json();
    assert_eq!(list["executions"].as_array().unwrap().len(), 1);
    assert_eq!(list["meta"]["key"], "executions");
    s.delete(&format!("/v2/Flows/{flow}/Executions/{sid}"))
        .expect(204);
    s.get(&format!("/v2/Flows/{flow}/Executions/{sid}"))
        .expect_error(404);
    execute(&s, "FW00000000000000000000000000000000", "+1", json!({})).expect_error(404);
    s.post(&format!("/v2/Flows/{flow}/Executions"), &[("To", "+1")])
        .expect_error(400);
    s.post(
        &format!("/v2/Flows/{flow}/Executions"),
        &[("To", "+1"), ("From", "+2"), ("Parameters", "[1]")],
    )
    .expect_error(400);
}

#[test]
fn send_to_flex_refused_by_taskrouter_takes_failed_to_enqueue() {
    let s = TestServer::start();
    let def = json!({
        "description": "refused",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {},
             "transitions": [{"event": "incomingRequest", "next": "flex"}]},
            {"name": "flex", "type": "send-to-flex",
             "properties": {"workflow": "", "channel": "carrier-pigeon", "attributes": "{}"},
             "transitions": [{"event": "callComplete"}, {"event": "failedToEnqueue", "next": "sorry"},
                             {"event": "callFailure"}]},
            {"name": "sorry", "type": "send-message", "properties": {"body": "Nobody can take this"},
             "transitions": [{"event": "sent"}]}
        ],
        "initial_state": "Trigger"
    });
    let flow = create(&s, "refused", &def);
    let e = execute(&s, &flow, "+15551230010", json!({}))
        .expect(201)
        .json();
    let st = steps(&s, &flow, e["sid"].as_str().unwrap());
    assert_eq!(
        path(&st),
        vec![
            p("incomingRequest", "Trigger", "flex"),
            p("failedToEnqueue", "flex", "sorry"),
            p("sent", "sorry", "Ended"),
        ]
    );
    assert!(st[1]["context"]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("carrier-pigeon"));
    // The seeded flows send to the seeded workflow.
    let (_, workflow) = flex_workspace(&s);
    let flows = s.get("/v2/Flows").expect(200).json();
    for f in flows["flows"].as_array().unwrap() {
        if ["Messaging Flow", "Webchat Flow", "Voice IVR"]
            .contains(&f["friendly_name"].as_str().unwrap())
        {
            let flex = f["definition"]["states"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["type"] == "send-to-flex")
                .unwrap();
            assert_eq!(flex["properties"]["workflow"], workflow);
        }
    }
}

/// A backend that never answers its first request (the appliance is killed meanwhile) and
/// answers the next ones; counts what it saw.
fn stuck_then_ok() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let count = std::sync::Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0u8; len];
            let _ = reader.read_exact(&mut body);
            if seen.fetch_add(1, Ordering::SeqCst) == 0 {
                held.push(stream);
                continue;
            }
            let answer = "{\"ok\": true}";
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    (addr, count)
}

#[test]
fn an_http_wait_survives_a_restart() {
    use std::sync::atomic::Ordering;
    let mut s = TestServer::start();
    let (addr, count) = stuck_then_ok();
    let def = json!({
        "description": "http",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {},
             "transitions": [{"event": "incomingRequest", "next": "call"}]},
            {"name": "call", "type": "make-http-request",
             "properties": {"method": "GET", "url": format!("http://{addr}/slow"),
                            "parameters": [{"key": "who", "value": "{{contact.channel.address}}"}]},
             "transitions": [{"event": "success"}, {"event": "failed"}]}
        ],
        "initial_state": "Trigger"
    });
    let flow = create(&s, "http", &def);
    let e = execute(&s, &flow, "+15551230011", json!({}))
        .expect(201)
        .json();
    let sid = e["sid"].as_str().unwrap().to_string();
    assert_eq!(e["status"], "active");
    wait_until(WAIT, || (count.load(Ordering::SeqCst) == 1).then_some(()));
    s.restart();
    let e = wait_ended(&s, &flow, &sid);
    assert_eq!(
        count.load(Ordering::SeqCst),
        2,
        "the request was sent again after the restart"
    );
    assert_eq!(e["context"]["widgets"]["call"]["parsed"]["ok"], true);
    let st = steps(&s, &flow, &sid);
    assert_eq!(st[1]["name"], "success");
}
