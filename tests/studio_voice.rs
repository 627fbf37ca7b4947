//! Issue 4 (Studio) voice side: the seeded "Voice IVR" answers a call through the flow webhook
//! with TwiML from `voice::twiml`, gathers digits through carrier callbacks (a wrong digit
//! repeats the greeting, a stale callback changes nothing), and records each step.

mod common;
mod studio_common;
use common::*;
use studio_common::*;

fn flow_sid(s: &TestServer, name: &str) -> String {
    let v = s.get("/v2/Flows").expect(200).json();
    v["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["friendly_name"] == name)
        .unwrap()["sid"]
        .as_str()
        .unwrap()
        .to_string()
}

fn carrier(s: &TestServer, path: &str, params: &[(&str, &str)]) -> String {
    let r = s
        .request(
            "POST",
            path,
            &[("Content-Type", "application/x-www-form-urlencoded")],
            form_encode(params).as_bytes(),
        )
        .expect(200);
    assert!(r.header("Content-Type").unwrap().contains("xml"));
    r.text()
}

/// The `action` of the document's `<Gather>`, unescaped.
fn gather_action(twiml: &str) -> String {
    let start = twiml.find("<Gather").expect("a Gather");
    let rest = &twiml[start..];
    let a = rest.find("action=\"").unwrap() + 8;
    let end = rest[a..].find('"').unwrap();
    rest[a..a + end].replace("&amp;", "&")
}

const CALL: &[(&str, &str)] = &[
    ("CallSid", "CA00000000000000000000000000000001"),
    ("From", "+15551239999"),
    ("To", "+15550000000"),
    ("CallStatus", "ringing"),
    ("Direction", "inbound"),
];

#[test]
fn voice_ivr_gathers_digits_and_repeats_on_a_wrong_one() {
    let s = TestServer::start();
    let flow = flow_sid(&s, "Voice IVR");
    let hook = format!("/v1/Accounts/{}/Flows/{flow}", s.sid);
    let first = carrier(&s, &hook, CALL);
    assert!(first.starts_with("<?xml"), "{first}");
    assert!(
        first.contains(">Thanks for calling. Press 1 for sales, or 2 for support.</Say></Gather>"),
        "{first}"
    );
    assert!(first.contains("numDigits=\"1\""), "{first}");
    let action = gather_action(&first);
    assert!(
        action.starts_with(&format!("{hook}?FlowEvent=callback&ExecutionSid=FN")),
        "{action}"
    );
    let exec_sid = action
        .split("ExecutionSid=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();

    // A wrong digit: the split's noMatch goes back to the greeting.
    let again = carrier(&s, &action, &[("CallSid", CALL[0].1), ("Digits", "9")]);
    let action2 = gather_action(&again);
    assert_ne!(action, action2, "a new wait has a new token");
    // The old callback is stale now and changes nothing.
    let stale = carrier(&s, &action, &[("CallSid", CALL[0].1), ("Digits", "1")]);
    assert!(!stale.contains("<Gather"), "{stale}");
    let st = steps(&s, &flow, &exec_sid);
    assert_eq!(
        path(&st),
        vec![
            p("incomingCall", "Trigger", "greeting"),
            p("keypress", "greeting", "route"),
            p("noMatch", "route", "greeting"),
        ]
    );
    let e = execution(&s, &flow, &exec_sid);
    assert_eq!(e["status"], "active");
    assert_eq!(e["context"]["widgets"]["greeting"]["Digits"], "9");
    assert_eq!(e["context"]["trigger"]["call"]["CallSid"], CALL[0].1);

    // A gather timeout (no Digits) repeats the greeting too.
    let timeout = carrier(&s, &action2, &[("CallSid", CALL[0].1)]);
    let action3 = gather_action(&timeout);
    let st = steps(&s, &flow, &exec_sid);
    assert_eq!(st.last().unwrap()["name"], "timeout");

    // Press 2: support, then Send to Flex.
    let last = carrier(&s, &action3, &[("CallSid", CALL[0].1), ("Digits", "2")]);
    let e = wait_ended(&s, &flow, &exec_sid);
    assert_eq!(e["context"]["flow"]["variables"]["department"], "support");
    let st = steps(&s, &flow, &exec_sid);
    let names: Vec<_> = path(&st).into_iter().skip(4).collect();
    assert_eq!(names[0], p("keypress", "greeting", "route"));
    assert_eq!(names[1], p("match", "route", "set_support"));
    assert_eq!(names[2], p("next", "set_support", "SendCallToAgent"));
    assert_eq!(names[3], p("taskCreated", "SendCallToAgent", "Ended"));
    let task_sid = e["context"]["widgets"]["SendCallToAgent"]["TaskSid"]
        .as_str()
        .unwrap();
    // The caller waits in a queue named after the task.
    assert!(
        last.contains(&format!("\">{task_sid}</Enqueue></Response>")),
        "{last}"
    );
    let t = task(&s, task_sid);
    let attrs: Value = serde_json::from_str(t["attributes"].as_str().unwrap()).unwrap();
    assert_eq!(
        attrs,
        json!({
            "type": "inbound",
            "name": "+15551239999",
            "department": "support",
            "call_sid": CALL[0].1,
            "channelType": "voice",
            "from": "+15551239999",
            "flow_execution_sid": exec_sid,
        })
    );
    assert_eq!(t["task_channel_unique_name"], "voice");
}

#[test]
fn voice_widgets_outside_a_call_fail_cleanly() {
    let s = TestServer::start();
    let flow = flow_sid(&s, "Voice IVR");
    // The IVR's trigger has no incomingRequest transition: a REST execution just ends.
    let e = execute(&s, &flow, "+15551238888", json!({}))
        .expect(201)
        .json();
    assert_eq!(e["status"], "ended");
    let def = json!({
        "description": "say",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {},
             "transitions": [{"event": "incomingRequest", "next": "say"}]},
            {"name": "say", "type": "say-play", "properties": {"say": "hello"},
             "transitions": [{"event": "audioComplete"}]}
        ],
        "initial_state": "Trigger"
    });
    let flow = create(&s, "say", &def);
    let e = execute(&s, &flow, "+15551238888", json!({}))
        .expect(201)
        .json();
    let st = steps(&s, &flow, e["sid"].as_str().unwrap());
    assert_eq!(st[1]["name"], "failed");
    assert!(st[1]["context"]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("needs a call"));
}

#[test]
fn the_flow_webhook_checks_the_carrier_signature_when_configured() {
    let s = TestServer::start_with(&[("SWITCHBOARD_PROVIDER_TOKEN", "secret-token")]);
    let flow = flow_sid(&s, "Voice IVR");
    let hook = format!("/v1/Accounts/{}/Flows/{flow}", s.sid);
    let r = s.request(
        "POST",
        &hook,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form_encode(CALL).as_bytes(),
    );
    assert_eq!(r.status, 403, "{}", r.text());
    let url = format!("http://{}{hook}", s.addr);
    let sig = twilio_signature("secret-token", &url, CALL);
    let r = s.request(
        "POST",
        &hook,
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("X-Twilio-Signature", &sig),
        ],
        form_encode(CALL).as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("<Gather"));
}

#[test]
fn an_unknown_call_on_a_gather_action_gets_a_spoken_error() {
    let s = TestServer::start();
    let flow = flow_sid(&s, "Voice IVR");
    let hook = format!("/v1/Accounts/{}/Flows/{flow}", s.sid);
    let action = gather_action(&carrier(&s, &hook, CALL));
    let other = carrier(
        &s,
        &action,
        &[
            ("CallSid", "CA99999999999999999999999999999999"),
            ("Digits", "1"),
        ],
    );
    assert!(
        other.contains("<Say>") && other.contains("<Hangup/>"),
        "{other}"
    );
    let unknown = carrier(
        &s,
        &format!(
            "{hook}?FlowEvent=callback&ExecutionSid=FN00000000000000000000000000000000&Token=1"
        ),
        &[("CallSid", CALL[0].1), ("Digits", "1")],
    );
    assert!(
        unknown.contains("<Say>") && unknown.contains("<Hangup/>"),
        "{unknown}"
    );
    // The real call still continues.
    let next = carrier(&s, &action, &[("CallSid", CALL[0].1), ("Digits", "7")]);
    assert!(next.contains("<Gather"), "{next}");
}

/// The `<Redirect>` target of a document, unescaped.
fn redirect_target(twiml: &str) -> Option<String> {
    let start = twiml.find("<Redirect")?;
    let rest = &twiml[start..];
    let open = rest.find('>')? + 1;
    let close = rest.find("</Redirect>")?;
    Some(rest[open..close].replace("&amp;", "&"))
}

#[test]
fn a_call_waits_for_an_http_answer_and_hears_what_follows() {
    let s = TestServer::start();
    let b = backend();
    let def = json!({
        "description": "lookup then greet",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {},
             "transitions": [{"event": "incomingCall", "next": "lookup"}]},
            {"name": "lookup", "type": "make-http-request",
             "properties": {"method": "POST", "content_type": "application/json",
                            "url": format!("http://{}/crm", b.addr),
                            "body": "{\"caller\": \"{{trigger.call.From}}\"}"},
             "transitions": [{"event": "success", "next": "greet"}, {"event": "failed"}]},
            {"name": "greet", "type": "gather-input-on-call",
             "properties": {"say": "Welcome, {{widgets.lookup.parsed.tier}} customer.", "number_of_digits": 1},
             "transitions": [{"event": "keypress"}, {"event": "speech"}, {"event": "timeout"}]}
        ],
        "initial_state": "Trigger"
    });
    let flow = create(&s, "crm", &def);
    let hook = format!("/v1/Accounts/{}/Flows/{flow}", s.sid);
    let first = carrier(&s, &hook, CALL);
    assert!(first.contains("<Pause length=\"1\"/>"), "{first}");
    let poll = redirect_target(&first).expect("a poll redirect");
    assert!(poll.contains("FlowEvent=poll"), "{poll}");
    let greeting = wait_until(WAIT, || {
        let doc = carrier(&s, &poll, &[("CallSid", CALL[0].1)]);
        doc.contains("<Gather").then_some(doc)
    });
    assert!(
        greeting.contains(">Welcome, gold customer.</Say>"),
        "{greeting}"
    );
    let seen = b.seen.lock().unwrap().clone();
    assert!(
        seen[0].contains(&format!("{{\"caller\": \"{}\"}}", CALL[1].1)),
        "{seen:?}"
    );
    // Pressing a key ends the flow: the caller is hung up on.
    let action = gather_action(&greeting);
    let end = carrier(&s, &action, &[("CallSid", CALL[0].1), ("Digits", "1")]);
    assert!(end.contains("<Hangup/>"), "{end}");
}
