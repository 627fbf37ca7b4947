//! Issue 15, the customer web chat's waiting cues over the real binary: the place in line while
//! nobody is free (moving up as chats are taken, gone once an agent joins, and a parked read
//! answered when it moves), and the office's greeting and pre-chat fields from the Flex
//! Configuration (bad fields dropped, defaults without one), whose answers reach the task.

#[path = "common/channels.rs"]
mod channels;
mod common;
#[path = "common/taskrouter.rs"]
mod taskrouter;
use channels::*;
use common::*;
use taskrouter::Tr;

fn place(s: &TestServer, conv: &str, token: &str) -> Value {
    chat_get(s, conv, token, "Wait=0").expect(200).json()["queue_position"].clone()
}

#[test]
fn a_waiting_customer_sees_the_place_in_line_move_up() {
    let s = TestServer::start();
    let tr = Tr::default(&s);
    let lea = tr.worker("lea", json!({"full_name": "Lea Brandt"}));
    tr.set_activity(&lea, &tr.offline);
    let (c1, t1) = start_chat(&s, "Nora", &[("Body", "first")]);
    wait_until(WAIT, || (place(&s, &c1, &t1) == 1).then_some(()));
    let (c2, t2) = start_chat(&s, "Otto", &[("Body", "second")]);
    let (c3, t3) = start_chat(&s, "Pia", &[("Body", "third")]);
    wait_until(WAIT, || (place(&s, &c3, &t3) == 3).then_some(()));
    assert_eq!(place(&s, &c2, &t2), 2);
    let before = chat_get(&s, &c2, &t2, "Wait=0").expect(200).json();
    assert!(
        before["typical_wait"].is_null(),
        "nothing answered yet: {before}"
    );
    // A parked read with the status seen so far answers when the place moves.
    let seen = chat_get(&s, &c3, &t3, "Wait=0").expect(200).json();
    let tag = seen["status_tag"].as_str().unwrap().to_string();
    let last = seen["messages"].as_array().unwrap().last().unwrap()["index"]
        .as_i64()
        .unwrap();
    let parked = chat_poll(&s, &c3, &t3, &format!("After={last}&Seen={tag}&Wait=20"));
    // Lea takes the first chat: it is served (no place), the others move up.
    tr.set_activity(&lea, &tr.available);
    let task = wait_until(WAIT, || {
        tasks_of(&tr, &c1)
            .first()
            .and_then(|t| t["sid"].as_str().map(str::to_string))
    });
    accept(&tr, &task);
    let moved = parked.join().unwrap().expect(200).json();
    assert_eq!(moved["queue_position"], 2, "{moved}");
    wait_until(WAIT, || {
        let v = chat_get(&s, &c1, &t1, "Wait=0").expect(200).json();
        (v["agent"] == "Lea Brandt").then_some(())
    });
    assert!(place(&s, &c1, &t1).is_null(), "served: no place in line");
    assert_eq!(place(&s, &c2, &t2), 1);
    // One chat answered in the last hour: the queue's usual wait goes with the place.
    let after = chat_get(&s, &c2, &t2, "Wait=0").expect(200).json();
    assert!(
        after["typical_wait"]
            .as_i64()
            .is_some_and(|w| (0..60).contains(&w)),
        "{after}"
    );
}

#[test]
fn the_greeting_and_pre_chat_fields_come_from_the_offices_configuration() {
    let s = TestServer::start();
    let v = public_get(&s, "/webchat/config");
    assert!(
        v["greeting"].as_str().unwrap().contains("connect you"),
        "{v}"
    );
    let names: Vec<&str> = v["pre_chat_fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["email", "question"]);
    let ui = json!({"webchat": {
        "greeting": "Welcome to the bakery",
        "pre_chat_fields": [
            {"name": "topic", "label": "Topic", "type": "select", "options": ["Orders", "Catering"], "required": true},
            {"name": "phone", "type": "tel"},
            {"name": "bad name!", "type": "text"},
            {"name": "name", "type": "text"},
            {"name": "empty", "type": "select", "options": []},
            {"name": "odd", "type": "password"}
        ]
    }});
    s.post(
        "/flex-api/v1/Configuration",
        &[("ui_attributes", &ui.to_string())],
    )
    .expect(200);
    let v = public_get(&s, "/webchat/config");
    assert_eq!(v["greeting"], "Welcome to the bakery");
    let fields = v["pre_chat_fields"].as_array().unwrap();
    let names: Vec<&str> = fields.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["topic", "phone", "odd"], "bad fields dropped: {v}");
    assert_eq!(fields[0]["required"], true);
    assert_eq!(fields[0]["options"], json!(["Orders", "Catering"]));
    assert_eq!(fields[1]["label"], "phone", "the name when no label");
    assert_eq!(fields[2]["type"], "text", "an unknown type is text");
    // The answers go with the start: the conversation's pre-engagement data, which the agent's
    // offer and customer panel show.
    let tr = Tr::default(&s);
    let lea = tr.worker("lea", json!({}));
    tr.set_activity(&lea, &tr.available);
    let ctx = json!({"topic": "Catering", "email": "otto@example.com"}).to_string();
    let (conv, _) = start_chat(&s, "Otto", &[("Body", "cake for 40"), ("Context", &ctx)]);
    let c = conversation(&s, &conv);
    let attrs: Value = serde_json::from_str(c["attributes"].as_str().unwrap()).unwrap();
    assert_eq!(attrs["pre_engagement_data"]["topic"], "Catering", "{attrs}");
    assert_eq!(attrs["pre_engagement_data"]["email"], "otto@example.com");
    let pw = "lea-secret";
    s.post(
        &format!("/admin/api/workers/{lea}/password"),
        &[("Password", pw)],
    )
    .expect(200);
    let r = s
        .request(
            "POST",
            "/agent/api/session",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            form_encode(&[("Worker", "lea"), ("Password", pw)]).as_bytes(),
        )
        .expect(201);
    let cookie = r
        .header("Set-Cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let offer = wait_until(WAIT, || {
        let w = s
            .request("GET", "/agent/api/work", &[("Cookie", &cookie)], b"")
            .expect(200)
            .json();
        w["reservations"].as_array().unwrap().first().cloned()
    });
    assert_eq!(
        offer["task"]["pre_engagement"]["topic"], "Catering",
        "{offer}"
    );
}

fn public_get(s: &TestServer, path: &str) -> Value {
    s.request("GET", path, &[], b"").expect(200).json()
}
