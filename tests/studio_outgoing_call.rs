//! Issue 21 item 2: make-outgoing-call-v2 through the carrier's Calls API. The simulated carrier
//! (`tests/carrier`) receives `POST /2010-04-01/Accounts/{SID}/Calls.json` with the box's
//! credentials; the test then plays the carrier's next move — fetching the `Url` when the callee
//! answers (the flow goes on with that call's TwiML), or posting the status callback for a busy,
//! unanswered or failed call — and checks each transition.

mod carrier;
mod common;
mod studio_common;
use carrier::Carrier;
use common::*;
use studio_common::*;

const PROVIDER_SID: &str = "AC11111111111111111111111111111111";
const PROVIDER_TOKEN: &str = "carrier-secret-token";
const PUBLIC: &str = "http://switchboard.example.test";

/// The carrier's signed request to an absolute URL the box gave it; answers the TwiML.
fn carrier_posts(s: &TestServer, url: &str, params: &[(&str, &str)]) -> String {
    let path = url
        .strip_prefix(PUBLIC)
        .expect("a URL on the public address");
    s.signed_post(PROVIDER_TOKEN, url, path, params)
        .expect(200)
        .text()
}

fn autodialer() -> Value {
    json!({
        "description": "autodialer",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {},
             "transitions": [{"event": "incomingRequest", "next": "dial"}]},
            {"name": "dial", "type": "make-outgoing-call-v2",
             "properties": {"to": "{{flow.data.to}}", "from": "{{flow.channel.address}}",
                            "timeout": 30, "machine_detection": "Enable", "record": false},
             "transitions": [{"event": "answered", "next": "greet"},
                             {"event": "busy", "next": "note_busy"},
                             {"event": "noAnswer", "next": "note_no_answer"},
                             {"event": "failed", "next": "note_failed"}]},
            {"name": "greet", "type": "say-play",
             "properties": {"say": "Your appointment is tomorrow, {{flow.data.name}}."},
             "transitions": [{"event": "audioComplete"}]},
            {"name": "note_busy", "type": "set-variables",
             "properties": {"variables": [{"key": "result", "value": "busy"}]},
             "transitions": [{"event": "next"}]},
            {"name": "note_no_answer", "type": "set-variables",
             "properties": {"variables": [{"key": "result", "value": "no answer"}]},
             "transitions": [{"event": "next"}]},
            {"name": "note_failed", "type": "set-variables",
             "properties": {"variables": [{"key": "result", "value": "{{widgets.dial.status_code}}"}]},
             "transitions": [{"event": "next"}]}
        ],
        "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": true}
    })
}

fn server(carrier: &Carrier) -> TestServer {
    TestServer::start_with(&[
        ("SWITCHBOARD_PROVIDER_URL", &carrier.url),
        ("SWITCHBOARD_PROVIDER_SID", PROVIDER_SID),
        ("SWITCHBOARD_PROVIDER_TOKEN", PROVIDER_TOKEN),
        ("SWITCHBOARD_PUBLIC_URL", PUBLIC),
    ])
}

/// Starts a dial to `to`; answers the execution and the carrier's Calls request.
fn dial(s: &TestServer, carrier: &Carrier, flow: &str, to: &str) -> (String, carrier::Received) {
    let before = carrier.requests().len();
    let e = execute(s, flow, to, json!({"to": to, "name": "Ada"}))
        .expect(201)
        .json();
    let exec = e["sid"].as_str().unwrap().to_string();
    let req = wait_until(WAIT, || carrier.requests().get(before).cloned());
    // The widget waits for the call once the carrier took it.
    if (200..300).contains(&req.status) {
        wait_until(WAIT, || {
            let e = execution(s, flow, &exec);
            (e["context"]["widgets"]["dial"]["call_sid"] == req.sid.as_str()).then_some(())
        });
    }
    (exec, req)
}

#[test]
fn an_outgoing_call_is_answered_busy_unanswered_or_refused() {
    let carrier = Carrier::start();
    let s = server(&carrier);
    let flow = create(&s, "autodialer", &autodialer());

    // Answered: the carrier's Calls request, then its fetch of the Url.
    let (exec, req) = dial(&s, &carrier, &flow, "+15557770001");
    assert_eq!(
        req.path,
        format!("/2010-04-01/Accounts/{PROVIDER_SID}/Calls.json")
    );
    let auth = req.header("Authorization").unwrap();
    let expected = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        format!("{PROVIDER_SID}:{PROVIDER_TOKEN}"),
    );
    assert_eq!(auth, format!("Basic {expected}"));
    assert_eq!(req.param("To"), Some("+15557770001"));
    assert_eq!(req.param("From"), Some("+15550000000"));
    assert_eq!(req.param("Timeout"), Some("30"));
    assert_eq!(req.param("MachineDetection"), Some("Enable"));
    assert_eq!(req.param("Method"), Some("POST"));
    let url = req.param("Url").unwrap().to_string();
    assert!(
        url.starts_with(&format!(
            "{PUBLIC}/v1/Accounts/{}/Flows/{flow}?FlowEvent=callback&ExecutionSid={exec}&Token=",
            s.sid
        )),
        "{url}"
    );
    assert_eq!(req.param("StatusCallback"), Some(url.as_str()));
    assert_eq!(execution(&s, &flow, &exec)["status"], "active");

    let call = req.sid.clone();
    let doc = carrier_posts(
        &s,
        &url,
        &[
            ("CallSid", &call),
            ("CallStatus", "in-progress"),
            ("From", "+15550000000"),
            ("To", "+15557770001"),
            ("Direction", "outbound-api"),
            ("AnsweredBy", "human"),
        ],
    );
    assert!(
        doc.contains("<Say>Your appointment is tomorrow, Ada.</Say><Hangup/>"),
        "{doc}"
    );
    let e = execution(&s, &flow, &exec);
    assert_eq!(e["status"], "ended");
    assert_eq!(e["context"]["widgets"]["dial"]["AnsweredBy"], "human");
    assert_eq!(e["context"]["widgets"]["dial"]["call_sid"], call.as_str());
    assert_eq!(
        path(&steps(&s, &flow, &exec)),
        [
            p("incomingRequest", "Trigger", "dial"),
            p("answered", "dial", "greet"),
            p("audioComplete", "greet", "Ended"),
        ]
    );

    // Busy and no answer: the status callback.
    for (to, status, event, to_state, result) in [
        ("+15557770002", "busy", "busy", "note_busy", "busy"),
        (
            "+15557770003",
            "no-answer",
            "noAnswer",
            "note_no_answer",
            "no answer",
        ),
    ] {
        let (exec, req) = dial(&s, &carrier, &flow, to);
        let url = req.param("StatusCallback").unwrap().to_string();
        carrier_posts(&s, &url, &[("CallSid", &req.sid), ("CallStatus", status)]);
        let e = wait_ended(&s, &flow, &exec);
        assert_eq!(e["context"]["flow"]["variables"]["result"], result);
        assert_eq!(
            path(&steps(&s, &flow, &exec))[1],
            p(event, "dial", to_state)
        );
        // A callback for another call is refused, changing nothing.
        let r = carrier_posts(
            &s,
            &url,
            &[
                ("CallSid", "CA99999999999999999999999999999999"),
                ("CallStatus", "busy"),
            ],
        );
        assert!(r.contains("<Say>"), "{r}");
    }

    // The carrier refuses the call: failed, with its status code.
    carrier.set_status(400);
    let (exec, req) = dial(&s, &carrier, &flow, "+15557770004");
    assert_eq!(req.status, 400);
    let e = wait_ended(&s, &flow, &exec);
    assert_eq!(e["context"]["flow"]["variables"]["result"], "400");
    assert_eq!(
        path(&steps(&s, &flow, &exec))[1],
        p("failed", "dial", "note_failed")
    );
}

#[test]
fn without_a_carrier_the_widget_fails_saying_why() {
    let s = TestServer::start();
    let flow = create(&s, "autodialer", &autodialer());
    let e = execute(&s, &flow, "+15557770009", json!({"to": "+15557770009"}))
        .expect(201)
        .json();
    assert_eq!(e["status"], "ended");
    let st = steps(&s, &flow, e["sid"].as_str().unwrap());
    assert_eq!(path(&st)[1], p("failed", "dial", "note_failed"));
    assert!(st[1]["context"]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("needs a carrier"));
}

/// Issue 21 item 3: TwiML a run produces when no carrier request waits for it — here a subflow
/// whose reply timer fires while the caller is held in the poll loop — reaches the caller
/// through the carrier's call update (`POST …/Calls/{CallSid}.json` with `Twiml`).
#[test]
fn twiml_from_a_timer_reaches_the_caller_through_the_call_update() {
    let carrier = Carrier::start();
    let s = server(&carrier);
    let child = json!({
        "description": "texts a link, waits for YES",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {},
             "transitions": [{"event": "incomingParent", "next": "ask"}]},
            {"name": "ask", "type": "send-and-wait-for-reply",
             "properties": {"body": "Reply YES to confirm", "timeout": "60"},
             "transitions": [{"event": "incomingMessage", "next": "yes"},
                             {"event": "timeout", "next": "silent"}, {"event": "deliveryFailure"}]},
            {"name": "yes", "type": "set-variables",
             "properties": {"variables": [{"key": "result", "value": "Confirmed"}]},
             "transitions": [{"event": "next"}]},
            {"name": "silent", "type": "set-variables",
             "properties": {"variables": [{"key": "result", "value": "We did not hear back"}]},
             "transitions": [{"event": "next"}]}
        ],
        "initial_state": "Trigger"
    });
    let child = create(&s, "confirm by text", &child);
    let parent = json!({
        "description": "call",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {},
             "transitions": [{"event": "incomingCall", "next": "hold"}]},
            {"name": "hold", "type": "say-play", "properties": {"say": "We texted you."},
             "transitions": [{"event": "audioComplete", "next": "sub"}]},
            {"name": "sub", "type": "run-subflow",
             "properties": {"flow_sid": child, "flow_revision": "LatestPublished"},
             "transitions": [{"event": "completed", "next": "tell"}, {"event": "failed"}]},
            {"name": "tell", "type": "say-play", "properties": {"say": "{{widgets.sub.result}}."},
             "transitions": [{"event": "audioComplete"}]}
        ],
        "initial_state": "Trigger"
    });
    let flow = create(&s, "call", &parent);
    let hook = format!("{PUBLIC}/v1/Accounts/{}/Flows/{flow}", s.sid);
    let call = "CA00000000000000000000000000000777";
    let first = carrier_posts(
        &s,
        &hook,
        &[
            ("CallSid", call),
            ("From", "+15551238888"),
            ("To", "+15550000000"),
            ("CallStatus", "ringing"),
            ("Direction", "inbound"),
        ],
    );
    // The caller hears the hold message and waits (polling) while the subflow waits.
    assert!(
        first.contains("<Say>We texted you.</Say><Pause length=\"1\"/><Redirect"),
        "{first}"
    );

    s.advance_clock(61_000);
    let update = wait_until(WAIT, || {
        carrier
            .requests()
            .into_iter()
            .find(|r| r.path.ends_with(&format!("/Calls/{call}.json")))
    });
    assert_eq!(
        update.path,
        format!("/2010-04-01/Accounts/{PROVIDER_SID}/Calls/{call}.json")
    );
    let twiml = update.param("Twiml").unwrap();
    assert!(
        twiml.ends_with("<Response><Say>We did not hear back.</Say><Hangup/></Response>"),
        "{twiml}"
    );
    let list = s
        .get(&format!("/v2/Flows/{flow}/Executions"))
        .expect(200)
        .json();
    let exec = list["executions"][0]["sid"].as_str().unwrap();
    assert_eq!(execution(&s, &flow, exec)["status"], "ended");
    assert_eq!(
        path(&steps(&s, &flow, exec)),
        [
            p("incomingCall", "Trigger", "hold"),
            p("audioComplete", "hold", "sub"),
            p("completed", "sub", "tell"),
            p("audioComplete", "tell", "Ended"),
        ]
    );
}
