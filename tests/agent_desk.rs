//! Issue 15, the agent desktop's working tools over the real binary: private notes on a chat
//! (kept with the conversation, never a message), the office's canned responses (bad input in
//! words, one shortcut once), the customer panel with an SMS customer's earlier conversation and
//! its transcript, the wrap-up codes a queue offers, and "My work" (finished tasks, searchable;
//! another agent's task opens nothing).

#[path = "common/agent.rs"]
mod agent;
#[path = "common/channels.rs"]
mod channels;
mod common;
#[path = "common/taskrouter.rs"]
mod taskrouter;
use agent::AgentSession as Agent;
use channels::*;
use common::*;
use taskrouter::Tr;

const OUR_NUMBER: &str = "+15550001000";
const CUSTOMER: &str = "+15550002000";

/// A worker `name` (full name "`name` Example") signed in to the desk.
fn desk(s: &TestServer, tr: &Tr, name: &str) -> Agent {
    let sid = tr.worker(name, json!({ "full_name": format!("{name} Example") }));
    Agent::sign_in(s, &sid, name)
}

impl Agent {
    /// Waits for a reservation of `conv` and accepts it: (reservation, task).
    fn take(&self, s: &TestServer, conv: Option<&str>) -> (String, String, Value) {
        let r = wait_until(WAIT, || {
            let w = self.get(s, "/agent/api/work").expect(200).json();
            w["reservations"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| {
                    r["status"] == "pending"
                        && conv.is_none_or(|c| r["task"]["conversation_sid"] == c)
                })
                .cloned()
        });
        let rsv = r["sid"].as_str().unwrap().to_string();
        self.post(
            s,
            &format!("/agent/api/reservations/{rsv}"),
            &[("ReservationStatus", "accepted")],
        )
        .expect(200);
        (rsv, r["task"]["sid"].as_str().unwrap().to_string(), r)
    }
}

#[test]
fn notes_stay_with_the_chat_and_never_reach_the_customer() {
    let s = TestServer::start();
    let tr = Tr::default(&s);
    let amy = desk(&s, &tr, "amy");
    amy.post(&s, "/agent/api/activity", &[("ActivitySid", &tr.available)])
        .expect(200);
    let (conv, token) = start_chat(&s, "Carla", &[("Body", "hello")]);
    // Before accepting, the notes are closed like the transcript.
    let pending = wait_until(WAIT, || {
        let w = amy.get(&s, "/agent/api/work").expect(200).json();
        w["reservations"][0]["task"]["sid"]
            .as_str()
            .map(str::to_string)
    });
    amy.get(&s, &format!("/agent/api/tasks/{pending}/notes"))
        .expect_error(403);
    let (_, task, _) = amy.take(&s, Some(&conv));
    let notes = format!("/agent/api/tasks/{task}/notes");
    for bad in ["", "   ", &"x".repeat(4001)] {
        let r = amy.post(&s, &notes, &[("Body", bad)]).expect_error(400);
        assert!(r.to_string().contains("1 to 4000 characters"), "{r}");
    }
    amy.post(&s, &notes, &[("Body", "x"), ("Kind", "secret")])
        .expect_error(400);
    let n = amy
        .post(&s, &notes, &[("Body", "VIP: order 77 was lost")])
        .expect(201)
        .json();
    assert_eq!(n["author_name"], "amy Example");
    assert_eq!(n["mine"], true);
    assert_eq!(n["kind"], "note");
    amy.post(&s, &notes, &[("Body", "refunded"), ("Kind", "wrapup")])
        .expect(201);
    let list = amy.get(&s, &notes).expect(200).json();
    let bodies: Vec<&str> = list["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["VIP: order 77 was lost", "refunded"]);
    // Not a message: neither the customer nor the Conversations API sees it.
    let chat = chat_get(&s, &conv, &token, "Wait=0").expect(200).text();
    assert!(!chat.contains("order 77"), "{chat}");
    assert!(!bodies_of(&s, &conv).iter().any(|b| b.contains("order 77")));
    // Another agent's task opens no notes.
    let bob = desk(&s, &tr, "bob");
    bob.get(&s, &notes).expect_error(404);
    bob.post(&s, &notes, &[("Body", "mine now")])
        .expect_error(404);
}

fn bodies_of(s: &TestServer, conv: &str) -> Vec<String> {
    bodies(s, conv)
}

#[test]
fn canned_responses_are_the_offices_with_one_shortcut_each() {
    let s = TestServer::start();
    let tr = Tr::default(&s);
    let amy = desk(&s, &tr, "amy");
    let bob = desk(&s, &tr, "bob");
    for (shortcut, body, words) in [
        ("two words", "hi", "letters, digits"),
        ("", "hi", "letters, digits"),
        (&"x".repeat(33)[..], "hi", "letters, digits"),
        ("ok", " ", "1 to 1600"),
    ] {
        let r = amy
            .post(
                &s,
                "/agent/api/canned",
                &[("Shortcut", shortcut), ("Body", body)],
            )
            .expect_error(400);
        assert!(r.to_string().contains(words), "{shortcut:?}: {r}");
    }
    let c = amy
        .post(
            &s,
            "/agent/api/canned",
            &[
                ("Shortcut", "/Hello"),
                ("Body", "Hi {{customer.first_name}}!"),
            ],
        )
        .expect(201)
        .json();
    assert_eq!(c["shortcut"], "hello", "the slash dropped, lower case");
    let id = c["id"].as_i64().unwrap().to_string();
    // The office's: bob sees it and cannot add the same shortcut again.
    let list = bob.get(&s, "/agent/api/canned").expect(200).json();
    assert_eq!(list["canned"][0]["body"], "Hi {{customer.first_name}}!");
    let dup = bob
        .post(
            &s,
            "/agent/api/canned",
            &[("Shortcut", "hello"), ("Body", "again")],
        )
        .expect_error(409);
    assert!(
        dup.to_string().contains("already a canned response"),
        "{dup}"
    );
    bob.post(
        &s,
        "/agent/api/canned",
        &[("Shortcut", "bye"), ("Body", "Bye!")],
    )
    .expect(201);
    // Renaming onto another's shortcut is refused; a real change is kept.
    amy.post(
        &s,
        &format!("/agent/api/canned/{id}"),
        &[("Shortcut", "bye"), ("Body", "x")],
    )
    .expect_error(409);
    amy.post(
        &s,
        &format!("/agent/api/canned/{id}"),
        &[("Shortcut", "hello"), ("Body", "Hello {{customer.name}}")],
    )
    .expect(200);
    let list = amy.get(&s, "/agent/api/canned").expect(200).json();
    let all = list["canned"].as_array().unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["shortcut"], "bye", "by shortcut");
    assert_eq!(all[1]["body"], "Hello {{customer.name}}");
    amy.send(&s, "DELETE", &format!("/agent/api/canned/{id}"), &[])
        .expect(204);
    amy.send(&s, "DELETE", &format!("/agent/api/canned/{id}"), &[])
        .expect_error(404);
    amy.post(
        &s,
        "/agent/api/canned/abc",
        &[("Shortcut", "a"), ("Body", "b")],
    )
    .expect_error(404);
    assert_eq!(
        amy.get(&s, "/agent/api/canned").expect(200).json()["canned"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn the_customer_panel_shows_an_sms_customers_earlier_chat_and_my_work_finds_it() {
    let s = TestServer::start();
    let tr = Tr::default(&s);
    let wf = s.get(&tr.path("/Workflows")).expect(200).json()["workflows"][0]["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let queue = s.get(&tr.path("/TaskQueues")).expect(200).json()["task_queues"][0]["sid"]
        .as_str()
        .unwrap()
        .to_string();
    s.post(
        &tr.path(&format!("/TaskQueues/{queue}/Dispositions")),
        &[
            ("Codes", r#"["Resolved","Refund issued"]"#),
            ("Required", "true"),
        ],
    )
    .expect(200);
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
        ],
    )
    .expect(201);
    let amy = desk(&s, &tr, "amy");
    amy.post(&s, "/agent/api/activity", &[("ActivitySid", &tr.available)])
        .expect(200);
    // The first conversation: amy takes it, wraps up with a code and closes it.
    sms(&s, CUSTOMER, OUR_NUMBER, "my blue kettle leaks", None);
    let (rsv1, task1, item) = amy.take(&s, None);
    let wrap = &item["task"]["wrapup"];
    assert_eq!(wrap["codes"], json!(["Resolved", "Refund issued"]));
    assert_eq!(wrap["required"], true);
    let conv1 = item["task"]["conversation_sid"]
        .as_str()
        .unwrap()
        .to_string();
    amy.post(
        &s,
        &format!("/agent/api/tasks/{task1}/messages"),
        &[("Body", "Sorry about the kettle")],
    )
    .expect(201);
    amy.post(
        &s,
        &format!("/agent/api/reservations/{rsv1}"),
        &[("ReservationStatus", "wrapping")],
    )
    .expect(200);
    // A required code: completing without one is refused, with one it completes.
    amy.post(
        &s,
        &format!("/agent/api/reservations/{rsv1}"),
        &[("ReservationStatus", "completed")],
    )
    .expect_error(400);
    amy.post(
        &s,
        &format!("/agent/api/reservations/{rsv1}"),
        &[
            ("ReservationStatus", "completed"),
            ("WrapupCode", "Refund issued"),
        ],
    )
    .expect(200);
    s.post(
        &format!("/v1/Conversations/{conv1}"),
        &[("State", "closed")],
    )
    .expect(200);
    // The same number writes again: a new conversation, whose panel lists the first.
    sms(&s, CUSTOMER, OUR_NUMBER, "the new kettle is fine", None);
    let (_, task2, item2) = amy.take(&s, None);
    let conv2 = item2["task"]["conversation_sid"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(conv1, conv2);
    let c = amy
        .get(&s, &format!("/agent/api/tasks/{task2}/customer"))
        .expect(200)
        .json();
    assert_eq!(c["address"], CUSTOMER);
    let earlier = c["earlier"].as_array().unwrap();
    assert_eq!(earlier.len(), 1, "{c}");
    assert_eq!(earlier[0]["key"], conv1.as_str());
    assert_eq!(earlier[0]["first_line"], "my blue kettle leaks");
    let log = amy
        .get(
            &s,
            &format!("/agent/api/tasks/{task2}/customer/{conv1}/messages"),
        )
        .expect(200)
        .json();
    assert!(log.to_string().contains("Sorry about the kettle"), "{log}");
    // A conversation that is not this contact's opens nothing, nor does another agent's task.
    let (other, _) = start_chat(&s, "Stranger", &[("Body", "hi")]);
    amy.get(
        &s,
        &format!("/agent/api/tasks/{task2}/customer/{other}/messages"),
    )
    .expect_error(404);
    let bob = desk(&s, &tr, "bob");
    bob.get(&s, &format!("/agent/api/tasks/{task2}/customer"))
        .expect_error(404);
    // My work: the finished task with its code, found by its words; bob finds nothing of it.
    let h = amy.get(&s, "/agent/api/history").expect(200).json();
    let t = &h["tasks"][0];
    assert_eq!(t["task_sid"], task1.as_str(), "{h}");
    assert_eq!(t["wrapup_code"], "Refund issued");
    assert_eq!(t["first_line"], "my blue kettle leaks");
    assert_eq!(
        h["tasks"].as_array().unwrap().len(),
        1,
        "only finished tasks"
    );
    let found = amy
        .get(&s, "/agent/api/history?Q=SORRY%20about")
        .expect(200)
        .json();
    assert_eq!(found["tasks"].as_array().unwrap().len(), 1);
    let none = amy
        .get(&s, "/agent/api/history?Q=toaster")
        .expect(200)
        .json();
    assert!(none["tasks"].as_array().unwrap().is_empty());
    let m = amy
        .get(&s, &format!("/agent/api/history/{task1}/messages"))
        .expect(200)
        .json();
    assert!(m.to_string().contains("my blue kettle leaks"), "{m}");
    bob.get(&s, &format!("/agent/api/history/{task1}/messages"))
        .expect_error(404);
    assert!(
        bob.get(&s, "/agent/api/history").expect(200).json()["tasks"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}
