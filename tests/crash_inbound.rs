//! Issue 20, item 2: an inbound message is routed exactly once whatever instant the process dies.
//! The test build's failpoint `after_inbound_store` aborts the binary right after the message
//! and its routing due committed, before Studio got it; after a restart on the same database the
//! customer still gets the flow's reply — from the start-up sweep, or from the carrier's retry of
//! the webhook when the sweep is held back — and a retry of the same MessageSid after that adds
//! no second execution or reply.

mod carrier;
#[path = "common/channels.rs"]
mod channels;
mod common;
#[path = "common/taskrouter.rs"]
mod taskrouter;
use carrier::Carrier;
use channels::{executions, public_post, sms, WAIT};
use common::*;

const CUSTOMER: &str = "+15551237001";
const OURS: &str = "+15550007001";

/// Answers every message with one send-message that quotes it.
fn echo_flow() -> Value {
    json!({
        "description": "echo",
        "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": true},
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0, "y": 0}},
             "transitions": [{"event": "incomingMessage", "next": "answer"}, {"event": "incomingCall"},
                             {"event": "incomingConversationMessage", "next": "answer"},
                             {"event": "incomingRequest"}, {"event": "incomingParent"}]},
            {"name": "answer", "type": "send-message",
             "properties": {"offset": {"x": 0, "y": 200}, "body": "We got: {{trigger.message.Body}}"},
             "transitions": [{"event": "sent"}, {"event": "failed"}]}
        ]
    })
}

/// A server whose Studio Flex Flow for `OURS` runs the echo flow; answers the flow's SID.
fn setup(s: &TestServer) -> String {
    let flow = s
        .post(
            "/v2/Flows",
            &[
                ("FriendlyName", "echo"),
                ("Status", "published"),
                ("Definition", &echo_flow().to_string()),
            ],
        )
        .expect(201)
        .json()["sid"]
        .as_str()
        .unwrap()
        .to_string();
    s.post(
        "/v1/FlexFlows",
        &[
            ("FriendlyName", "echo sms"),
            ("ChannelType", "sms"),
            ("ContactIdentity", OURS),
            ("IntegrationType", "studio"),
            ("Integration.FlowSid", &flow),
        ],
    )
    .expect(201);
    flow
}

/// Sends the first message into a server armed to abort after storing it; answers the server
/// restarted on the same database with `env` (the failpoint disarmed).
fn crash_on_first_message(carrier: &Carrier, env: &[(&str, &str)]) -> (TestServer, String) {
    let url = carrier.url.clone();
    let mut s = TestServer::start_with(&[
        ("SWITCHBOARD_PROVIDER_URL", &url),
        ("SWITCHBOARD_RETRY_BASE_MS", "50"),
        ("SWITCHBOARD_FAILPOINT", "after_inbound_store"),
    ]);
    let flow = setup(&s);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        public_post(
            &s,
            "/webhooks/messaging",
            &[
                ("From", CUSTOMER),
                ("To", OURS),
                ("Body", "first"),
                ("MessageSid", "SM70000000000000000000000000000001"),
            ],
        )
    }));
    // The process died before answering: the carrier got no 200 and will retry.
    assert!(
        r.as_ref().map_or(true, |r| r.status != 200),
        "the webhook was answered"
    );
    assert!(
        s.log().contains("failpoint after_inbound_store"),
        "{}",
        s.log()
    );
    s.kill();
    assert!(
        carrier.accepted().is_empty(),
        "a reply left before the crash"
    );

    let token = s.token.clone();
    let dir = std::mem::replace(&mut s.dir, TempDir::new("gone"));
    let mut env: Vec<(&str, &str)> = env.to_vec();
    env.extend([
        ("SWITCHBOARD_PROVIDER_URL", url.as_str()),
        ("SWITCHBOARD_RETRY_BASE_MS", "50"),
    ]);
    let mut restarted = TestServer::start_on(dir, s.db.clone(), &env);
    restarted.token = token;
    (restarted, flow)
}

/// The customer's replies that reached the carrier, in order.
fn replies(carrier: &Carrier) -> Vec<String> {
    carrier
        .accepted()
        .iter()
        .map(|m| m.param("Body").unwrap_or("").to_string())
        .collect()
}

/// After the retry of `SM…1` and a second message, exactly the two answers went out, in order,
/// from two executions: the retry routed nothing again.
fn retry_adds_nothing(s: &TestServer, carrier: &Carrier, flow: &str) {
    sms(
        s,
        CUSTOMER,
        OURS,
        "first",
        Some("SM70000000000000000000000000000001"),
    );
    sms(
        s,
        CUSTOMER,
        OURS,
        "second",
        Some("SM70000000000000000000000000000002"),
    );
    wait_until(WAIT, || (replies(carrier).len() >= 2).then_some(()));
    assert_eq!(replies(carrier), ["We got: first", "We got: second"]);
    assert_eq!(executions(s, flow), 2);
    let convs = s.get("/v1/Conversations").expect(200).json();
    let conv = convs["conversations"][0]["sid"].as_str().unwrap();
    assert_eq!(convs["conversations"].as_array().unwrap().len(), 1);
    assert_eq!(
        channels::bodies(s, conv).len(),
        4,
        "two messages in, two out"
    );
}

#[test]
fn a_message_stored_before_a_crash_is_answered_after_the_restart() {
    let carrier = Carrier::start();
    let (s, flow) = crash_on_first_message(&carrier, &[]);
    // Nobody retries: the start-up sweep finds the routing due and runs the flow.
    let answer = wait_until(WAIT, || replies(&carrier).into_iter().next());
    assert_eq!(answer, "We got: first");
    assert_eq!(executions(&s, &flow), 1);
    retry_adds_nothing(&s, &carrier, &flow);
}

#[test]
fn the_carriers_retry_finishes_a_routing_the_crash_interrupted() {
    let carrier = Carrier::start();
    // The sweep held back: only the carrier's retry can finish the routing.
    let (s, flow) =
        crash_on_first_message(&carrier, &[("SWITCHBOARD_FAILPOINT", "no_inbound_sweep")]);
    assert_eq!(executions(&s, &flow), 0, "routed without the retry");
    sms(
        &s,
        CUSTOMER,
        OURS,
        "first",
        Some("SM70000000000000000000000000000001"),
    );
    // The retry answered after routing: the execution exists now.
    assert_eq!(executions(&s, &flow), 1);
    let answer = wait_until(WAIT, || replies(&carrier).into_iter().next());
    assert_eq!(answer, "We got: first");
    retry_adds_nothing(&s, &carrier, &flow);
}

#[test]
fn a_routing_the_store_refused_is_retried_without_a_restart_or_a_resend() {
    let carrier = Carrier::start();
    let s = TestServer::start_with(&[
        ("SWITCHBOARD_PROVIDER_URL", &carrier.url),
        ("SWITCHBOARD_RETRY_BASE_MS", "50"),
        ("SWITCHBOARD_FAILPOINT", "inbound_route_fails_once"),
    ]);
    let flow = setup(&s);
    // The message is stored, its routing refused: the carrier is still told it arrived
    // (before: a 5xx, and the message waited for a retry or a restart).
    let r = public_post(
        &s,
        "/webhooks/messaging",
        &[
            ("From", CUSTOMER),
            ("To", OURS),
            ("Body", "first"),
            ("MessageSid", "SM70000000000000000000000000000001"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        executions(&s, &flow),
        0,
        "the failpoint refused the routing"
    );
    // A message due for a moment is left to the request routing it; one due longer is the
    // retry pass's, which runs every 2 s.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert_eq!(
        executions(&s, &flow),
        0,
        "the retry pass took a fresh message"
    );
    s.advance_clock(11_000);
    let answer = wait_until(WAIT, || replies(&carrier).into_iter().next());
    assert_eq!(answer, "We got: first");
    assert_eq!(executions(&s, &flow), 1);
    assert!(s.log().contains("waits for the retry pass"), "{}", s.log());
    retry_adds_nothing(&s, &carrier, &flow);
}
