//! Issue 16 item 1, the Studio editor's test run over the real binary: an admin chats with a
//! draft revision (`/admin/api/studio/…/tests`) while a real web chat customer still gets the
//! published one; each step is in the run's view; a Send to Flex makes a real task marked as a
//! test, which then takes the admin's messages; ending the run ends its execution and task; bad
//! input is a Twilio-style 4xx naming what is wrong.

#[path = "common/channels.rs"]
mod channels;
mod common;
#[path = "common/taskrouter.rs"]
mod taskrouter;
use channels::*;
use common::*;
use taskrouter::Tr;

/// The draft under test: ask, then "sales" goes to an agent and anything else says goodbye.
fn draft() -> Value {
    json!({
        "description": "Webchat Flow",
        "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": true},
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0, "y": 0}},
             "transitions": [{"event": "incomingMessage", "next": "ask"}, {"event": "incomingCall"},
                             {"event": "incomingConversationMessage", "next": "ask"},
                             {"event": "incomingRequest"}, {"event": "incomingParent"}]},
            {"name": "ask", "type": "send-and-wait-for-reply",
             "properties": {"offset": {"x": 0, "y": 200}, "body": "Draft: sales or support?", "timeout": "3600"},
             "transitions": [{"event": "incomingMessage", "next": "route"}, {"event": "timeout"}, {"event": "deliveryFailure"}]},
            {"name": "route", "type": "split-based-on",
             "properties": {"offset": {"x": 0, "y": 400}, "input": "{{widgets.ask.inbound.Body}}"},
             "transitions": [{"event": "noMatch", "next": "bye"},
                             {"event": "match", "next": "agent", "conditions": [{"friendly_name": "sales", "arguments": ["{{widgets.ask.inbound.Body}}"], "type": "equal_to", "value": "sales"}]}]},
            {"name": "bye", "type": "send-message",
             "properties": {"offset": {"x": 300, "y": 600}, "body": "Draft says bye"},
             "transitions": [{"event": "sent"}, {"event": "failed"}]},
            {"name": "agent", "type": "send-to-flex",
             "properties": {"offset": {"x": 0, "y": 600}, "workflow": "", "channel": "chat", "attributes": "{}"},
             "transitions": [{"event": "callComplete"}, {"event": "failedToEnqueue"}, {"event": "callFailure"}]}
        ]
    })
}

fn view(s: &TestServer, run: &str) -> Value {
    s.get(&format!("/admin/api/studio/tests/{run}"))
        .expect(200)
        .json()
}

fn bot_says(v: &Value) -> Vec<String> {
    v["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["from"] == "bot")
        .map(|m| m["body"].as_str().unwrap_or("").to_string())
        .collect()
}

fn say(s: &TestServer, run: &str, body: &str) -> Value {
    s.post(
        &format!("/admin/api/studio/tests/{run}/messages"),
        &[("Body", body)],
    )
    .expect(201)
    .json()
}

#[test]
fn a_test_run_chats_with_a_draft_while_customers_get_the_published_revision() {
    let s = TestServer::start();
    let tr = Tr::default(&s);
    let flow = flow_named(&s, "Webchat Flow");
    publish(
        &s,
        &flow,
        &greeting_flow("Hello from the published revision"),
    );
    let published = s
        .get(&format!("/v2/Flows/{flow}/Revisions/LatestPublished"))
        .expect(200)
        .json()["revision"]
        .clone();
    let saved = s
        .post(
            &format!("/v2/Flows/{flow}"),
            &[("Status", "draft"), ("Definition", &draft().to_string())],
        )
        .expect(200)
        .json();
    let rev = saved["revision"].as_i64().unwrap();

    let run = s
        .post(
            &format!("/admin/api/studio/flows/{flow}/tests"),
            &[("Revision", &rev.to_string())],
        )
        .expect(201)
        .json();
    assert_eq!(run["revision"], rev);
    assert_eq!(run["status"], "active");
    let sid = run["sid"].as_str().unwrap().to_string();

    // The draft answers the test customer, step by step.
    let sent = say(&s, &sid, "hi");
    assert!(
        sent["execution_sid"].as_str().unwrap().starts_with("FN"),
        "{sent}"
    );
    let v = wait_until(WAIT, || {
        Some(view(&s, &sid)).filter(|v| bot_says(v) == ["Draft: sales or support?"])
    });
    let exec = &v["executions"][0];
    assert_eq!(exec["revision"], rev);
    assert_eq!(exec["waiting_at"], "ask");
    assert_eq!(exec["steps"][0]["from"], "Trigger");
    assert_eq!(exec["steps"][0]["event"], "incomingConversationMessage");
    assert_eq!(exec["steps"][0]["to"], "ask");
    say(&s, &sid, "nope");
    let v = wait_until(WAIT, || {
        Some(view(&s, &sid)).filter(|v| bot_says(v).len() == 2)
    });
    assert_eq!(bot_says(&v)[1], "Draft says bye");
    let steps: Vec<(String, String, String)> = v["executions"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["from"].as_str().unwrap().into(),
                x["event"].as_str().unwrap().into(),
                x["to"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        steps.contains(&("route".into(), "noMatch".into(), "bye".into())),
        "{steps:?}"
    );
    assert_eq!(v["executions"][0]["status"], "ended");

    // A real customer meanwhile gets the published revision, which is still the published one.
    let (conv, _) = start_chat(&s, "Ann", &[("Body", "hi")]);
    wait_until(WAIT, || {
        bodies(&s, &conv)
            .contains(&"Hello from the published revision".to_string())
            .then_some(())
    });
    assert!(!bodies(&s, &conv).iter().any(|b| b.starts_with("Draft")));
    assert_eq!(
        s.get(&format!("/v2/Flows/{flow}/Revisions/LatestPublished"))
            .expect(200)
            .json()["revision"],
        published
    );
    // The test conversation is nobody else's: no session binds it and no customer's chat saw it.
    assert!(!bodies(&s, &conv).iter().any(|b| b == "nope"));

    // Writing after the end runs the draft again from the start; "sales" makes a real task
    // marked as a test, and from then on the admin's messages are the agent's.
    say(&s, &sid, "hello again");
    wait_until(WAIT, || {
        (bot_says(&view(&s, &sid)).len() == 3).then_some(())
    });
    say(&s, &sid, "sales");
    let task = wait_until(WAIT, || tasks_of(&tr, &sid).into_iter().next());
    let attrs: Value = serde_json::from_str(task["attributes"].as_str().unwrap()).unwrap();
    assert_eq!(attrs["studio_test_run"]["revision"], rev, "{attrs}");
    assert_eq!(attrs["studio_test_run"]["flow_sid"], flow.as_str());
    assert_eq!(attrs["conversationSid"], sid.as_str());
    let to_agent = say(&s, &sid, "are you there?");
    assert_eq!(to_agent["task_sid"], task["sid"], "{to_agent}");
    assert!(to_agent["execution_sid"].is_null());

    // Ending the test ends its executions and its task; the run takes no more messages.
    let ended = s
        .post(&format!("/admin/api/studio/tests/{sid}/end"), &[])
        .expect(200)
        .json();
    assert_eq!(ended["status"], "ended");
    assert!(ended["executions"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["status"] == "ended"));
    let t =
        tr.s.get(&tr.path(&format!("/Tasks/{}", task["sid"].as_str().unwrap())))
            .expect(200)
            .json();
    assert_eq!(t["assignment_status"], "canceled", "{t}");
    let refused = s
        .post(
            &format!("/admin/api/studio/tests/{sid}/messages"),
            &[("Body", "still there?")],
        )
        .expect_error(409);
    assert!(
        refused["message"].as_str().unwrap().contains("ended"),
        "{refused}"
    );
    // Nothing of the test touched the published revision.
    let flow_now = s.get(&format!("/v2/Flows/{flow}")).expect(200).json();
    assert_eq!(flow_now["revision"], rev);
    assert_eq!(
        s.get(&format!("/v2/Flows/{flow}/Revisions/LatestPublished"))
            .expect(200)
            .json()["revision"],
        published
    );
}

#[test]
fn bad_input_to_a_test_run_is_refused_in_words() {
    let s = TestServer::start();
    let flow = flow_named(&s, "Webchat Flow");
    let tests = format!("/admin/api/studio/flows/{flow}/tests");
    let e = s
        .post(
            "/admin/api/studio/flows/FW00000000000000000000000000000000/tests",
            &[],
        )
        .expect_error(404);
    assert!(e["message"].as_str().unwrap().contains("Flow"), "{e}");
    let e = s.post(&tests, &[("Revision", "abc")]).expect_error(400);
    assert!(e["message"].as_str().unwrap().contains("Revision"), "{e}");
    s.post(&tests, &[("Revision", "99")]).expect_error(404);
    // A draft with errors does not run: the refusal names the revision and the first error.
    let mut broken = draft();
    broken["states"][3]["properties"]["body"] = json!("");
    let saved = s
        .post(
            &format!("/v2/Flows/{flow}"),
            &[("Status", "draft"), ("Definition", &broken.to_string())],
        )
        .expect(200)
        .json();
    assert_eq!(saved["valid"], false);
    let e = s.post(&tests, &[]).expect_error(400);
    let m = e["message"].as_str().unwrap();
    assert!(
        m.contains(&format!("revision {}", saved["revision"])) && m.contains("errors"),
        "{e}"
    );
    // The published revision still runs: a test of it starts.
    let run = s.post(&tests, &[("Revision", "1")]).expect(201).json();
    let sid = run["sid"].as_str().unwrap();
    let e = s
        .post(
            &format!("/admin/api/studio/tests/{sid}/messages"),
            &[("Body", "  ")],
        )
        .expect_error(400);
    assert!(e["message"].as_str().unwrap().contains("Body"), "{e}");
    s.post(&format!("/admin/api/studio/tests/{sid}/messages"), &[])
        .expect_error(400);
    s.get("/admin/api/studio/tests/CH00000000000000000000000000000000")
        .expect_error(404);
    s.post(
        "/admin/api/studio/tests/CH00000000000000000000000000000000/end",
        &[],
    )
    .expect_error(404);
    // Ending twice is no error.
    s.post(&format!("/admin/api/studio/tests/{sid}/end"), &[])
        .expect(200);
    s.post(&format!("/admin/api/studio/tests/{sid}/end"), &[])
        .expect(200);
}

#[test]
fn the_run_feed_parks_until_the_flow_answers() {
    let s = TestServer::start();
    let flow = flow_named(&s, "Webchat Flow");
    let saved = s
        .post(
            &format!("/v2/Flows/{flow}"),
            &[("Status", "draft"), ("Definition", &draft().to_string())],
        )
        .expect(200)
        .json();
    let run = s
        .post(
            &format!("/admin/api/studio/flows/{flow}/tests"),
            &[("Revision", &saved["revision"].to_string())],
        )
        .expect(201)
        .json();
    let sid = run["sid"].as_str().unwrap().to_string();
    let feed = format!("/admin/api/studio/tests/{sid}/events");
    let last = s.get(&feed).expect(200).json()["last_seq"]
        .as_i64()
        .unwrap();
    let url = format!("{feed}?After={last}&Wait=20");
    let (addr, auth) = (s.addr.clone(), s.auth());
    let waiting =
        std::thread::spawn(move || http(&addr, "GET", &url, &[("Authorization", &auth)], b""));
    say(&s, &sid, "hi");
    let answer = waiting.join().unwrap().unwrap().expect(200).json();
    assert!(!answer["events"].as_array().unwrap().is_empty(), "{answer}");
}
