//! Issue 15 item 4, the agent desktop's transfers over the real binary: the colleagues and queues
//! by name (no other agent's SID in an agent's answer), a cold transfer to an agent (the receiver
//! sees who sent it and why, the sender wraps up, the customer sees the new agent), a warm one
//! (both stay until the sender leaves), a withdrawn one (the sender keeps the chat), bad input in
//! words, and the same transfer seen through Flex's `/v1/Interactions/…/Transfers`.

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

impl Agent {
    fn work(&self, s: &TestServer) -> Vec<Value> {
        self.get(s, "/agent/api/work").expect(200).json()["reservations"]
            .as_array()
            .unwrap()
            .clone()
    }
    /// Waits for the agent's reservation of `conv` in `status`.
    fn item(&self, s: &TestServer, conv: &str, status: &str) -> Value {
        wait_until(WAIT, || {
            self.work(s)
                .into_iter()
                .find(|r| r["task"]["conversation_sid"] == conv && r["status"] == status)
        })
    }
    fn accept(&self, s: &TestServer, conv: &str) -> Value {
        let r = self.item(s, conv, "pending");
        self.post(
            s,
            &format!("/agent/api/reservations/{}", r["sid"].as_str().unwrap()),
            &[("ReservationStatus", "accepted")],
        )
        .expect(200);
        self.item(s, conv, "accepted")
    }
    fn activity(&self, s: &TestServer, act: &str) {
        self.post(s, "/agent/api/activity", &[("ActivitySid", act)])
            .expect(200);
    }
}

struct Office<'a> {
    s: &'a TestServer,
    available: String,
    offline: String,
    queue: String,
    amy: Agent,
    bob: Agent,
}

fn agent(s: &TestServer, ws: &str, name: &str, full: &str) -> Agent {
    Agent::new_worker(s, ws, name, &json!({ "full_name": full }))
}

fn office(s: &TestServer) -> Office<'_> {
    let tr = taskrouter::Tr::default(s);
    let queue = s.get(&tr.path("/TaskQueues")).expect(200).json()["task_queues"][0]
        ["friendly_name"]
        .as_str()
        .unwrap()
        .to_string();
    let amy = agent(s, &tr.ws, "amy", "Amy Adams");
    let bob = agent(s, &tr.ws, "bob", "Bob Baker");
    Office {
        s,
        available: tr.available.clone(),
        offline: tr.offline.clone(),
        queue,
        amy,
        bob,
    }
}

impl Office<'_> {
    /// A customer's chat that amy has accepted (bob offline meanwhile): (conversation, token,
    /// amy's task).
    fn amys_chat(&self, name: &str) -> (String, String, String) {
        self.bob.activity(self.s, &self.offline);
        self.amy.activity(self.s, &self.available);
        let (conv, token) = start_chat(self.s, name, &[("Body", "my order is late")]);
        let r = self.amy.accept(self.s, &conv);
        wait_participant(self.s, &conv, "amy");
        (conv, token, r["task"]["sid"].as_str().unwrap().to_string())
    }

    fn transfer(&self, task: &str, params: &[(&str, &str)]) -> Resp {
        self.amy.post(
            self.s,
            &format!("/agent/api/tasks/{task}/transfers"),
            params,
        )
    }

    fn task_status(&self, task: &str) -> String {
        let tr = taskrouter::Tr::default(self.s);
        tr.fetch_task(task)["assignment_status"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

#[test]
fn colleagues_and_queues_come_by_name_without_their_sids() {
    let s = TestServer::start();
    let o = office(&s);
    let v = o.amy.get(&s, "/agent/api/colleagues").expect(200).json();
    let agents = v["agents"].as_array().unwrap();
    assert_eq!(agents.len(), 1, "everyone but amy herself: {v}");
    assert_eq!(agents[0]["name"], "Bob Baker");
    assert_eq!(agents[0]["login"], "bob");
    assert!(agents[0]["activity"].is_string());
    assert!(v["queues"]
        .as_array()
        .unwrap()
        .iter()
        .any(|q| q["name"] == o.queue.as_str()));
    let text = v.to_string();
    assert!(
        !text.contains(&o.bob.sid) && !text.contains("\"WK") && !text.contains("\"WQ"),
        "{text}"
    );
    s.request("GET", "/agent/api/colleagues", &[], b"")
        .expect_error(401);
}

#[test]
fn a_cold_transfer_hands_the_chat_to_the_colleague_with_the_note() {
    let s = TestServer::start();
    let o = office(&s);
    let (conv, token, amy_task) = o.amys_chat("Carla");
    o.bob.activity(&s, &o.available);
    let t = o
        .transfer(
            &amy_task,
            &[
                ("To", "worker:bob"),
                ("Type", "cold"),
                ("Note", "wants a refund"),
            ],
        )
        .expect(201)
        .json();
    assert_eq!(t["status"], "active");
    assert_eq!(t["type"], "cold");
    assert_eq!(t["to_name"], "Bob Baker");
    // One at a time, said in words.
    let again = o
        .transfer(&amy_task, &[("To", "worker:bob")])
        .expect_error(409);
    assert!(
        again.to_string().contains("already under way"),
        "{}",
        again.to_string()
    );
    // Amy's desk shows it under way; bob's offer says who sent it and why.
    let mine = o.amy.item(&s, &conv, "accepted");
    assert_eq!(mine["task"]["transfer_out"]["status"], "active");
    assert_eq!(mine["task"]["transfer_out"]["to_name"], "Bob Baker");
    let offer = o.bob.item(&s, &conv, "pending");
    assert_eq!(offer["task"]["transfer_in"]["from_name"], "Amy Adams");
    assert_eq!(offer["task"]["transfer_in"]["note"], "wants a refund");
    assert_eq!(offer["task"]["transfer_in"]["type"], "cold");
    // Bob accepts: he joins, sees the whole chat; amy's task goes to wrap-up.
    let bobs = o.bob.accept(&s, &conv);
    let bob_task = bobs["task"]["sid"].as_str().unwrap().to_string();
    wait_participant(&s, &conv, "bob");
    wait_until(WAIT, || {
        (o.task_status(&amy_task) == "wrapping").then_some(())
    });
    let log = o
        .bob
        .get(&s, &format!("/agent/api/tasks/{bob_task}/messages"))
        .expect(200)
        .json();
    assert!(log.to_string().contains("my order is late"), "{log}");
    // Amy can no longer write or transfer; bob can.
    o.amy
        .post(
            &s,
            &format!("/agent/api/tasks/{amy_task}/messages"),
            &[("Body", "still here?")],
        )
        .expect_error(409);
    o.bob
        .post(
            &s,
            &format!("/agent/api/tasks/{bob_task}/messages"),
            &[("Body", "Hi Carla, Bob here")],
        )
        .expect(201);
    // The customer sees Bob, by his display name, and the chat goes on.
    let status = wait_until(WAIT, || {
        let v = chat_get(&s, &conv, &token, "Wait=0").expect(200).json();
        (v["agent"] == "Bob Baker").then_some(v)
    });
    assert_eq!(status["ended"], false, "{status}");
    assert!(status.to_string().contains("Bob here"), "{status}");
    // The same transfer through Flex's Interactions API.
    let attrs: Value = serde_json::from_str(
        taskrouter::Tr::default(&s).fetch_task(&bob_task)["attributes"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let path = format!(
        "/v1/Interactions/{}/Channels/{}/Transfers",
        attrs["flexInteractionSid"].as_str().unwrap(),
        attrs["flexInteractionChannelSid"].as_str().unwrap()
    );
    let list = s.get(&path).expect(200).json();
    let rest = &list["transfers"][0];
    assert_eq!(rest["status"], "completed", "{list}");
    assert_eq!(rest["type"], "cold");
    assert_eq!(rest["to"], o.bob.sid.as_str());
}

#[test]
fn a_warm_transfer_keeps_both_until_the_sender_leaves_and_a_withdrawn_one_changes_nothing() {
    let s = TestServer::start();
    let o = office(&s);
    let (conv, token, amy_task) = o.amys_chat("Dora");
    // Bad input, in words an agent reads.
    for (params, status, words) in [
        (vec![("To", "worker:nobody")], 400, "no agent or queue"),
        (vec![("To", "worker:amy")], 400, "is you"),
        (vec![("To", "somewhere")], 400, "worker:NAME or queue:NAME"),
        (
            vec![("To", "worker:bob"), ("Type", "hot")],
            400,
            "warm or cold",
        ),
        (vec![], 400, "To"),
    ] {
        let r = o.transfer(&amy_task, &params).expect_error(status);
        assert!(r.to_string().contains(words), "{params:?}: {r}");
    }
    o.amy
        .post(
            &s,
            &format!("/agent/api/tasks/{amy_task}/transfer"),
            &[("Status", "completed")],
        )
        .expect_error(409);
    // To the queue while nobody else is free; amy withdraws it and keeps the chat.
    let queue = format!("queue:{}", o.queue);
    let t = o
        .transfer(&amy_task, &[("To", &queue), ("Type", "warm")])
        .expect(201)
        .json();
    assert_eq!(t["to_name"], format!("the {} queue", o.queue));
    let w = o
        .amy
        .post(
            &s,
            &format!("/agent/api/tasks/{amy_task}/transfer"),
            &[("Status", "failed")],
        )
        .expect(200)
        .json();
    assert_eq!(w["status"], "failed");
    assert_eq!(o.task_status(&amy_task), "assigned");
    let mine = o.amy.item(&s, &conv, "accepted");
    assert_eq!(mine["task"]["transfer_out"]["status"], "failed");
    // Warm to bob: he joins, amy stays until she leaves.
    o.bob.activity(&s, &o.available);
    o.transfer(
        &amy_task,
        &[("To", "worker:bob"), ("Type", "warm"), ("Note", "VIP")],
    )
    .expect(201);
    let offer = o.bob.item(&s, &conv, "pending");
    assert_eq!(offer["task"]["transfer_in"]["type"], "warm");
    o.bob.accept(&s, &conv);
    wait_participant(&s, &conv, "bob");
    let mine = wait_until(WAIT, || {
        let m = o.amy.item(&s, &conv, "accepted");
        (m["task"]["transfer_out"]["accepted"] == true).then_some(m)
    });
    assert_eq!(mine["task"]["transfer_out"]["status"], "active");
    assert_eq!(o.task_status(&amy_task), "assigned", "amy stays in");
    wait_until(WAIT, || {
        let v = chat_get(&s, &conv, &token, "Wait=0").expect(200).json();
        (v["agent"] == "Bob Baker").then_some(())
    });
    // Withdrawing is too late now; leaving completes it.
    o.amy
        .post(
            &s,
            &format!("/agent/api/tasks/{amy_task}/transfer"),
            &[("Status", "failed")],
        )
        .expect_error(409);
    let done = o
        .amy
        .post(
            &s,
            &format!("/agent/api/tasks/{amy_task}/transfer"),
            &[("Status", "completed")],
        )
        .expect(200)
        .json();
    assert_eq!(done["status"], "completed");
    assert_eq!(o.task_status(&amy_task), "wrapping");
    let v = chat_get(&s, &conv, &token, "Wait=0").expect(200).json();
    assert_eq!(v["ended"], false, "the customer keeps bob: {v}");
}
