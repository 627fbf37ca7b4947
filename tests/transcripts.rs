//! Issue 17, item 2: conversations and transcripts over the real binary — search by contact,
//! agent, queue, date and text (`/admin/api/conversations`), one conversation's page (messages by
//! who wrote them, the task's events, the flow's steps) and the CSV export a page at a time.

#[path = "common/channels.rs"]
mod channels;
mod common;
#[path = "common/taskrouter.rs"]
mod taskrouter;
use channels::*;
use common::*;
use taskrouter::Tr;

const GREETING: &str = "Hi, I am the bot.";

fn search(s: &TestServer, query: &str) -> Value {
    s.get(&format!("/admin/api/conversations?{query}"))
        .expect(200)
        .json()
}

fn sids(v: &Value) -> Vec<String> {
    v["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["sid"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_conversation_is_found_by_word_contact_agent_queue_and_date_and_read_whole() {
    let s = TestServer::start();
    publish(
        &s,
        &flow_named(&s, "Webchat Flow"),
        &greeting_flow(GREETING),
    );
    let tr = Tr::default(&s);
    let zed = tr.worker("zed", json!({"full_name": "Zed Adams"}));
    let everyone = s
        .get(&tr.path("/TaskQueues?FriendlyName=Everyone"))
        .expect(200)
        .json();
    let everyone = everyone["task_queues"][0]["sid"]
        .as_str()
        .unwrap()
        .to_string();

    // Day 1: a customer's web chat, handed to Zed, who answers.
    let day1 = s.advance_clock(0);
    let (zoe, _) = start_chat(&s, "Zoe Quinn", &[("Body", "My invoice, it is \"wrong\"")]);
    let task = wait_until(WAIT, || tasks_of(&tr, &zoe).into_iter().next());
    let task = task["sid"].as_str().unwrap().to_string();
    accept(&tr, &task);
    s.post(
        &format!("/v1/Conversations/{zoe}/Messages"),
        &[("Author", "zed"), ("Body", "Sorry about that, fixing it")],
    )
    .expect(201);
    s.post(
        &tr.path(&format!("/Tasks/{task}")),
        &[("AssignmentStatus", "wrapping")],
    )
    .expect(200);
    s.post(
        &tr.path(&format!("/Tasks/{task}")),
        &[("AssignmentStatus", "completed")],
    )
    .expect(200);
    // Day 2: a conversation nobody took, with a message a spreadsheet would run.
    let day2 = s.advance_clock(86_400_000);
    let hank = s
        .post("/v1/Conversations", &[("FriendlyName", "Hank Moody")])
        .expect(201)
        .json();
    let hank = hank["sid"].as_str().unwrap().to_string();
    s.post(
        &format!("/v1/Conversations/{hank}/Messages"),
        &[
            ("Author", "+15550100200"),
            ("Body", "=HYPERLINK(\"x\") parcel, lost"),
        ],
    )
    .expect(201);

    // A word, any case; the match is shown.
    let found = search(&s, "Text=INVOICE");
    assert_eq!(sids(&found), vec![zoe.clone()], "{found}");
    assert!(found["conversations"][0]["matched"]
        .as_str()
        .unwrap()
        .contains("invoice"));
    assert_eq!(found["conversations"][0]["customer"], "Zoe Quinn");
    // The contact by part of the name; the agent and queue once the janitor linked the task.
    assert_eq!(sids(&search(&s, "Contact=hank")), vec![hank.clone()]);
    let by_agent = wait_until(WAIT, || {
        let v = search(&s, &format!("Agent={zed}"));
        (sids(&v) == vec![zoe.clone()]).then_some(v)
    });
    assert_eq!(by_agent["conversations"][0]["agents"], json!(["Zed Adams"]));
    assert_eq!(
        sids(&search(&s, &format!("Queue={everyone}"))),
        vec![zoe.clone()]
    );
    // Dates: day 2 alone, day 1 alone, both newest first.
    let iso = switchboard::clock::iso8601;
    let q = |a: i64, b: i64| format!("From={}&To={}", enc(&iso(a)), enc(&iso(b)));
    assert_eq!(sids(&search(&s, &q(day2, day2 + 1000))), vec![hank.clone()]);
    assert_eq!(sids(&search(&s, &q(day1 - 1000, day2))), vec![zoe.clone()]);
    assert_eq!(sids(&search(&s, "")), vec![hank.clone(), zoe.clone()]);
    // A page at a time, by token, nothing twice.
    let first = search(&s, "PageSize=1");
    let token = first["next_page_token"].as_str().unwrap();
    let second = search(&s, &format!("PageSize=1&PageToken={}", enc(token)));
    assert_eq!(sids(&second), vec![zoe.clone()]);
    let t2 = second["next_page_token"].as_str().unwrap();
    assert!(sids(&search(&s, &format!("PageSize=1&PageToken={}", enc(t2)))).is_empty());

    // Bad input says what to do.
    let e = s
        .get(&format!("/admin/api/conversations?{}", q(day2, day1)))
        .expect_error(400);
    assert!(e["message"].as_str().unwrap().contains("reversed"), "{e}");
    s.get("/admin/api/conversations?Agent=bob")
        .expect_error(400);
    s.get("/admin/api/conversations?PageToken=nonsense")
        .expect_error(400);
    s.get("/admin/api/conversations?From=monday")
        .expect_error(400);
    s.get(&format!("/admin/api/conversations/CH{}", "0".repeat(32)))
        .expect_error(404);

    // One conversation, whole: who wrote what, the task's life, the flow's steps.
    let c = s
        .get(&format!("/admin/api/conversations/{zoe}"))
        .expect(200)
        .json();
    let msgs = c["messages"].as_array().unwrap();
    let by = |role: &str| msgs.iter().find(|m| m["role"] == role).cloned();
    assert_eq!(by("customer").unwrap()["who"], "Zoe Quinn", "{c}");
    assert_eq!(by("bot").unwrap()["body"], "Hi, I am the bot.");
    let agent = by("agent").unwrap();
    assert_eq!(
        (&agent["who"], &agent["body"]),
        (&json!("Zed Adams"), &json!("Sorry about that, fixing it"))
    );
    let t = &c["tasks"][0];
    assert_eq!(t["queue"], "Everyone");
    assert_eq!(t["agents"], json!(["Zed Adams"]));
    let events: Vec<&str> = t["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert!(events.starts_with(&["task.created"]), "{events:?}");
    assert!(events.contains(&"reservation.accepted"), "{events:?}");
    let accepted = t["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event_type"] == "reservation.accepted")
        .unwrap();
    assert_eq!(accepted["agent"], "Zed Adams");
    let steps = c["executions"][0]["steps"].as_array().unwrap();
    assert!(!steps.is_empty() && steps[0]["from"] == "Trigger", "{c}");

    // CSV: a header, quoted fields, formulas defused; a page at a time with the next token.
    let r = s.get("/admin/api/conversations.csv").expect(200);
    assert!(r.header("Content-Type").unwrap().starts_with("text/csv"));
    let text = r.text();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(lines[0].starts_with("Started,Customer,Channel"), "{text}");
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[1].contains("\"'=HYPERLINK(\"\"x\"\") parcel, lost\""),
        "{text}"
    );
    assert!(
        lines[2].contains("Zed Adams") && lines[2].contains("Everyone"),
        "{text}"
    );
    let p1 = s.get("/admin/api/conversations.csv?PageSize=1").expect(200);
    let next = p1.header("X-Next-Page-Token").unwrap().to_string();
    assert_eq!(p1.text().split("\r\n").filter(|l| !l.is_empty()).count(), 2);
    let p2 = s
        .get(&format!(
            "/admin/api/conversations.csv?PageSize=1&PageToken={}",
            enc(&next)
        ))
        .expect(200)
        .text();
    let p2: Vec<&str> = p2.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(p2.len(), 1, "no header on a later page: {p2:?}");
    assert!(p2[0].contains("Zoe Quinn"));
}
