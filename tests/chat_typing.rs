//! Issue 15, the typing indicator both ways over the real binary: the customer's "typing" reaches
//! the agent's parked updates poll and the agent's reaches the customer's parked read, each at
//! once (woken, not found by a later poll); nobody sees their own; a message ends it, and it runs
//! out 5 s after the last report by the appliance's clock. Typing is ephemeral: it appends no
//! event (nothing reaches the single writer). An ended chat, another agent and a wrong token are
//! refused.

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
use std::time::{Duration, Instant};
use taskrouter::Tr;

/// How soon a woken poll must answer (a poll found by its 20 s deadline would fail it).
const PROMPT: Duration = Duration::from_secs(5);

fn customer_typing(s: &TestServer, conv: &str, token: &str) -> Resp {
    public_post(s, &format!("/webchat/{conv}/typing"), &[("Token", token)])
}

/// The agent's updates poll on its own thread.
fn updates_poll(s: &TestServer, a: &Agent, query: &str) -> std::thread::JoinHandle<Resp> {
    let addr = s.addr.clone();
    let path = format!("/agent/api/updates?{query}");
    let cookie = a.cookie.clone();
    std::thread::spawn(move || http(&addr, "GET", &path, &[("Cookie", &cookie)], b"").unwrap())
}

fn last_event(s: &TestServer) -> i64 {
    s.get("/admin/api/events").expect(200).json()["last_seq"]
        .as_i64()
        .unwrap()
}

#[test]
fn typing_reaches_the_other_side_at_once_and_ends_with_the_message_or_after_five_seconds() {
    let s = TestServer::start();
    let tr = Tr::default(&s);
    let lea = tr.worker("lea", json!({"full_name": "Lea Brandt"}));
    let a = Agent::sign_in(&s, &lea, "lea");
    a.post(&s, "/agent/api/activity", &[("ActivitySid", &tr.available)])
        .expect(200);
    let (conv, token) = start_chat(&s, "Nora", &[("Body", "is the rye nut free?")]);
    let task = wait_until(WAIT, || {
        tasks_of(&tr, &conv)
            .first()
            .and_then(|t| t["sid"].as_str().map(str::to_string))
    });
    let rsv = wait_until(WAIT, || {
        let w = a.get(&s, "/agent/api/work").expect(200).json();
        w["reservations"][0]["sid"].as_str().map(str::to_string)
    });
    a.post(
        &s,
        &format!("/agent/api/reservations/{rsv}"),
        &[("ReservationStatus", "accepted")],
    )
    .expect(200);
    let customer = chat_get(&s, &conv, &token, "Wait=0").expect(200).json();
    let identity = customer["messages"][0]["author"]
        .as_str()
        .unwrap()
        .to_string();
    wait_until(WAIT, || {
        let v = chat_get(&s, &conv, &token, "Wait=0").expect(200).json();
        (v["agent"] == "Lea Brandt").then_some(())
    });

    // The customer types: the agent's parked poll answers at once, naming the customer.
    let first = a.get(&s, "/agent/api/updates").expect(200).json();
    assert_eq!(first["typing"], json!([]), "{first}");
    let seq = first["last_seq"].as_i64().unwrap();
    let tag = first["tag"].as_str().unwrap().to_string();
    let parked = updates_poll(&s, &a, &format!("After={seq}&Seen={tag}&Wait=20"));
    std::thread::sleep(Duration::from_millis(300));
    let before = last_event(&s);
    let asked = Instant::now();
    customer_typing(&s, &conv, &token).expect(204);
    let woke = parked.join().unwrap().expect(200).json();
    assert!(asked.elapsed() < PROMPT, "woken, not timed out");
    assert_eq!(
        woke["typing"],
        json!([{"conversation_sid": conv, "identity": identity}]),
        "{woke}"
    );
    // A second report within the throttle changes nothing; nothing was stored either way.
    customer_typing(&s, &conv, &token).expect(204);
    assert_eq!(last_event(&s), before, "typing appends no event");
    let own = chat_get(&s, &conv, &token, "Wait=0").expect(200).json();
    assert_eq!(
        own["typing"],
        json!([]),
        "the customer never sees their own"
    );

    // The agent types: the customer's parked read answers at once with her display name.
    let last = own["messages"].as_array().unwrap().last().unwrap()["index"]
        .as_i64()
        .unwrap();
    let seen = own["status_tag"].as_str().unwrap().to_string();
    let read = chat_poll(
        &s,
        &conv,
        &token,
        &format!("After={last}&Seen={seen}&Wait=20"),
    );
    std::thread::sleep(Duration::from_millis(300));
    let asked = Instant::now();
    a.post(&s, &format!("/agent/api/tasks/{task}/typing"), &[])
        .expect(204);
    let woke = read.join().unwrap().expect(200).json();
    assert!(asked.elapsed() < PROMPT, "woken, not timed out");
    assert_eq!(woke["typing"], json!(["Lea Brandt"]), "{woke}");
    assert_eq!(woke["messages"], json!([]));
    let mine = a
        .get(&s, &format!("/agent/api/updates?After={seq}&Wait=0"))
        .expect(200)
        .json();
    assert!(
        !mine["typing"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["identity"] == "lea"),
        "the agent never sees her own: {mine}"
    );

    // Her message ends her typing.
    a.post(
        &s,
        &format!("/agent/api/tasks/{task}/messages"),
        &[("Body", "Yes, it is.")],
    )
    .expect(201);
    let after = chat_get(&s, &conv, &token, &format!("After={last}&Wait=0"))
        .expect(200)
        .json();
    assert_eq!(after["typing"], json!([]), "{after}");
    assert_eq!(after["messages"][0]["body"], "Yes, it is.");

    // And the customer's runs out 5 s after the last report, by the appliance's clock.
    let now = a
        .get(&s, &format!("/agent/api/updates?After={seq}&Wait=0"))
        .expect(200)
        .json();
    assert_eq!(now["typing"].as_array().unwrap().len(), 1, "{now}");
    s.advance_clock(5_001);
    let gone = a
        .get(&s, &format!("/agent/api/updates?After={seq}&Wait=0"))
        .expect(200)
        .json();
    assert_eq!(gone["typing"], json!([]), "{gone}");
    // The customer's message ends theirs at once.
    customer_typing(&s, &conv, &token).expect(204);
    chat_send(&s, &conv, &token, "thanks").expect(201);
    let done = a
        .get(&s, &format!("/agent/api/updates?After={seq}&Wait=0"))
        .expect(200)
        .json();
    assert_eq!(done["typing"], json!([]), "{done}");

    // Refusals: a wrong token, another agent's task, an ended chat.
    let other = start_chat(&s, "Otto", &[]).1;
    customer_typing(&s, &conv, &other).expect_error(403);
    let max = tr.worker("max", json!({}));
    let m = Agent::sign_in(&s, &max, "max");
    m.post(&s, &format!("/agent/api/tasks/{task}/typing"), &[])
        .expect_error(404);
    a.post(
        &s,
        &format!("/agent/api/reservations/{rsv}"),
        &[("ReservationStatus", "wrapping")],
    )
    .expect(200);
    a.post(&s, &format!("/agent/api/tasks/{task}/typing"), &[])
        .expect_error(409);
    wait_until(WAIT, || {
        let v = chat_get(&s, &conv, &token, "Wait=0").expect(200).json();
        (v["ended"] == true).then_some(())
    });
    customer_typing(&s, &conv, &token).expect_error(409);
}
