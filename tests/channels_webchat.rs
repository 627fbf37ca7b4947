//! Issue 5: web chat over HTTP — start, send, long-poll receive (parked, answered by the next
//! message), and per-chat tokens: a customer can never read or write another's chat.

mod carrier;
#[path = "common/channels.rs"]
mod channels;
mod common;
#[path = "common/taskrouter.rs"]
mod taskrouter;
use carrier::Carrier;
use channels::*;
use common::*;
use taskrouter::Tr;

/// What the page sends when a customer starts a chat.
const GREETING: &str =
    "Hi {{trigger.conversation.FriendlyName}}, I am the bot. Connecting you to an agent.";
const CONTEXT: &[(&str, &str)] = &[("Context", "{\"email\":\"a@b.c\"}")];

#[test]
fn chat_tokens_open_only_their_own_chat_and_long_polls_park_until_a_message() {
    let hook = Carrier::start_on(0, 200);
    let s = TestServer::start();
    // Route the web handler to an external URL (the Studio path has its own end-to-end test).
    let flows = s.get("/v1/FlexFlows").expect(200).json();
    let web = flows["flex_flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["channel_type"] == "web")
        .unwrap()
        .clone();
    s.post(
        &format!("/v1/FlexFlows/{}", web["sid"].as_str().unwrap()),
        &[
            ("IntegrationType", "external"),
            ("Integration.Url", &hook.url),
        ],
    )
    .expect(200);

    let (conv_a, token_a) = start_chat(&s, "Ada", CONTEXT);
    let (conv_b, token_b) = start_chat(&s, "Bob", CONTEXT);
    assert_ne!(conv_a, conv_b);
    let conv = conversation(&s, &conv_a);
    assert!(
        conv["attributes"].as_str().unwrap().contains("a@b.c"),
        "{conv}"
    );

    // Another customer's token, a made-up one, or none: 403 and nothing readable or written.
    chat_get(&s, &conv_a, &token_b, "Wait=0").expect_error(403);
    chat_get(&s, &conv_a, &"0".repeat(32), "Wait=0").expect_error(403);
    s.request("GET", &format!("/webchat/{conv_a}/messages"), &[], b"")
        .expect_error(403);
    chat_send(&s, &conv_a, &token_b, "not mine").expect_error(403);

    chat_send(&s, &conv_a, &token_a, "hi, I need help").expect(201);
    let posted = wait_until(WAIT, || hook.accepted().into_iter().next());
    assert_eq!(posted.param("Body"), Some("hi, I need help"));
    let mine = chat_get(&s, &conv_a, &token_a, "Wait=0").expect(200).json();
    assert_eq!(mine["messages"][0]["body"], "hi, I need help");
    let theirs = chat_get(&s, &conv_b, &token_b, "Wait=0").expect(200).json();
    assert!(theirs["messages"].as_array().unwrap().is_empty());

    // A long-poll for what comes after index 0 parks; an agent's reply answers it.
    let poll = chat_poll(&s, &conv_a, &token_a, "After=0&Wait=20");
    // The poll holds no pool thread: with it parked, the server keeps answering.
    for _ in 0..8 {
        s.get("/v1/FlexFlows").expect(200);
    }
    s.post(
        &format!("/v1/Conversations/{conv_a}/Messages"),
        &[
            ("Author", "agent-ann"),
            ("Body", "Hello Ada, how can I help?"),
        ],
    )
    .expect(201);
    let answered = poll.join().unwrap().expect(200).json();
    assert_eq!(answered["messages"][0]["author"], "agent-ann");
    assert_eq!(answered["messages"][0]["index"], 1);
    // A poll that times out answers an empty list.
    let empty = chat_get(&s, &conv_a, &token_a, "After=1&Wait=1")
        .expect(200)
        .json();
    assert!(empty["messages"].as_array().unwrap().is_empty());
}

/// Issue 5's web chat end to end: start, the Webchat Flow's bot answers, the hand-off creates a
/// task, the agent accepts (and joins the conversation), the agent's reply reaches the customer's
/// parked long-poll; the second customer's token cannot read the first chat.
#[test]
fn web_chat_end_to_end_bot_hand_off_and_agent_reply() {
    let s = TestServer::start();
    // Give the seeded Webchat Flow a greeting, and have one agent available.
    let webchat = flow_named(&s, "Webchat Flow");
    publish(&s, &webchat, &greeting_flow(GREETING));
    let tr = Tr::default(&s);
    tr.worker("dana", json!({}));

    let (conv, token) = start_chat(&s, "Carol", &[("Body", "Hello, I need help")]);
    let (_, token_b) = start_chat(&s, "Eve", CONTEXT);

    // The bot answers (after the customer's own first message).
    let bot = wait_until(WAIT, || {
        let m = chat_get(&s, &conv, &token, "After=0&Wait=5")
            .expect(200)
            .json();
        m["messages"].as_array().unwrap().first().cloned()
    });
    assert_eq!(bot["author"], "bot");
    assert_eq!(
        bot["body"],
        "Hi Carol, I am the bot. Connecting you to an agent."
    );

    // The hand-off: a chat task bound to the conversation, reserved for dana.
    let task = wait_until(WAIT, || tasks_of(&tr, &conv).into_iter().next());
    let attrs: Value = serde_json::from_str(task["attributes"].as_str().unwrap()).unwrap();
    assert_eq!(attrs["name"], "Carol");
    assert_eq!(attrs["conversationSid"], conv.as_str());
    accept(&tr, task["sid"].as_str().unwrap());
    wait_participant(&s, &conv, "dana");

    // The customer waits (parked); the agent's reply answers the wait.
    let poll = chat_poll(&s, &conv, &token, "After=1&Wait=20");
    s.post(
        &format!("/v1/Conversations/{conv}/Messages"),
        &[("Author", "dana"), ("Body", "Hi Carol, this is Dana.")],
    )
    .expect(201);
    let seen = poll.join().unwrap().expect(200).json();
    assert_eq!(seen["messages"][0]["author"], "dana");
    assert_eq!(seen["messages"][0]["body"], "Hi Carol, this is Dana.");
    // The customer answers; it lands in the same conversation (the live task serves it, no new execution).
    chat_send(&s, &conv, &token, "Thanks!").expect(201);
    assert_eq!(
        bodies(&s, &conv),
        [
            "Hello, I need help",
            "Hi Carol, I am the bot. Connecting you to an agent.",
            "Hi Carol, this is Dana.",
            "Thanks!"
        ]
    );
    assert_eq!(executions(&s, &webchat), 1);
    // Eve's token opens nothing of Carol's chat.
    chat_get(&s, &conv, &token_b, "Wait=0").expect_error(403);
}

/// The lost-message case over web chat and Studio: the hand-off task's TTL passes while the agent
/// holds it (task.system-deleted); the janitor parks the conversation; the customer writes again
/// in the same chat, a new execution hands off a new task, and the agent sees the message.
#[test]
fn web_chat_lost_message_after_the_task_ttl_passes() {
    let s = TestServer::start();
    let mut flow = greeting_flow(GREETING);
    // The hand-off task lives a day (Twilio's default TTL).
    flow["states"][2]["properties"]["timeout"] = json!("86400");
    let webchat = flow_named(&s, "Webchat Flow");
    publish(&s, &webchat, &flow);
    let tr = Tr::default(&s);
    tr.worker("dana", json!({}));
    let task_sids = |conv: &str| -> Vec<String> {
        tasks_of(&tr, conv)
            .iter()
            .map(|t| t["sid"].as_str().unwrap().to_string())
            .collect()
    };

    let (conv, token) = start_chat(&s, "Carol", CONTEXT);
    chat_send(&s, &conv, &token, "my order is late").expect(201);
    let first = wait_until(WAIT, || task_sids(&conv).into_iter().next());
    accept(&tr, &first);
    // Nobody ends it; the day passes; the janitor parks the conversation and drops the session.
    s.advance_clock(86_400_000);
    wait_until(WAIT, || {
        (s.get(&tr.path(&format!("/Tasks/{first}"))).status == 404).then_some(())
    });
    wait_until(WAIT, || {
        let sessions = s
            .get(&format!("/v1/ChannelSessions?ConversationSid={conv}"))
            .expect(200)
            .json();
        let gone = sessions["channel_sessions"].as_array().unwrap().is_empty();
        (gone && conversation(&s, &conv)["state"] == "inactive").then_some(())
    });
    // The customer writes again in the same chat: it wakes up and a new task reaches the agent.
    chat_send(&s, &conv, &token, "hello? anyone?").expect(201);
    assert_eq!(conversation(&s, &conv)["state"], "active");
    let second = wait_until(WAIT, || task_sids(&conv).into_iter().find(|t| *t != first));
    accept(&tr, &second);
    let bodies = bodies(&s, &conv);
    assert!(bodies.iter().any(|b| b == "hello? anyone?"), "{bodies:?}");
    assert_eq!(executions(&s, &webchat), 2, "a new execution started");
}

/// The customer's "Start a new chat" after the end.
fn chat_restart(s: &TestServer, conv: &str, token: &str) -> Resp {
    s.request(
        "POST",
        &format!("/webchat/{conv}/restart"),
        &[
            ("Authorization", &format!("Bearer {token}")),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        b"",
    )
}

/// Issue 15: an ending the customer sees. The agent (shown by the display name of the worker's
/// `full_name`, never the login) joins; their wrap-up wakes the customer's parked poll with
/// `ended` and who ended it; a message then is refused (no silent bot restart); "Start a new
/// chat" reopens the same conversation, so the history stays, and the bot greets again.
#[test]
fn the_agents_end_reaches_the_customer_and_a_new_chat_keeps_the_history() {
    let s = TestServer::start();
    let webchat = flow_named(&s, "Webchat Flow");
    publish(&s, &webchat, &greeting_flow(GREETING));
    let tr = Tr::default(&s);
    tr.worker("alice", json!({"full_name": "Alice Smith"}));

    let (conv, token) = start_chat(&s, "Carol", &[("Body", "Hello, I need help")]);
    let first = chat_get(&s, &conv, &token, "Wait=0").expect(200).json();
    assert_eq!(first["ended"], false, "{first}");
    assert_eq!(first["agent"], Value::Null, "{first}");
    let tag = first["status_tag"].as_str().unwrap().to_string();
    let task = wait_until(WAIT, || tasks_of(&tr, &conv).into_iter().next());
    let task_sid = task["sid"].as_str().unwrap().to_string();

    // A poll that has seen the status parks past the bot's greeting only until something new:
    // the agent's joining changes the status.
    let last = wait_until(WAIT, || {
        let m = chat_get(&s, &conv, &token, "Wait=0").expect(200).json();
        (m["messages"].as_array().unwrap().len() == 2).then_some(m)
    });
    let tag = last["status_tag"]
        .as_str()
        .map(str::to_string)
        .unwrap_or(tag);
    let poll = chat_poll(&s, &conv, &token, &format!("After=1&Wait=20&Seen={tag}"));
    accept(&tr, &task_sid);
    let joined = poll.join().unwrap().expect(200).json();
    assert!(
        joined["messages"].as_array().unwrap().is_empty(),
        "{joined}"
    );
    assert_eq!(joined["agent"], "Alice Smith", "{joined}");
    assert_eq!(joined["ended"], false);
    s.post(
        &format!("/v1/Conversations/{conv}/Messages"),
        &[("Author", "alice"), ("Body", "Hi Carol, Alice here.")],
    )
    .expect(201);
    let said = chat_get(&s, &conv, &token, "After=1&Wait=0")
        .expect(200)
        .json();
    assert_eq!(said["messages"][0]["author_name"], "Alice Smith", "{said}");

    // The agent ends the chat (wrap-up): the parked poll answers with the end.
    let tag = said["status_tag"].as_str().unwrap();
    let poll = chat_poll(&s, &conv, &token, &format!("After=2&Wait=20&Seen={tag}"));
    tr.s.post(
        &tr.path(&format!("/Tasks/{task_sid}")),
        &[("AssignmentStatus", "wrapping")],
    )
    .expect(200);
    let ended = poll.join().unwrap().expect(200).json();
    assert_eq!(ended["ended"], true, "{ended}");
    assert_eq!(ended["ended_by"], "Alice Smith", "{ended}");
    tr.s.post(
        &tr.path(&format!("/Tasks/{task_sid}")),
        &[("AssignmentStatus", "completed")],
    )
    .expect(200);
    let still = chat_get(&s, &conv, &token, "Wait=0").expect(200).json();
    assert_eq!(still["ended"], true, "{still}");
    assert_eq!(still["state"], "inactive", "{still}");

    // A message now is refused in words, and nothing restarts.
    let refused = chat_send(&s, &conv, &token, "one more thing").expect_error(409);
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("start a new chat"),
        "{refused}"
    );
    assert_eq!(executions(&s, &webchat), 1);

    // "Start a new chat": the same conversation, its history, and the bot greets again.
    let restarted = chat_restart(&s, &conv, &token).expect(200).json();
    assert_eq!(restarted["ended"], false, "{restarted}");
    chat_send(&s, &conv, &token, "one more thing").expect(201);
    wait_until(WAIT, || (executions(&s, &webchat) == 2).then_some(()));
    let history = wait_until(WAIT, || {
        let b = bodies(&s, &conv);
        (b.len() == 5).then_some(b)
    });
    assert_eq!(
        history,
        [
            "Hello, I need help",
            "Hi Carol, I am the bot. Connecting you to an agent.",
            "Hi Carol, Alice here.",
            "one more thing",
            "Hi Carol, I am the bot. Connecting you to an agent."
        ]
    );
    // A chat that has not ended is left as it is by a second restart.
    chat_restart(&s, &conv, &token).expect(200);
    assert_eq!(executions(&s, &webchat), 2);
    // The new chat's task: the agent's accepting it wakes a parked poll (the participant is
    // already there, so only the task's workspace is named).
    let second = wait_until(WAIT, || {
        tasks_of(&tr, &conv)
            .into_iter()
            .find(|t| t["sid"] != task_sid.as_str())
    });
    let now = chat_get(&s, &conv, &token, "After=4&Wait=0")
        .expect(200)
        .json();
    assert_eq!(now["agent"], Value::Null, "{now}");
    let tag = now["status_tag"].as_str().unwrap();
    let poll = chat_poll(&s, &conv, &token, &format!("After=4&Wait=20&Seen={tag}"));
    accept(&tr, second["sid"].as_str().unwrap());
    let joined = poll.join().unwrap().expect(200).json();
    assert_eq!(joined["agent"], "Alice Smith", "{joined}");
}

/// The serving agent is named to the customer whether or not they are (yet) a participant: the
/// janitor adds them after the acceptance, so their first words can come first. Here the
/// participant is removed again; the accepted reservation still says who serves the chat.
#[test]
fn the_serving_agent_is_named_without_being_a_participant() {
    let s = TestServer::start();
    publish(
        &s,
        &flow_named(&s, "Webchat Flow"),
        &greeting_flow(GREETING),
    );
    let tr = Tr::default(&s);
    tr.worker("alice", json!({"full_name": "Alice Smith"}));
    let (conv, token) = start_chat(&s, "Carol", &[("Body", "Hello, I need help")]);
    let task = wait_until(WAIT, || tasks_of(&tr, &conv).into_iter().next());
    accept(&tr, task["sid"].as_str().unwrap());
    wait_participant(&s, &conv, "alice");
    let parts = s
        .get(&format!("/v1/Conversations/{conv}/Participants"))
        .expect(200)
        .json();
    let alice = parts["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["identity"] == "alice")
        .unwrap()["sid"]
        .as_str()
        .unwrap()
        .to_string();
    s.delete(&format!("/v1/Conversations/{conv}/Participants/{alice}"))
        .expect(204);
    s.post(
        &format!("/v1/Conversations/{conv}/Messages"),
        &[("Author", "alice"), ("Body", "Hi Carol, Alice here.")],
    )
    .expect(201);
    let said = chat_get(&s, &conv, &token, "Wait=0").expect(200).json();
    let mine = said["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["author"] == "alice")
        .cloned()
        .unwrap_or_else(|| panic!("alice's message: {said}"));
    assert_eq!(mine["author_name"], "Alice Smith", "{said}");
    assert_eq!(said["agent"], "Alice Smith", "{said}");
}
