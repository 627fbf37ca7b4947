//! Issue 21 item 2, the call-control widgets that answer in the caller's TwiML: fork-stream
//! (`<Start><Stream>` / `<Stop><Stream>`), capture-payments (`<Pay>`, its transitions from the
//! carrier's action callback `Result`) and connect-virtual-agent (`<Connect><VirtualAgent>`,
//! `return` or `hangup`). The test plays the carrier: it posts the call to the flow webhook,
//! reads each TwiML document and posts each action back as the carrier would.

mod common;
mod studio_common;
use common::*;
use studio_common::*;

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

/// The `action` of the document's `verb`, unescaped.
fn action(twiml: &str, verb: &str) -> String {
    let start = twiml
        .find(&format!("<{verb} "))
        .unwrap_or_else(|| panic!("a {verb} in {twiml}"));
    let rest = &twiml[start..];
    let a = rest.find("action=\"").unwrap() + 8;
    let end = rest[a..].find('"').unwrap();
    rest[a..a + end].replace("&amp;", "&")
}

fn flow() -> Value {
    json!({
        "description": "pay by phone",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {},
             "transitions": [{"event": "incomingCall", "next": "listen"}]},
            {"name": "listen", "type": "fork-stream",
             "properties": {"stream_action": "start", "stream_name": "qa",
                            "stream_url": "wss://qa.example.com/audio",
                            "stream_track": "inbound_track",
                            "stream_parameters": [{"key": "caller", "value": "{{trigger.call.From}}"}]},
             "transitions": [{"event": "next", "next": "pay"}]},
            {"name": "pay", "type": "capture-payments",
             "properties": {"payment_connector": "Default_Pay_Connector", "payment_amount": "{{flow.data.amount | default: '12.50'}}",
                            "currency": "usd", "payment_method": "credit-card",
                            "max_attempts": 2, "timeout": 5, "postal_code": "false",
                            "valid_card_types": "visa mastercard"},
             "transitions": [{"event": "success", "next": "stop_listen"},
                             {"event": "maxFailedAttempts", "next": "sorry"},
                             {"event": "providerError", "next": "sorry"},
                             {"event": "payInterrupted", "next": "sorry"},
                             {"event": "hangup"},
                             {"event": "validationError", "next": "sorry"}]},
            {"name": "stop_listen", "type": "fork-stream",
             "properties": {"stream_action": "stop", "stream_name": "qa"},
             "transitions": [{"event": "next", "next": "bot"}]},
            {"name": "bot", "type": "connect-virtual-agent",
             "properties": {"connector": "billing-bot", "language": "en-US",
                            "sentiment_analysis": "true"},
             "transitions": [{"event": "return", "next": "bye"}, {"event": "hangup"}]},
            {"name": "bye", "type": "say-play",
             "properties": {"say": "Paid {{widgets.pay.PaymentConfirmationCode}}, bye"},
             "transitions": [{"event": "audioComplete"}]},
            {"name": "sorry", "type": "say-play",
             "properties": {"say": "Sorry, {{widgets.pay.Result}}"},
             "transitions": [{"event": "audioComplete"}]}
        ],
        "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": true}
    })
}

fn call(sid: &str) -> Vec<(&'static str, String)> {
    vec![
        ("CallSid", sid.to_string()),
        ("From", "+15551239999".to_string()),
        ("To", "+15550000000".to_string()),
        ("CallStatus", "in-progress".to_string()),
        ("Direction", "inbound".to_string()),
    ]
}

fn with<'a>(
    base: &'a [(&'static str, String)],
    more: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut v: Vec<(&str, &str)> = base.iter().map(|(k, v)| (*k, v.as_str())).collect();
    v.extend_from_slice(more);
    v
}

fn execution_of(s: &TestServer, flow: &str, twiml: &str) -> String {
    let a = action(twiml, "Pay");
    let at = a.find("ExecutionSid=").unwrap() + 13;
    let _ = (s, flow);
    a[at..at + 34].to_string()
}

#[test]
fn a_caller_pays_streams_and_talks_to_the_virtual_agent() {
    let s = TestServer::start();
    let flow = create(&s, "pay", &flow());
    let hook = format!("/v1/Accounts/{}/Flows/{flow}", s.sid);
    let c = call("CA00000000000000000000000000000101");

    let first = carrier(&s, &hook, &with(&c, &[]));
    // The stream starts, then the caller is asked for the card.
    let start = first.find("<Start><Stream").expect(&first);
    assert!(first[start..].starts_with(
        "<Start><Stream name=\"qa\" url=\"wss://qa.example.com/audio\" track=\"inbound_track\">\
         <Parameter name=\"caller\" value=\"+15551239999\"/></Stream></Start>"
    ), "{first}");
    let pay = &first[first.find("<Pay ").unwrap()..];
    for attr in [
        "paymentConnector=\"Default_Pay_Connector\"",
        "chargeAmount=\"12.50\"",
        "currency=\"usd\"",
        "paymentMethod=\"credit-card\"",
        "maxAttempts=\"2\"",
        "timeout=\"5\"",
        "postalCode=\"false\"",
        "validCardTypes=\"visa mastercard\"",
    ] {
        assert!(pay.contains(attr), "{attr} in {first}");
    }
    assert!(!first.contains("<Hangup"), "{first}");
    let exec = execution_of(&s, &flow, &first);

    // The carrier's <Pay> action: success.
    let paid = carrier(
        &s,
        &action(&first, "Pay"),
        &with(
            &c,
            &[
                ("Result", "success"),
                ("PaymentConfirmationCode", "ch_1"),
                ("PaymentCardNumber", "xxxx-xxxx-xxxx-1111"),
            ],
        ),
    );
    assert!(
        paid.contains("<Stop><Stream name=\"qa\"/></Stop>"),
        "{paid}"
    );
    let connect = &paid[paid.find("<Connect ").expect(&paid)..];
    assert!(connect.contains("<VirtualAgent connectorName=\"billing-bot\" language=\"en-US\" sentimentAnalysis=\"true\"/></Connect>"), "{paid}");

    // The virtual agent hands the caller back: the flow says goodbye and hangs up.
    let back = carrier(
        &s,
        &action(&paid, "Connect"),
        &with(&c, &[("VirtualAgentStatus", "completed")]),
    );
    assert!(back.contains("<Say>Paid ch_1, bye</Say>"), "{back}");
    assert!(back.contains("<Hangup/>"), "{back}");
    let e = execution(&s, &flow, &exec);
    assert_eq!(e["status"], "ended");
    assert_eq!(
        path(&steps(&s, &flow, &exec)),
        [
            p("incomingCall", "Trigger", "listen"),
            p("next", "listen", "pay"),
            p("success", "pay", "stop_listen"),
            p("next", "stop_listen", "bot"),
            p("return", "bot", "bye"),
            p("audioComplete", "bye", "Ended"),
        ]
    );
    assert_eq!(
        e["context"]["widgets"]["pay"]["PaymentCardNumber"],
        "xxxx-xxxx-xxxx-1111"
    );
}

#[test]
fn each_pay_result_takes_its_transition() {
    let s = TestServer::start();
    let flow = create(&s, "pay", &flow());
    let hook = format!("/v1/Accounts/{}/Flows/{flow}", s.sid);
    for (i, (result, event, to)) in [
        ("too-many-failed-attempts", "maxFailedAttempts", "sorry"),
        ("payment-connector-error", "providerError", "sorry"),
        ("caller-interrupted-with-star", "payInterrupted", "sorry"),
        ("validation-error", "validationError", "sorry"),
        ("caller-hung-up", "hangup", "Ended"),
    ]
    .into_iter()
    .enumerate()
    {
        let c = call(&format!("CA{:032}", 200 + i));
        let first = carrier(&s, &hook, &with(&c, &[]));
        let exec = execution_of(&s, &flow, &first);
        let next = carrier(&s, &action(&first, "Pay"), &with(&c, &[("Result", result)]));
        let st = path(&steps(&s, &flow, &exec));
        assert_eq!(st[2], p(event, "pay", to), "{result}: {st:?}");
        if to == "sorry" {
            assert!(
                next.contains(&format!("<Say>Sorry, {result}</Say>")),
                "{next}"
            );
        }
        assert!(next.contains("<Hangup/>"), "{next}");
        assert_eq!(execution(&s, &flow, &exec)["status"], "ended");
    }

    // The virtual agent's call that ends there: hangup.
    let c = call("CA00000000000000000000000000000301");
    let first = carrier(&s, &hook, &with(&c, &[]));
    let exec = execution_of(&s, &flow, &first);
    let paid = carrier(
        &s,
        &action(&first, "Pay"),
        &with(&c, &[("Result", "success")]),
    );
    let mut gone = c.clone();
    gone[3].1 = "completed".to_string();
    carrier(&s, &action(&paid, "Connect"), &with(&gone, &[]));
    assert_eq!(
        path(&steps(&s, &flow, &exec)).last().unwrap(),
        &p("hangup", "bot", "Ended")
    );
}

#[test]
fn call_widgets_refuse_what_they_cannot_do() {
    let s = TestServer::start();
    // Outside a call each fails cleanly, taking no call-only path.
    let def = json!({
        "description": "no call",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {},
             "transitions": [{"event": "incomingRequest", "next": "listen"}]},
            {"name": "listen", "type": "fork-stream",
             "properties": {"stream_action": "start", "stream_url": "https://not-a-socket"},
             "transitions": [{"event": "next"}]}
        ],
        "initial_state": "Trigger"
    });
    let flow = create(&s, "no call", &def);
    let e = execute(&s, &flow, "+15550009999", json!({}))
        .expect(201)
        .json();
    assert_eq!(e["status"], "ended");
    let st = steps(&s, &flow, e["sid"].as_str().unwrap());
    assert!(
        st.last().unwrap()["context"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("needs a call"),
        "{st:?}"
    );

    // In a call, a stream URL that is not a websocket fails the widget (recorded step).
    let hook = format!("/v1/Accounts/{}/Flows/{flow}", s.sid);
    let mut def = def;
    def["states"][0]["transitions"] = json!([{"event": "incomingCall", "next": "listen"}]);
    let flow = create(&s, "bad stream", &def);
    let hook2 = format!("/v1/Accounts/{}/Flows/{flow}", s.sid);
    let _ = hook;
    let c = call("CA00000000000000000000000000000401");
    let doc = carrier(&s, &hook2, &with(&c, &[]));
    assert!(!doc.contains("<Start>"), "{doc}");
    let list = s
        .get(&format!("/v2/Flows/{flow}/Executions"))
        .expect(200)
        .json();
    let sid = list["executions"][0]["sid"].as_str().unwrap();
    let st = steps(&s, &flow, sid);
    assert!(
        st.last().unwrap()["context"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("ws:// or wss://"),
        "{st:?}"
    );
}

#[test]
fn record_call_starts_and_stops_the_calls_recording() {
    let s = TestServer::start();
    let def = json!({
        "description": "recorded",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {},
             "transitions": [{"event": "incomingCall", "next": "hello"}]},
            {"name": "hello", "type": "say-play", "properties": {"say": "This call is recorded."},
             "transitions": [{"event": "audioComplete", "next": "rec_on"}]},
            {"name": "rec_on", "type": "record-call",
             "properties": {"record_call": true, "recording_channels": "dual", "trim": "trim-silence",
                            "recording_status_callback": "https://office.example.com/rec",
                            "recording_status_callback_events": ["completed", "absent"]},
             "transitions": [{"event": "success", "next": "ask"}, {"event": "failed"}]},
            {"name": "ask", "type": "gather-input-on-call",
             "properties": {"say": "Your account number?", "number_of_digits": 4},
             "transitions": [{"event": "keypress", "next": "rec_off"}, {"event": "speech"},
                             {"event": "timeout"}]},
            {"name": "rec_off", "type": "record-call", "properties": {"record_call": false},
             "transitions": [{"event": "success", "next": "bye"}, {"event": "failed"}]},
            {"name": "bye", "type": "say-play", "properties": {"say": "Thanks."},
             "transitions": [{"event": "audioComplete"}]}
        ],
        "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": true}
    });
    let flow = create(&s, "recorded", &def);
    let hook = format!("/v1/Accounts/{}/Flows/{flow}", s.sid);
    let c = call("CA00000000000000000000000000000501");
    let first = carrier(&s, &hook, &with(&c, &[]));
    let g = action(&first, "Gather");
    let at = g.find("ExecutionSid=").unwrap() + 13;
    let exec = g[at..at + 34].to_string();
    let name = format!("studio-{exec}");
    let start = format!(
        "<Say>This call is recorded.</Say><Start><Recording name=\"{name}\" channels=\"dual\" \
         trim=\"trim-silence\" recordingStatusCallback=\"https://office.example.com/rec\" \
         recordingStatusCallbackEvent=\"completed absent\"/></Start><Gather"
    );
    assert!(first.contains(&start), "{first}");
    let next = carrier(&s, &g, &with(&c, &[("Digits", "1234")]));
    assert!(
        next.contains(&format!(
            "<Stop><Recording name=\"{name}\"/></Stop><Say>Thanks.</Say><Hangup/>"
        )),
        "{next}"
    );
    assert_eq!(
        path(&steps(&s, &flow, &exec)),
        [
            p("incomingCall", "Trigger", "hello"),
            p("audioComplete", "hello", "rec_on"),
            p("success", "rec_on", "ask"),
            p("keypress", "ask", "rec_off"),
            p("success", "rec_off", "bye"),
            p("audioComplete", "bye", "Ended"),
        ]
    );
}
