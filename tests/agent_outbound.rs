//! Issue 15, desktop item 5 over the real binary: the agent writes first. `POST
//! /agent/api/outbound` opens an SMS or WhatsApp conversation through Flex Interactions, from the
//! office's number (a Flex Flow naming it), as the agent's own task, accepted; the message reaches
//! the carrier and the customer's reply the same chat. Refusals come in words and keep nothing
//! half made: a number that is not one (21211), no number for the channel, an agent not
//! Available, a customer already in an open conversation. What the carrier says later — a send
//! refused at once (its error code in the answer), WhatsApp's 24-hour window in a failed status
//! callback (63016) — shows on the message in the agent's transcript, in words.

#[path = "common/agent.rs"]
mod agent;
mod carrier;
#[path = "common/channels.rs"]
mod channels;
mod common;
#[path = "common/taskrouter.rs"]
mod taskrouter;
use agent::AgentSession as Agent;
use carrier::Carrier;
use channels::*;
use common::*;
use taskrouter::Tr;

const OFFICE_SMS: &str = "+15550001000";
const OFFICE_WHATSAPP: &str = "+15550003000";

/// The office's numbers as Flex Flows (a task for the customer's first word; ours write first).
fn office_numbers(s: &TestServer) {
    for (kind, identity) in [
        ("sms", OFFICE_SMS.to_string()),
        ("whatsapp", format!("whatsapp:{OFFICE_WHATSAPP}")),
    ] {
        s.post(
            "/v1/FlexFlows",
            &[
                ("FriendlyName", &format!("office {kind}")),
                ("ChannelType", kind),
                ("ContactIdentity", &identity),
                ("IntegrationType", "task"),
                ("Integration.Channel", "sms"),
            ],
        )
        .expect(201);
    }
}

fn desk(s: &TestServer, tr: &Tr) -> Agent {
    let lea = tr.worker("lea", json!({"full_name": "Lea Brandt"}));
    let a = Agent::sign_in(s, &lea, "lea");
    a.post(s, "/agent/api/activity", &[("ActivitySid", &tr.available)])
        .expect(200);
    a
}

fn start(s: &TestServer, a: &Agent, channel: &str, to: &str, body: &str) -> Resp {
    a.post(
        s,
        "/agent/api/outbound",
        &[
            ("Channel", channel),
            ("To", to),
            ("Body", body),
            ("Name", "Cy Adams"),
        ],
    )
}

/// The agent's transcript line of message `index`, once `f` holds for it.
fn line(s: &TestServer, a: &Agent, task: &str, index: i64, f: impl Fn(&Value) -> bool) -> Value {
    wait_until(WAIT, || {
        let v = a
            .get(s, &format!("/agent/api/tasks/{task}/messages"))
            .expect(200)
            .json();
        v["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["index"] == index && f(m))
            .cloned()
    })
}

#[test]
fn an_agent_writes_first_by_sms_and_the_reply_comes_to_the_same_chat() {
    let carrier = Carrier::start();
    let s = TestServer::start_with(&[("SWITCHBOARD_PROVIDER_URL", &carrier.url)]);
    let tr = Tr::default(&s);
    let a = desk(&s, &tr);
    // No number yet: said in words, nothing made.
    let none = start(&s, &a, "sms", "+15550002000", "hello").expect_error(409);
    assert!(
        none["message"].as_str().unwrap().contains("no SMS number"),
        "{none}"
    );
    office_numbers(&s);
    let numbers = a.get(&s, "/agent/api/outbound").expect(200).json();
    assert_eq!(
        numbers["channels"][0]["numbers"],
        json!([OFFICE_SMS]),
        "{numbers}"
    );
    assert_eq!(numbers["channels"][1]["numbers"], json!([OFFICE_WHATSAPP]));

    // A number that is not one: Twilio's 21211, in words.
    let bad = start(&s, &a, "sms", "0151 2345", "hello").expect_error(400);
    assert_eq!(bad["code"], 21211);
    assert!(
        bad["message"]
            .as_str()
            .unwrap()
            .contains("international form"),
        "{bad}"
    );
    assert_eq!(
        a.get(&s, "/agent/api/work").expect(200).json()["reservations"],
        json!([]),
        "nothing half made"
    );

    // As people type it: the agent's task, accepted, the conversation named after the customer.
    let r = start(&s, &a, "sms", "+1 555 000-2000", "Your order is ready").expect(201);
    let r = r.json();
    let task = r["task_sid"].as_str().unwrap().to_string();
    let conv = r["conversation_sid"].as_str().unwrap().to_string();
    assert!(r["interaction_sid"].as_str().unwrap().starts_with("KD"));
    let work = a.get(&s, "/agent/api/work").expect(200).json();
    let mine = &work["reservations"][0];
    assert_eq!(mine["status"], "accepted", "{work}");
    assert_eq!(mine["task"]["sid"], task.as_str());
    assert_eq!(mine["task"]["customer_name"], "Cy Adams");
    assert_eq!(mine["task"]["customer_identity"], "+15550002000");
    assert_eq!(mine["task"]["attributes"]["direction"], "outbound");
    // Through Flex Interactions: the interaction's channel holds the task.
    let isid = r["interaction_sid"].as_str().unwrap();
    let ch = s
        .get(&format!("/v1/Interactions/{isid}/Channels"))
        .expect(200)
        .json()["channels"][0]
        .clone();
    assert_eq!(ch["type"], "sms");
    assert_eq!(ch["task_sid"], task.as_str());
    // The message reaches the carrier, from the office's number, and the line says it was sent.
    let sent = wait_until(WAIT, || carrier.accepted().into_iter().next());
    assert_eq!(sent.param("To"), Some("+15550002000"));
    assert_eq!(sent.param("From"), Some(OFFICE_SMS));
    assert_eq!(sent.param("Body"), Some("Your order is ready"));
    let first = line(&s, &a, &task, 0, |m| m["delivery"]["status"] == "sent");
    assert_eq!(first["author"], "lea");
    // The customer's reply comes to the same chat (no second task).
    sms(&s, "+15550002000", OFFICE_SMS, "Great, on my way", None);
    line(&s, &a, &task, 1, |m| m["body"] == "Great, on my way");
    assert_eq!(tasks_of(&tr, &conv).len(), 1);

    // The same customer again while this one is open: refused, in words.
    let again = start(&s, &a, "sms", "+15550002000", "hi again").expect_error(409);
    assert!(
        again["message"]
            .as_str()
            .unwrap()
            .contains("already in an open conversation"),
        "{again}"
    );
    // Not Available: said so.
    a.post(&s, "/agent/api/activity", &[("ActivitySid", &tr.offline)])
        .expect(200);
    let off = start(&s, &a, "sms", "+15550002001", "hello").expect_error(409);
    assert!(
        off["message"].as_str().unwrap().contains("Available"),
        "{off}"
    );
    // Only a signed-in agent, with the CSRF token.
    s.request(
        "POST",
        "/agent/api/outbound",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"Channel=sms&To=%2B15550002002&Body=x",
    )
    .expect_error(401);
}

#[test]
fn the_carriers_refusals_show_on_the_message_in_words() {
    let carrier = Carrier::start();
    let s = TestServer::start_with(&[("SWITCHBOARD_PROVIDER_URL", &carrier.url)]);
    let tr = Tr::default(&s);
    office_numbers(&s);
    let a = desk(&s, &tr);
    // WhatsApp takes the message, then reports the 24-hour window (63016) in a status callback.
    let r = start(&s, &a, "whatsapp", "+15550004000", "Your table is booked").expect(201);
    let task = r.json()["task_sid"].as_str().unwrap().to_string();
    let sent = wait_until(WAIT, || carrier.accepted().into_iter().next());
    assert_eq!(sent.param("To"), Some("whatsapp:+15550004000"));
    assert_eq!(sent.param("From"), Some("whatsapp:+15550003000"));
    line(&s, &a, &task, 0, |m| m["delivery"]["status"] == "sent");
    public_post(
        &s,
        "/webhooks/messaging/status",
        &[
            ("MessageSid", &sent.sid),
            ("MessageStatus", "failed"),
            ("ErrorCode", "63016"),
        ],
    )
    .expect(204);
    let failed = line(&s, &a, &task, 0, |m| m["delivery"]["status"] == "failed");
    assert_eq!(failed["delivery"]["error_code"], 63016, "{failed}");
    assert!(
        failed["delivery"]["error"]
            .as_str()
            .unwrap()
            .contains("24 hours"),
        "{failed}"
    );
    assert_eq!(
        failed["body"], "Your table is booked",
        "what was written is kept"
    );

    // An SMS the carrier refuses at once (the customer opted out, 21610): the same, in words.
    let r = start(&s, &a, "sms", "+15550005000", "Your parcel is here").expect(201);
    let task = r.json()["task_sid"].as_str().unwrap().to_string();
    line(&s, &a, &task, 0, |m| m["delivery"]["status"] == "sent");
    carrier.refuse(
        400,
        r#"{"code": 21610, "message": "Attempt to send to unsubscribed recipient"}"#,
    );
    a.post(
        &s,
        &format!("/agent/api/tasks/{task}/messages"),
        &[("Body", "Shall we leave it next door?")],
    )
    .expect(201);
    let refused = line(&s, &a, &task, 1, |m| m["delivery"]["status"] == "failed");
    assert_eq!(refused["delivery"]["error_code"], 21610, "{refused}");
    assert!(
        refused["delivery"]["error"]
            .as_str()
            .unwrap()
            .contains("opted out"),
        "{refused}"
    );
}
