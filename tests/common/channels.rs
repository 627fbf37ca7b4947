//! Helpers for the channels tests over the real binary's API: inbound SMS through the carrier
//! webhook, a customer's web chat, conversations, the Studio flows behind them, and the default
//! workspace's agent taking a conversation's task. Include beside `common` and `taskrouter`.
#![allow(dead_code)]

use crate::common::*;
use crate::taskrouter::Tr;
use std::time::Duration;

/// How long the channels tests wait for anything asynchronous (routing, the janitor, the bot).
pub const WAIT: Duration = Duration::from_secs(20);

/// A form POST without credentials, as a carrier or a customer's page sends it.
pub fn public_post(s: &TestServer, path: &str, params: &[(&str, &str)]) -> Resp {
    s.request(
        "POST",
        path,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form_encode(params).as_bytes(),
    )
}

/// An inbound SMS through the carrier webhook, answered with empty TwiML; `message_sid` as the
/// carrier would send it.
pub fn sms(s: &TestServer, from: &str, to: &str, body: &str, message_sid: Option<&str>) {
    let mut params = vec![("From", from), ("To", to), ("Body", body)];
    if let Some(sid) = message_sid {
        params.push(("MessageSid", sid));
    }
    let r = public_post(s, "/webhooks/messaging", &params).expect(200);
    assert!(r.text().contains("<Response/>"));
}

/// A customer starts a web chat as `name` (with `extra` fields such as `Context` or a first
/// `Body`): (conversation SID, chat token).
pub fn start_chat(s: &TestServer, name: &str, extra: &[(&str, &str)]) -> (String, String) {
    let mut params = vec![("FriendlyName", name)];
    params.extend_from_slice(extra);
    let r = public_post(s, "/webchat/start", &params).expect(201).json();
    (
        r["conversation_sid"].as_str().unwrap().to_string(),
        r["token"].as_str().unwrap().to_string(),
    )
}

/// The customer reads the chat (`query`: `After`, `Wait`).
pub fn chat_get(s: &TestServer, conv: &str, token: &str, query: &str) -> Resp {
    s.request(
        "GET",
        &format!("/webchat/{conv}/messages?{query}"),
        &[("Authorization", &format!("Bearer {token}"))],
        b"",
    )
}

/// The customer's read on its own thread, for a long-poll that parks until a message arrives.
pub fn chat_poll(
    s: &TestServer,
    conv: &str,
    token: &str,
    query: &str,
) -> std::thread::JoinHandle<Resp> {
    let addr = s.addr.clone();
    let path = format!("/webchat/{conv}/messages?{query}");
    let auth = format!("Bearer {token}");
    std::thread::spawn(move || http(&addr, "GET", &path, &[("Authorization", &auth)], b"").unwrap())
}

/// The customer writes in the chat.
pub fn chat_send(s: &TestServer, conv: &str, token: &str, body: &str) -> Resp {
    s.request(
        "POST",
        &format!("/webchat/{conv}/messages"),
        &[
            ("Authorization", &format!("Bearer {token}")),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        form_encode(&[("Body", body)]).as_bytes(),
    )
}

pub fn conversation(s: &TestServer, sid: &str) -> Value {
    s.get(&format!("/v1/Conversations/{sid}"))
        .expect(200)
        .json()
}

/// The bodies of the conversation's messages, oldest first.
pub fn bodies(s: &TestServer, conv: &str) -> Vec<String> {
    let msgs = s
        .get(&format!("/v1/Conversations/{conv}/Messages"))
        .expect(200)
        .json();
    msgs["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_string())
        .collect()
}

/// Waits until `identity` is a participant of the conversation (an agent who accepted joins it).
pub fn wait_participant(s: &TestServer, conv: &str, identity: &str) {
    wait_until(WAIT, || {
        let p = s
            .get(&format!("/v1/Conversations/{conv}/Participants"))
            .expect(200)
            .json();
        p["participants"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["identity"] == identity)
            .then_some(())
    });
}

/// The SID of the Studio flow named `name` (such as the seeded "Webchat Flow").
pub fn flow_named(s: &TestServer, name: &str) -> String {
    let flows = s.get("/v2/Flows").expect(200).json();
    flows["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["friendly_name"] == name)
        .unwrap_or_else(|| panic!("no flow {name}"))["sid"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Publishes `definition` as the flow's new revision.
pub fn publish(s: &TestServer, flow: &str, definition: &Value) {
    s.post(
        &format!("/v2/Flows/{flow}"),
        &[
            ("Status", "published"),
            ("Definition", &definition.to_string()),
        ],
    )
    .expect(200);
}

/// How many executions the flow has started.
pub fn executions(s: &TestServer, flow: &str) -> usize {
    let v = s
        .get(&format!("/v2/Flows/{flow}/Executions"))
        .expect(200)
        .json();
    v["executions"].as_array().unwrap().len()
}

/// The workspace's tasks whose attributes name the conversation, oldest first.
pub fn tasks_of(tr: &Tr, conv: &str) -> Vec<Value> {
    let v = tr.s.get(&tr.path("/Tasks")).expect(200).json();
    v["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["attributes"].as_str().unwrap().contains(conv))
        .cloned()
        .collect()
}

/// Waits for the task's pending reservation and accepts it.
pub fn accept(tr: &Tr, task: &str) {
    let res = wait_until(WAIT, || {
        tr.reservations_of_task(task)
            .into_iter()
            .find(|r| r["reservation_status"] == "pending")
    });
    tr.update_reservation(
        task,
        res["sid"].as_str().unwrap(),
        &[("ReservationStatus", "accepted")],
    )
    .expect(200);
}

/// The Webchat Flow with a bot greeting (`greeting`, Liquid allowed) before Send to Flex, as a
/// Flex project's is usually edited.
pub fn greeting_flow(greeting: &str) -> Value {
    json!({
        "description": "Webchat Flow",
        "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": true},
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0, "y": 0}},
             "transitions": [{"event": "incomingMessage", "next": "greet"}, {"event": "incomingCall"},
                             {"event": "incomingConversationMessage", "next": "greet"},
                             {"event": "incomingRequest"}, {"event": "incomingParent"}]},
            {"name": "greet", "type": "send-message",
             "properties": {"offset": {"x": 0, "y": 200}, "body": greeting},
             "transitions": [{"event": "sent", "next": "to_agent"}, {"event": "failed", "next": "to_agent"}]},
            {"name": "to_agent", "type": "send-to-flex",
             "properties": {"offset": {"x": 0, "y": 400}, "workflow": "", "channel": "chat",
                            "attributes": "{\"name\": \"{{trigger.conversation.FriendlyName}}\"}"},
             "transitions": [{"event": "callComplete"}, {"event": "failedToEnqueue"}, {"event": "callFailure"}]}
        ]
    })
}

/// An SMS line (`line`: a Flex Flow on `our` number into the first workflow of `tr`, janitor
/// on) and a customer's first text to it, taken by `agent` (who must be the one available):
/// `(conversation, task)` once the agent has joined the conversation.
pub fn served_sms(
    s: &TestServer,
    tr: &Tr,
    line: &str,
    agent: &str,
    our: &str,
    customer: &str,
) -> (String, String) {
    let wf = s.get(&tr.path("/Workflows")).expect(200).json()["workflows"][0]["sid"]
        .as_str()
        .unwrap()
        .to_string();
    s.post(
        "/v1/FlexFlows",
        &[
            ("FriendlyName", line),
            ("ChannelType", "sms"),
            ("ContactIdentity", our),
            ("IntegrationType", "task"),
            ("Integration.WorkspaceSid", &tr.ws),
            ("Integration.WorkflowSid", &wf),
            ("Integration.Channel", "sms"),
            ("JanitorEnabled", "true"),
        ],
    )
    .expect(201);
    sms(s, customer, our, "hi, my order is late", None);
    let (conv, task) = wait_until(WAIT, || {
        let v = s.get(&tr.path("/Tasks")).expect(200).json();
        let t = v["tasks"].as_array()?.first()?.clone();
        let attrs: Value = serde_json::from_str(t["attributes"].as_str()?).ok()?;
        Some((
            attrs["conversationSid"].as_str()?.to_string(),
            t["sid"].as_str()?.to_string(),
        ))
    });
    accept(tr, &task);
    wait_participant(s, &conv, agent);
    (conv, task)
}
