//! Issue 21 item 4, "no stuck customer": every execution's idle limit (per flow, default 24 h,
//! Twilio's 30 days the ceiling) ends it with a logged reason, driven by the durable timer and
//! the injected clock (never a real wait); the widget-repeat and 1,000-step guards; a message
//! that reaches an execution busy with an HTTP answer is queued and answers its next
//! send-and-wait; the admin lists the oldest active executions across flows and ends one.

mod common;
mod studio_common;
use common::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use studio_common::*;

const HOUR_MS: i64 = 3600 * 1000;

/// REST trigger → send-and-wait (`ask`, reply timeout far beyond the idle limit) → on a reply
/// `again` (another send-and-wait) → end.
fn waiting_flow(flags: Value) -> Value {
    json!({
        "description": "waits",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {},
             "transitions": [{"event": "incomingRequest", "next": "ask"},
                             {"event": "incomingMessage"}]},
            {"name": "ask", "type": "send-and-wait-for-reply",
             "properties": {"body": "still there?", "timeout": "2592000"},
             "transitions": [{"event": "incomingMessage", "next": "again"},
                             {"event": "timeout"}, {"event": "deliveryFailure"}]},
            {"name": "again", "type": "send-and-wait-for-reply",
             "properties": {"body": "and now?", "timeout": "2592000"},
             "transitions": [{"event": "incomingMessage"},
                             {"event": "timeout"}, {"event": "deliveryFailure"}]}
        ],
        "initial_state": "Trigger",
        "flags": flags
    })
}

fn start(s: &TestServer, flow: &str, to: &str) -> String {
    let e = execute(s, flow, to, json!({})).expect(201).json();
    assert_eq!(e["status"], "active", "{e}");
    e["sid"].as_str().unwrap().to_string()
}

/// The customer's SMS into the flow webhook, with its own MessageSid.
fn sms(s: &TestServer, flow: &str, from: &str, body: &str, n: u32) -> Resp {
    s.request(
        "POST",
        &format!("/v1/Accounts/{}/Flows/{flow}", s.sid),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form_encode(&[
            ("From", from),
            ("To", "+15550000000"),
            ("Body", body),
            ("MessageSid", &format!("SM{n:032}")),
        ])
        .as_bytes(),
    )
}

fn status(s: &TestServer, flow: &str, sid: &str) -> String {
    execution(s, flow, sid)["status"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The timer thread fires what the advanced clock made due: waits for the end and checks the
/// last step says why.
fn ended_by_idle(s: &TestServer, flow: &str, sid: &str) -> Vec<Value> {
    wait_ended(s, flow, sid);
    let st = steps(s, flow, sid);
    let last = st.last().unwrap();
    assert_eq!(last["name"], "idleTimeout", "{st:?}");
    assert_eq!(last["transitioned_to"], "Ended");
    assert_eq!(last["context"]["reason"], "idle");
    st
}

#[test]
fn an_idle_execution_ends_at_its_flows_limit_and_a_step_moves_the_limit() {
    let s = TestServer::start();
    let flow = create(
        &s,
        "one hour",
        &waiting_flow(json!({"execution_idle_timeout": 3600})),
    );
    let exec = start(&s, &flow, "+15550001001");
    // A witness started a second later that never answers: its end proves the timer thread has
    // handled the first execution's (earlier) due time too.
    s.advance_clock(1000);
    let witness = start(&s, &flow, "+15550001009");

    // Half an hour in, the customer answers: the limit now runs from that step.
    s.advance_clock(HOUR_MS / 2);
    sms(&s, &flow, "+15550001001", "yes", 1).expect(200);
    let st = steps(&s, &flow, &exec);
    assert_eq!(
        path(&st).last().unwrap(),
        &p("incomingMessage", "ask", "again")
    );

    // An hour after the start (the first due time) it has been idle only half an hour: the timer
    // moves to an hour after the answer, and the execution stays.
    s.advance_clock(HOUR_MS / 2 + 60_000);
    ended_by_idle(&s, &flow, &witness);
    assert_eq!(status(&s, &flow, &exec), "active");

    // Past an hour after the answer: ended, the last step says why and where it waited.
    s.advance_clock(HOUR_MS / 2);
    let st = ended_by_idle(&s, &flow, &exec);
    let last = st.last().unwrap();
    assert_eq!(last["transitioned_from"], "again");
    assert!(last["context"]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("idle (no step) for 3600 s"));
    assert_eq!(last["context"]["wait"]["kind"], "reply");
    assert_eq!(st.len(), 3, "{st:?}");
}

#[test]
fn the_default_limit_is_24_hours_and_30_days_is_the_ceiling() {
    let s = TestServer::start();
    let flow = create(&s, "default", &waiting_flow(json!({})));
    let exec = start(&s, &flow, "+15550001002");
    s.advance_clock(23 * HOUR_MS);
    // A second execution of another contact, started later, is still active when the first ends:
    // its own timer fires later, so the first's end is the timer's work, not a sweep.
    let later = start(&s, &flow, "+15550001003");
    s.advance_clock(HOUR_MS + 1000);
    ended_by_idle(&s, &flow, &exec);
    assert_eq!(status(&s, &flow, &later), "active");
    s.advance_clock(23 * HOUR_MS);
    ended_by_idle(&s, &flow, &later);

    // The ceiling and nonsense are refused when the flow is saved.
    for bad in [json!(2592001), json!(0), json!(-5)] {
        let r = s.post(
            "/v2/Flows",
            &[
                ("FriendlyName", "too long"),
                ("Status", "published"),
                (
                    "Definition",
                    &waiting_flow(json!({ "execution_idle_timeout": bad })).to_string(),
                ),
            ],
        );
        assert_eq!(r.status, 400, "{bad}: {}", r.text());
        assert!(r.text().contains("execution_idle_timeout"), "{}", r.text());
    }
    let thirty_days = create(
        &s,
        "thirty days",
        &waiting_flow(json!({"execution_idle_timeout": 2592000})),
    );
    let exec = start(&s, &thirty_days, "+15550001004");
    s.advance_clock(29 * 24 * HOUR_MS);
    assert_eq!(status(&s, &thirty_days, &exec), "active");
    s.advance_clock(24 * HOUR_MS + 1000);
    ended_by_idle(&s, &thirty_days, &exec);
}

/// A loop of set-variables widgets: `a` to itself (`self_loop`) or `a` ↔ `b`.
fn looping(self_loop: bool) -> Value {
    let back = if self_loop { "a" } else { "b" };
    json!({
        "description": "loops",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {},
             "transitions": [{"event": "incomingRequest", "next": "a"}]},
            {"name": "a", "type": "set-variables",
             "properties": {"variables": [{"key": "n", "value": "{{flow.variables.n | plus: 1}}"}]},
             "transitions": [{"event": "next", "next": back}]},
            {"name": "b", "type": "set-variables",
             "properties": {"variables": [{"key": "n", "value": "{{flow.variables.n | plus: 1}}"}]},
             "transitions": [{"event": "next", "next": "a"}]}
        ],
        "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": true}
    })
}

#[test]
fn the_widget_repeat_guard_and_the_step_guard_end_a_loop() {
    let s = TestServer::start();
    let flow = create(&s, "self loop", &looping(true));
    let e = execute(&s, &flow, "+15550002001", json!({}))
        .expect(201)
        .json();
    assert_eq!(e["status"], "ended");
    // Ten runs of `a`, then the guard's step instead of an eleventh.
    assert_eq!(e["context"]["flow"]["variables"]["n"], "10", "{e}");
    let st = steps(&s, &flow, e["sid"].as_str().unwrap());
    assert_eq!(st.len(), 12, "{:?}", path(&st)); // the trigger's, ten of a's, the guard's
    let last = st.last().unwrap();
    assert_eq!(path(&st[11..]), [p("error", "a", "Ended")]);
    assert!(last["context"]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("ran 10 times in a row"));

    // Two widgets taking turns are not a repeat: the 1,000-step guard ends them.
    let flow = create(&s, "ping pong", &looping(false));
    let e = execute(&s, &flow, "+15550002002", json!({}))
        .expect(201)
        .json();
    assert_eq!(e["status"], "ended");
    assert_eq!(e["context"]["flow"]["variables"]["n"], "999");
    let st = steps(&s, &flow, e["sid"].as_str().unwrap());
    assert_eq!(st.len(), 1001);
    assert!(st.last().unwrap()["context"]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("limit of 1000 steps"));
}

/// An HTTP target that holds each request until the test says go, then answers JSON.
fn gate() -> (String, mpsc::Sender<()>, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let (seen_tx, seen_rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if first.is_empty() {
                    first = line.clone();
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0u8; len];
            let _ = reader.read_exact(&mut body);
            let _ = seen_tx.send(first);
            if go_rx.recv().is_err() {
                return;
            }
            let answer = r#"{"ok":true}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    (addr, go_tx, seen_rx)
}

#[test]
fn a_message_to_an_execution_busy_with_http_answers_its_next_question() {
    let s = TestServer::start();
    let (addr, go, seen) = gate();
    let def = json!({
        "description": "looks up, then asks",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {},
             "transitions": [{"event": "incomingMessage", "next": "lookup"}]},
            {"name": "lookup", "type": "make-http-request",
             "properties": {"method": "GET", "url": format!("http://{addr}/slow"),
                            "content_type": "application/json"},
             "transitions": [{"event": "success", "next": "ask"}, {"event": "failed"}]},
            {"name": "ask", "type": "send-and-wait-for-reply",
             "properties": {"body": "what is your order number?", "timeout": "3600"},
             "transitions": [{"event": "incomingMessage", "next": "thanks"},
                             {"event": "timeout"}, {"event": "deliveryFailure"}]},
            {"name": "thanks", "type": "send-message",
             "properties": {"body": "thanks for {{widgets.ask.inbound.Body}}"},
             "transitions": [{"event": "sent"}, {"event": "failed"}]}
        ],
        "initial_state": "Trigger"
    });
    let flow = create(&s, "busy", &def);
    let customer = "+15550003001";
    sms(&s, &flow, customer, "hello", 1).expect(200);
    assert!(seen.recv_timeout(WAIT).unwrap().contains("/slow"));
    let list = s
        .get(&format!("/v2/Flows/{flow}/Executions"))
        .expect(200)
        .json();
    let exec = list["executions"][0]["sid"].as_str().unwrap().to_string();

    // While the lookup hangs the customer writes again: queued on the execution, visible in its
    // context, not dropped and not a second execution.
    sms(&s, &flow, customer, "A-1234", 2).expect(200);
    let ctx = s
        .get(&format!("/v2/Flows/{flow}/Executions/{exec}/Context"))
        .expect(200)
        .json();
    assert_eq!(
        ctx["context"]["queued_messages"][0]["Body"], "A-1234",
        "{ctx}"
    );
    let list = s
        .get(&format!("/v2/Flows/{flow}/Executions"))
        .expect(200)
        .json();
    assert_eq!(list["executions"].as_array().unwrap().len(), 1);

    // The lookup answers: `ask` is sent and the queued message is its reply at once.
    go.send(()).unwrap();
    let e = wait_ended(&s, &flow, &exec);
    assert_eq!(
        path(&steps(&s, &flow, &exec)),
        [
            p("incomingMessage", "Trigger", "lookup"),
            p("success", "lookup", "ask"),
            p("incomingMessage", "ask", "thanks"),
            p("sent", "thanks", "Ended"),
        ]
    );
    assert_eq!(e["context"]["widgets"]["ask"]["inbound"]["Body"], "A-1234");
    assert!(e["context"].get("queued_messages").is_none(), "{e}");
    let sent = e["context"]["widgets"]["thanks"].to_string();
    assert!(sent.contains("thanks for A-1234"), "{sent}");
}

#[test]
fn the_admin_lists_the_oldest_active_executions_and_ends_one() {
    let s = TestServer::start();
    let f1 = create(&s, "first", &waiting_flow(json!({})));
    let f2 = create(&s, "second", &waiting_flow(json!({})));
    let oldest = start(&s, &f2, "+15550004001");
    s.advance_clock(60_000);
    let middle = start(&s, &f1, "+15550004002");
    s.advance_clock(60_000);
    let newest = start(&s, &f2, "+15550004003");
    s.advance_clock(60_000);
    let done = execute(&s, &create(&s, "loop", &looping(true)), "+1555", json!({}))
        .expect(201)
        .json();
    assert_eq!(done["status"], "ended");

    let sids = |v: &Value| -> Vec<String> {
        v["executions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["sid"].as_str().unwrap().to_string())
            .collect()
    };
    let list = s.get("/v2/Executions?Status=active").expect(200).json();
    assert_eq!(
        sids(&list),
        [oldest.clone(), middle.clone(), newest.clone()],
        "{list}"
    );
    assert_eq!(list["executions"][0]["flow_sid"], f2.as_str());
    assert_eq!(
        s.get("/v2/Executions").expect(200).json()["executions"],
        list["executions"]
    );
    let page = s
        .get("/v2/Executions?Status=active&PageSize=1")
        .expect(200)
        .json();
    assert_eq!(sids(&page), vec![oldest.clone()]);
    assert!(page["meta"]["next_page_url"].is_string(), "{page}");

    // The admin ends the oldest through its flow's execution resource.
    let e = s
        .post(
            &format!("/v2/Flows/{f2}/Executions/{oldest}"),
            &[("Status", "ended")],
        )
        .expect(200)
        .json();
    assert_eq!(e["status"], "ended");
    let list = s.get("/v2/Executions?Status=active").expect(200).json();
    assert_eq!(sids(&list), [middle.clone(), newest.clone()]);
    let ended = s.get("/v2/Executions?Status=ended").expect(200).json();
    assert_eq!(sids(&ended).len(), 2);

    // Its contact's next message starts afresh (the flow's message trigger ends at once).
    sms(&s, &f2, "+15550004001", "again", 9).expect(200);

    let r = s.get("/v2/Executions?Status=stuck");
    assert_eq!(r.status, 400, "{}", r.text());
    let r = s.post(
        &format!("/v2/Flows/{f1}/Executions/{middle}"),
        &[("Status", "active")],
    );
    assert_eq!(r.status, 400);
    assert_eq!(status(&s, &f1, &middle), "active");
}

/// Twilio retired Autopilot: a flow with send-to-auto-pilot is refused when saved, saying so.
#[test]
fn send_to_auto_pilot_is_refused_at_validation() {
    let s = TestServer::start();
    let def = json!({
        "description": "autopilot",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {},
             "transitions": [{"event": "incomingMessage", "next": "bot"}]},
            {"name": "bot", "type": "send-to-auto-pilot",
             "properties": {"autopilot_assistant_sid": "UA00000000000000000000000000000000"},
             "transitions": [{"event": "sessionEnded"}, {"event": "failure"}, {"event": "timeout"}]}
        ],
        "initial_state": "Trigger"
    });
    let r = s.post(
        "/v2/Flows",
        &[
            ("FriendlyName", "autopilot"),
            ("Status", "published"),
            ("Definition", &def.to_string()),
        ],
    );
    let body = r.text();
    assert_eq!(r.status, 400, "{body}");
    assert!(
        body.contains("bot.type") && body.contains("retired Autopilot"),
        "{body}"
    );
    let v = s
        .post(
            "/v2/Flows/Validate",
            &[
                ("FriendlyName", "autopilot"),
                ("Status", "published"),
                ("Definition", &def.to_string()),
            ],
        )
        .text();
    assert!(v.contains("retired Autopilot"), "{v}");
}
