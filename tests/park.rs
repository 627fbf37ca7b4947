//! Issue 22 item 3 (park / unpark) over the real binary: an agent parks an SMS conversation
//! waiting for the customer — the task completes, the agent is free, the conversation and its
//! session stay open — and the customer's next message brings it back as a new task in the same
//! conversation, to the same agent first (ahead of an agent idle longer), else to whoever is
//! free, with the whole history; a conversation with a transfer under way cannot be parked.

#[path = "common/channels.rs"]
mod channels;
mod common;
#[path = "common/taskrouter.rs"]
mod taskrouter;
use channels::*;
use common::*;
use taskrouter::Tr;

const OUR_NUMBER: &str = "+15550009000";
const CUSTOMER: &str = "+15557770001";

fn handler(s: &TestServer, tr: &Tr) {
    let wf = s.get(&tr.path("/Workflows")).expect(200).json()["workflows"][0]["sid"]
        .as_str()
        .unwrap()
        .to_string();
    s.post(
        "/v1/FlexFlows",
        &[
            ("FriendlyName", "support line"),
            ("ChannelType", "sms"),
            ("ContactIdentity", OUR_NUMBER),
            ("IntegrationType", "task"),
            ("Integration.WorkspaceSid", &tr.ws),
            ("Integration.WorkflowSid", &wf),
            ("Integration.Channel", "sms"),
            ("JanitorEnabled", "true"),
        ],
    )
    .expect(201);
}

/// The live task of the conversation (pending, reserved or assigned).
fn live_task(tr: &Tr, conv: &str) -> Value {
    wait_until(WAIT, || {
        tasks_of(tr, conv).into_iter().rev().find(|t| {
            ["pending", "reserved", "assigned"].contains(&t["assignment_status"].as_str().unwrap())
        })
    })
}

fn pending_reservation(tr: &Tr, task: &str) -> Value {
    wait_until(WAIT, || {
        tr.reservations_of_task(task)
            .into_iter()
            .find(|r| r["reservation_status"] == "pending")
    })
}

#[test]
fn a_parked_conversation_comes_back_to_the_same_agent_with_its_history() {
    let s = TestServer::start();
    let tr = Tr::default(&s);
    let alice = tr.worker("alice", json!({"contact_uri": "client:alice"}));
    let bob = tr.worker("bob", json!({"contact_uri": "client:bob"}));
    tr.set_activity(&bob, &tr.offline);
    handler(&s, &tr);

    sms(&s, CUSTOMER, OUR_NUMBER, "hi, my order is late", None);
    let first = first_task(&tr);
    let conv = attrs_conv(&tr.fetch_task(&first));
    // Parking a task nobody is on yet is refused.
    let e = s
        .post(&format!("/v1/Conversations/{conv}/Park"), &[])
        .expect_error(409);
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("only a conversation an agent is on"),
        "{e}"
    );
    accept(&tr, &first);
    wait_participant(&s, &conv, "alice");
    s.post(
        &format!("/v1/Conversations/{conv}/Messages"),
        &[
            ("Author", "alice"),
            ("Body", "Could you send me the order number?"),
        ],
    )
    .expect(201);
    // Alice takes a break and comes back after Bob came in: Bob has been idle longer, so the
    // queue alone would offer him the conversation next.
    tr.set_activity(&alice, &tr.offline);
    tr.set_activity(&bob, &tr.available);
    s.advance_clock(1_000);
    tr.set_activity(&alice, &tr.available);

    let p = s
        .post(
            &format!("/v1/Conversations/{conv}/Park"),
            &[("Reason", "waiting for the order number")],
        )
        .expect(201)
        .json();
    assert!(p["sid"].as_str().unwrap().starts_with("PK"));
    assert_eq!(
        (&p["parked"], &p["worker_sid"]),
        (&json!(true), &json!(alice))
    );
    let t = tr.fetch_task(&first);
    assert_eq!(t["assignment_status"], "completed");
    assert_eq!(
        t["reason"],
        "Parked, waiting for the customer: waiting for the order number"
    );
    let w = s
        .get(&tr.path(&format!("/Workers/{alice}")))
        .expect(200)
        .json();
    assert_eq!(w["available"], true);
    s.post(&format!("/v1/Conversations/{conv}/Park"), &[])
        .expect_error(409);
    let parked = s.get("/v1/ParkedConversations").expect(200).json();
    assert_eq!(
        parked["parked_conversations"][0]["conversation_sid"],
        conv.as_str()
    );

    // The customer answers: the same conversation, a new task, offered to Alice first.
    sms(&s, CUSTOMER, OUR_NUMBER, "it is 4711", None);
    let second = live_task(&tr, &conv);
    let second_sid = second["sid"].as_str().unwrap().to_string();
    assert_ne!(second_sid, first);
    let r = pending_reservation(&tr, &second_sid);
    assert_eq!(r["worker_sid"], alice.as_str(), "{r}");
    let a: Value = serde_json::from_str(second["attributes"].as_str().unwrap()).unwrap();
    assert_eq!(a["conversationSid"], conv.as_str());
    assert_eq!(a["parked"]["previous_task_sid"], first.as_str());
    assert_eq!(a["parked"]["previous_worker_sid"], alice.as_str());
    assert_eq!(conversation(&s, &conv)["state"], "active");
    tr.update_reservation(
        &second_sid,
        r["sid"].as_str().unwrap(),
        &[("ReservationStatus", "accepted")],
    )
    .expect(200);
    assert_eq!(
        bodies(&s, &conv),
        vec![
            "hi, my order is late",
            "Could you send me the order number?",
            "it is 4711"
        ]
    );
    let p = s
        .get(&format!("/v1/Conversations/{conv}/Park"))
        .expect(200)
        .json();
    assert_eq!(
        (&p["parked"], &p["new_task_sid"]),
        (&json!(false), &json!(second_sid))
    );

    // Parked again while Alice goes offline: it comes back to Bob.
    s.post(&format!("/v1/Conversations/{conv}/Park"), &[])
        .expect(201);
    tr.set_activity(&alice, &tr.offline);
    sms(&s, CUSTOMER, OUR_NUMBER, "any news?", None);
    let third = live_task(&tr, &conv);
    let r = pending_reservation(&tr, third["sid"].as_str().unwrap());
    assert_eq!(r["worker_sid"], bob.as_str());

    // A supervisor's unpark of a conversation that is not parked: 404.
    s.delete(&format!("/v1/Conversations/{conv}/Park"))
        .expect_error(404);
}

/// The workspace's first task (the conversation's first).
fn first_task(tr: &Tr) -> String {
    wait_until(WAIT, || {
        let v = tr.s.get(&tr.path("/Tasks")).expect(200).json();
        Some(v["tasks"].as_array()?.first()?["sid"].as_str()?.to_string())
    })
}

fn attrs_conv(t: &Value) -> String {
    let a: Value = serde_json::from_str(t["attributes"].as_str().unwrap()).unwrap();
    a["conversationSid"].as_str().unwrap().to_string()
}

#[test]
fn a_conversation_with_a_transfer_under_way_is_not_parked_and_unpark_needs_no_message() {
    let s = TestServer::start();
    let tr = Tr::default(&s);
    let alice = tr.worker("alice", json!({}));
    let bob = tr.worker("bob", json!({}));
    tr.set_activity(&bob, &tr.offline);
    handler(&s, &tr);
    sms(&s, CUSTOMER, OUR_NUMBER, "hello", None);
    let task = first_task(&tr);
    let conv = attrs_conv(&tr.fetch_task(&task));
    accept(&tr, &task);
    wait_participant(&s, &conv, "alice");

    // A cold transfer to Bob (offline: it waits) — parking is refused while it is under way.
    let channel = json!({"type": "sms", "properties": {"media_channel_sid": conv}});
    let i = s
        .post("/v1/Interactions", &[("Channel", &channel.to_string())])
        .expect(200)
        .json();
    let path = format!(
        "/v1/Interactions/{}/Channels/{}",
        i["sid"].as_str().unwrap(),
        i["channel"]["sid"].as_str().unwrap()
    );
    wait_until(WAIT, || {
        let p = s.get(&format!("{path}/Participants")).expect(200).json();
        p["participants"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["type"] == "agent")
            .then_some(())
    });
    let t = s
        .post(
            &format!("{path}/Transfers"),
            &[("Type", "cold"), ("To", &bob)],
        )
        .expect(201)
        .json();
    let e = s
        .post(
            &format!("/v1/Conversations/{conv}/Park"),
            &[("TaskSid", &task)],
        )
        .expect_error(409);
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("transfer or invite under way"),
        "{e}"
    );
    assert_eq!(tr.fetch_task(&task)["assignment_status"], "assigned");
    assert!(s.get(&format!("/v1/Conversations/{conv}/Park")).status == 404);
    let _ = (t, alice);
}
