//! Issue 5: a Flex Flow with the studio integration routes inbound SMS into a Studio flow; the
//! flow's send-message widgets come back as bot messages in the conversation and go out through
//! the carrier, in order.

mod carrier;
#[path = "common/channels.rs"]
mod channels;
mod common;
#[path = "common/taskrouter.rs"]
mod taskrouter;
use carrier::Carrier;
use channels::{bodies, executions, sms, tasks_of, WAIT};
use common::*;
use taskrouter::Tr;

fn ask_flow() -> Value {
    json!({
        "description": "asks for an order number",
        "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": true},
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0, "y": 0}},
             "transitions": [{"event": "incomingMessage", "next": "ask"}, {"event": "incomingCall"},
                             {"event": "incomingConversationMessage", "next": "ask"},
                             {"event": "incomingRequest"}, {"event": "incomingParent"}]},
            {"name": "ask", "type": "send-and-wait-for-reply",
             "properties": {"offset": {"x": 0, "y": 200}, "body": "Hi! What is your order number?", "timeout": "3600"},
             "transitions": [{"event": "incomingMessage", "next": "thanks"}, {"event": "timeout"}, {"event": "deliveryFailure"}]},
            {"name": "thanks", "type": "send-message",
             "properties": {"offset": {"x": 0, "y": 400}, "body": "Thanks, looking up {{widgets.ask.inbound.Body}}"},
             "transitions": [{"event": "sent"}, {"event": "failed"}]}
        ]
    })
}

pub fn create_flow(s: &TestServer, definition: &Value) -> String {
    s.post(
        "/v2/Flows",
        &[
            ("FriendlyName", "ask"),
            ("Status", "published"),
            ("Definition", &definition.to_string()),
        ],
    )
    .expect(201)
    .json()["sid"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn studio_integration_runs_the_flow_and_its_replies_reach_the_customer() {
    let carrier = Carrier::start();
    let s = TestServer::start_with(&[
        ("SWITCHBOARD_PROVIDER_URL", &carrier.url),
        ("SWITCHBOARD_RETRY_BASE_MS", "50"),
    ]);
    let flow = create_flow(&s, &ask_flow());
    s.post(
        "/v1/FlexFlows",
        &[
            ("FriendlyName", "studio sms"),
            ("ChannelType", "sms"),
            ("ContactIdentity", "+15550002222"),
            ("IntegrationType", "studio"),
            ("Integration.FlowSid", &flow),
        ],
    )
    .expect(201);

    sms(
        &s,
        "+15551230001",
        "+15550002222",
        "hello",
        Some("SM10000000000000000000000000000001"),
    );
    let question = wait_until(WAIT, || carrier.accepted().into_iter().next());
    assert_eq!(
        question.param("Body"),
        Some("Hi! What is your order number?")
    );
    assert_eq!(question.param("To"), Some("+15551230001"));
    assert_eq!(question.param("From"), Some("+15550002222"));

    // The reply resumes the waiting execution; its answer goes out second.
    sms(
        &s,
        "+15551230001",
        "+15550002222",
        "A-42",
        Some("SM10000000000000000000000000000002"),
    );
    wait_until(WAIT, || (carrier.accepted().len() == 2).then_some(()));
    assert_eq!(
        carrier.accepted()[1].param("Body"),
        Some("Thanks, looking up A-42")
    );

    // The conversation holds all four messages in order, the flow's as the bot.
    let convs = s.get("/v1/Conversations").expect(200).json();
    let conv = convs["conversations"][0]["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let msgs = s
        .get(&format!("/v1/Conversations/{conv}/Messages"))
        .expect(200)
        .json();
    let seen: Vec<(String, String)> = msgs["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["author"].as_str().unwrap().to_string(),
                m["body"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("+15551230001".to_string(), "hello".to_string()),
            (
                "bot".to_string(),
                "Hi! What is your order number?".to_string()
            ),
            ("+15551230001".to_string(), "A-42".to_string()),
            ("bot".to_string(), "Thanks, looking up A-42".to_string()),
        ]
    );
    assert_eq!(executions(&s, &flow), 1);
}

/// Customers write in bursts: a second message right behind the one that made the seeded
/// Messaging Flow hand off must join that task, not start a second execution and task.
#[test]
fn a_burst_of_messages_makes_one_task() {
    let s = TestServer::start();
    std::thread::scope(|scope| {
        for (i, body) in ["hi", "I need help", "with my order", "please"]
            .iter()
            .enumerate()
        {
            let s = &s;
            scope.spawn(move || {
                sms(
                    s,
                    "+15551239999",
                    "+15550007777",
                    body,
                    Some(&format!("SM2{i:031}")),
                )
            });
        }
    });
    let conv = s.get("/v1/Conversations").expect(200).json()["conversations"][0]["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let tr = Tr::default(&s);
    let tasks = || tasks_of(&tr, &conv);
    wait_until(WAIT, || (!tasks().is_empty()).then_some(()));
    // Every message has been handled by now (each webhook answered after routing).
    let sids: Vec<String> = tasks()
        .iter()
        .map(|t| t["sid"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(sids.len(), 1, "one task expected: {sids:?}");
    assert_eq!(bodies(&s, &conv).len(), 4);
}

/// "Task on customer response", the Conversations way: an agent-started conversation with the
/// customer's SMS binding and a conversation-scoped `studio` webhook; the customer's reply lands in
/// that conversation (found by its binding) and runs the webhook's flow.
#[test]
fn a_reply_to_an_api_conversation_lands_there_and_runs_its_studio_webhook() {
    let carrier = Carrier::start();
    let s = TestServer::start_with(&[
        ("SWITCHBOARD_PROVIDER_URL", &carrier.url),
        ("SWITCHBOARD_RETRY_BASE_MS", "50"),
    ]);
    let flow = create_flow(&s, &ask_flow());
    let conv = s
        .post("/v1/Conversations", &[("FriendlyName", "outbound")])
        .expect(201)
        .json()["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let base = format!("/v1/Conversations/{conv}");
    s.post(
        &format!("{base}/Participants"),
        &[
            ("MessagingBinding.Address", "+15556660001"),
            ("MessagingBinding.ProxyAddress", "+15550006666"),
        ],
    )
    .expect(201);
    s.post(
        &format!("{base}/Webhooks"),
        &[("Target", "studio"), ("Configuration.FlowSid", &flow)],
    )
    .expect(201);
    s.post(
        &format!("{base}/Messages"),
        &[
            ("Author", "agent"),
            ("Body", "Your parcel is delayed; reply to talk to us"),
        ],
    )
    .expect(201);
    wait_until(WAIT, || (carrier.accepted().len() == 1).then_some(()));

    sms(
        &s,
        "+15556660001",
        "+15550006666",
        "what happened?",
        Some("SM30000000000000000000000000000001"),
    );
    wait_until(WAIT, || (carrier.accepted().len() == 2).then_some(()));
    assert_eq!(
        carrier.accepted()[1].param("Body"),
        Some("Hi! What is your order number?")
    );
    let convs = s.get("/v1/Conversations").expect(200).json();
    assert_eq!(
        convs["conversations"].as_array().unwrap().len(),
        1,
        "no second conversation"
    );
    assert_eq!(
        bodies(&s, &conv),
        [
            "Your parcel is delayed; reply to talk to us",
            "what happened?",
            "Hi! What is your order number?"
        ]
    );
}

/// Scenario 4's loop under concurrency: customers each send several messages into a flow whose
/// send-and-wait-for-reply widget loops on itself. The janitor handles the bot messages of many
/// conversations in one transaction; every reply still reaches the carrier, once, and in order
/// per conversation.
#[test]
fn concurrent_conversations_get_every_reply_in_order() {
    const CUSTOMERS: usize = 8;
    const MESSAGES: usize = 5;
    let carrier = Carrier::start();
    let s = TestServer::start_with(&[
        ("SWITCHBOARD_PROVIDER_URL", &carrier.url),
        ("SWITCHBOARD_RETRY_BASE_MS", "50"),
    ]);
    let flow = create_flow(
        &s,
        &json!({
            "description": "echo loop",
            "initial_state": "Trigger",
            "flags": {"allow_concurrent_calls": true},
            "states": [
                {"name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0, "y": 0}},
                 "transitions": [{"event": "incomingMessage", "next": "ask"}, {"event": "incomingCall"},
                                 {"event": "incomingConversationMessage", "next": "ask"},
                                 {"event": "incomingRequest"}, {"event": "incomingParent"}]},
                {"name": "ask", "type": "send-and-wait-for-reply",
                 "properties": {"offset": {"x": 0, "y": 200}, "body": "got [{{widgets.ask.inbound.Body}}]", "timeout": "3600"},
                 "transitions": [{"event": "incomingMessage", "next": "ask"}, {"event": "timeout"}, {"event": "deliveryFailure"}]}
            ]
        }),
    );
    s.post(
        "/v1/FlexFlows",
        &[
            ("FriendlyName", "echo sms"),
            ("ChannelType", "sms"),
            ("ContactIdentity", "+15550004444"),
            ("IntegrationType", "studio"),
            ("Integration.FlowSid", &flow),
        ],
    )
    .expect(201);

    let customer = |c: usize| format!("+1555300{c:04}");
    std::thread::scope(|scope| {
        for c in 0..CUSTOMERS {
            let s = &s;
            scope.spawn(move || {
                for m in 1..=MESSAGES {
                    let sid = format!("SM{c:08x}{m:024x}");
                    sms(
                        s,
                        &customer(c),
                        "+15550004444",
                        &format!("m{m}"),
                        Some(&sid),
                    );
                }
            });
        }
    });

    let total = CUSTOMERS * MESSAGES;
    wait_until(WAIT, || (carrier.accepted().len() >= total).then_some(()));
    let accepted = carrier.accepted();
    assert_eq!(accepted.len(), total, "each message gets exactly one reply");
    for c in 0..CUSTOMERS {
        let to = customer(c);
        let replies: Vec<&str> = accepted
            .iter()
            .filter(|r| r.param("To") == Some(to.as_str()))
            .filter_map(|r| r.param("Body"))
            .collect();
        let mut expected = vec!["got []".to_string()];
        expected.extend((2..=MESSAGES).map(|m| format!("got [m{m}]")));
        assert_eq!(
            replies, expected,
            "the replies to {to}, in the carrier's order"
        );
    }
    assert_eq!(executions(&s, &flow), CUSTOMERS);
}

/// A post-call survey as real flows build it (issue 21, start-conversation): a flow started over
/// the REST API opens a conversation with the customer's number, asks, waits for the answer and
/// thanks them — the question and the thanks reach the carrier, the customer's reply resumes
/// the same execution, and all three messages are in the one new conversation.
#[test]
fn start_conversation_opens_the_flows_own_conversation_and_its_reply_comes_back() {
    let carrier = Carrier::start();
    let s = TestServer::start_with(&[
        ("SWITCHBOARD_PROVIDER_URL", &carrier.url),
        ("SWITCHBOARD_RETRY_BASE_MS", "50"),
    ]);
    let survey = json!({
        "description": "post-call survey",
        "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": true},
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {},
             "transitions": [{"event": "incomingMessage"}, {"event": "incomingCall"},
                             {"event": "incomingRequest", "next": "open"}]},
            {"name": "open", "type": "start-conversation",
             "properties": {"timers_inactive": "PT10M", "timers_closed": "PT1H",
                            "close_conversation_on_execution_end": false,
                            "participants": [{"type": "messaging",
                                              "messaging_binding_address": "{{trigger.request.to}}",
                                              "messaging_binding_proxy_address": "{{flow.data.ours}}"}]},
             "transitions": [{"event": "created", "next": "ask"}, {"event": "failed", "next": "oops"}]},
            {"name": "ask", "type": "send-and-wait-for-reply",
             "properties": {"body": "How did we do, 1 to 5?", "timeout": "3600"},
             "transitions": [{"event": "incomingMessage", "next": "thanks"}, {"event": "timeout"},
                             {"event": "deliveryFailure"}]},
            {"name": "thanks", "type": "send-message",
             "properties": {"body": "Thanks for the {{widgets.ask.inbound.Body}} in {{widgets.open.ConversationSid | slice: 0, 2}}"},
             "transitions": [{"event": "sent"}, {"event": "failed"}]},
            {"name": "oops", "type": "send-message",
             "properties": {"body": "no conversation: {{widgets.open.error}}", "to": "+15550000000"},
             "transitions": [{"event": "sent"}, {"event": "failed"}]}
        ]
    });
    let flow = create_flow(&s, &survey);
    let start = |to: &str| {
        s.post(
            &format!("/v2/Flows/{flow}/Executions"),
            &[
                ("To", to),
                ("From", "+15550009999"),
                ("Parameters", r#"{"ours": "+15550009999"}"#),
            ],
        )
        .expect(201)
        .json()["sid"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let exec = start("+15557770001");
    wait_until(WAIT, || (carrier.accepted().len() == 1).then_some(()));
    let asked = &carrier.accepted()[0];
    assert_eq!(asked.param("Body"), Some("How did we do, 1 to 5?"));
    assert_eq!(asked.param("To"), Some("+15557770001"));
    assert_eq!(asked.param("From"), Some("+15550009999"));
    let context = s
        .get(&format!("/v2/Flows/{flow}/Executions/{exec}/Context"))
        .expect(200)
        .json();
    let conv = context["context"]["widgets"]["open"]["ConversationSid"]
        .as_str()
        .expect("the widget names its conversation")
        .to_string();
    assert_eq!(context["context"]["flow"]["channel"]["sid"], conv.as_str());

    sms(
        &s,
        "+15557770001",
        "+15550009999",
        "5",
        Some("SM40000000000000000000000000000001"),
    );
    wait_until(WAIT, || (carrier.accepted().len() == 2).then_some(()));
    assert_eq!(
        carrier.accepted()[1].param("Body"),
        Some("Thanks for the 5 in CH")
    );
    let e = s
        .get(&format!("/v2/Flows/{flow}/Executions/{exec}"))
        .expect(200)
        .json();
    assert_eq!(e["status"], "ended", "the reply resumed the same execution");
    assert_eq!(executions(&s, &flow), 1);
    assert_eq!(
        bodies(&s, &conv),
        ["How did we do, 1 to 5?", "5", "Thanks for the 5 in CH"]
    );
    let hooks = s
        .get(&format!("/v1/Conversations/{conv}/Webhooks"))
        .expect(200)
        .json();
    assert_eq!(hooks["webhooks"][0]["target"], "studio");

    // A second survey while the first conversation is open: the binding is taken, `failed`.
    start("+15557770001");
    wait_until(WAIT, || (carrier.accepted().len() == 3).then_some(()));
    let why = carrier.accepted()[2]
        .param("Body")
        .unwrap_or("")
        .to_string();
    assert!(
        why.starts_with("no conversation: +15557770001 already talks to +15550009999"),
        "{why}"
    );
}
