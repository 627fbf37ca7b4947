//! Issue 5: web chat over HTTP — start, send, long-poll receive (parked, answered by the next
//! message), and per-chat tokens: a customer can never read or write another's chat.

mod carrier;
mod common;
use carrier::Carrier;
use common::*;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

fn start_chat(s: &TestServer, name: &str) -> (String, String) {
    let r = s
        .request(
            "POST",
            "/webchat/start",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            form_encode(&[("FriendlyName", name), ("Context", "{\"email\":\"a@b.c\"}")]).as_bytes(),
        )
        .expect(201)
        .json();
    (
        r["conversation_sid"].as_str().unwrap().to_string(),
        r["token"].as_str().unwrap().to_string(),
    )
}

fn chat_get(s: &TestServer, conv: &str, token: &str, query: &str) -> Resp {
    s.request(
        "GET",
        &format!("/webchat/{conv}/messages?{query}"),
        &[("Authorization", &format!("Bearer {token}"))],
        b"",
    )
}

fn chat_send(s: &TestServer, conv: &str, token: &str, body: &str) -> Resp {
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

    let (conv_a, token_a) = start_chat(&s, "Ada");
    let (conv_b, token_b) = start_chat(&s, "Bob");
    assert_ne!(conv_a, conv_b);
    let conv = s
        .get(&format!("/v1/Conversations/{conv_a}"))
        .expect(200)
        .json();
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
    let addr = s.addr.clone();
    let (c, t) = (conv_a.clone(), token_a.clone());
    let poll = std::thread::spawn(move || {
        http(
            &addr,
            "GET",
            &format!("/webchat/{c}/messages?After=0&Wait=20"),
            &[("Authorization", &format!("Bearer {t}"))],
            b"",
        )
        .unwrap()
    });
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
