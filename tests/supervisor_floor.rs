//! Issue 17, item 1: the supervisor's floor over the real binary —
//! `GET /admin/api/workspaces/{WS}/floor`: agents with activity, time in it, capacity used and
//! open tasks; queues with waiting tasks, longest wait, agents free to take one and today's
//! service level; live tasks whose repair is refused when they changed meanwhile (`If-Match`).

mod common;
#[path = "common/taskrouter.rs"]
mod tr;
use common::*;
use tr::Tr;

fn floor(s: &TestServer, tr: &Tr, since: Option<&str>) -> Value {
    let q = since
        .map(|v| format!("?Since={}", enc(v)))
        .unwrap_or_default();
    s.get(&format!("/admin/api/workspaces/{}/floor{q}", tr.ws))
        .expect(200)
        .json()
}

fn by_name<'v>(list: &'v Value, name: &str) -> &'v Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {list}"))
}

fn accept(tr: &Tr, task: &str) {
    let r = tr.wait_reservation(task);
    tr.update_reservation(
        task,
        r["sid"].as_str().unwrap(),
        &[("ReservationStatus", "accepted")],
    )
    .expect(200);
}

#[test]
fn a_full_agent_is_not_free_while_a_customer_waits() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "floor-full");
    let q = tr.queue("support", "1==1", &[]);
    let wf = tr.simple_workflow(&q);
    let alice = tr.worker("alice", json!({"full_name": "Alice Smith"}));
    let first = tr.task(&wf, json!({"name": "Ada Lovelace"}), &[]);
    let first = first["sid"].as_str().unwrap().to_string();
    accept(&tr, &first);
    let second = tr.task(&wf, json!({"name": "Grace Hopper"}), &[]);
    let second = second["sid"].as_str().unwrap().to_string();
    s.advance_clock(42_000);

    let f = floor(&s, &tr, None);
    let a = by_name(&f["agents"], "Alice Smith");
    assert_eq!(a["activity"], "Available", "{a}");
    assert!(a["in_activity"].as_i64().unwrap() >= 42, "{a}");
    let default = a["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["channel"] == "default")
        .unwrap();
    assert_eq!(
        (default["used"].as_i64(), default["capacity"].as_i64()),
        (Some(1), Some(1))
    );
    let tasks = a["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 1, "{a}");
    assert_eq!(tasks[0]["customer"], "Ada Lovelace");
    assert_eq!(tasks[0]["status"], "assigned");

    let sq = by_name(&f["queues"], "support");
    assert_eq!(sq["waiting"], 1, "{sq}");
    assert!(sq["longest_wait"].as_i64().unwrap() >= 42, "{sq}");
    assert_eq!(sq["eligible_agents"], 1, "{sq}");
    // Twilio's count says one worker is available (her activity); the floor says nobody is free.
    assert_eq!(sq["free_agents"], 0, "{sq}");
    let twilio = s
        .get(&tr.path(&format!("/TaskQueues/{q}/RealTimeStatistics")))
        .expect(200)
        .json();
    assert_eq!(twilio["total_available_workers"], 1);

    let waiting = f["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["sid"] == second.as_str())
        .unwrap();
    assert_eq!(waiting["status"], "pending");
    assert_eq!(waiting["queue"], "support");
    assert!(waiting["worker"].is_null());

    // Her first customer done, she is free again, and the waiting one is offered to her.
    s.post(
        &tr.path(&format!("/Tasks/{first}/Repair")),
        &[("Action", "complete")],
    )
    .expect(200);
    let r = tr.wait_reservation(&second);
    assert_eq!(r["worker_sid"], alice.as_str());
    let f = floor(&s, &tr, None);
    let t = &by_name(&f["agents"], "Alice Smith")["tasks"][0];
    assert_eq!(
        (&t["customer"], &t["status"]),
        (&json!("Grace Hopper"), &json!("reserved"))
    );
    assert_eq!(
        by_name(&f["queues"], "support")["waiting"],
        1,
        "still ringing"
    );
}

#[test]
fn service_level_today_counts_answers_within_the_threshold() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "floor-sl");
    let q = tr.queue("sales", "1==1", &[]);
    let wf = tr.simple_workflow(&q);
    tr.worker("bob", json!({}));
    let start = s.advance_clock(0);
    let since = switchboard::clock::iso8601(start - 1000);
    // Answered after 10 s: within the 60 s threshold.
    let a = tr.task(&wf, json!({"name": "one"}), &[]);
    let a = a["sid"].as_str().unwrap().to_string();
    s.advance_clock(10_000);
    accept(&tr, &a);
    s.post(
        &tr.path(&format!("/Tasks/{a}/Repair")),
        &[("Action", "complete")],
    )
    .expect(200);
    // Answered after 90 s: outside it.
    let b = tr.task(&wf, json!({"name": "two"}), &[]);
    let b = b["sid"].as_str().unwrap().to_string();
    s.advance_clock(90_000);
    accept(&tr, &b);
    // Never answered (canceled): offered, not within.
    let c = tr.task(&wf, json!({"name": "three"}), &[]);
    let c = c["sid"].as_str().unwrap().to_string();
    s.post(
        &tr.path(&format!("/Tasks/{c}/Repair")),
        &[("Action", "cancel")],
    )
    .expect(200);
    s.post(
        &tr.path(&format!("/Tasks/{b}/Repair")),
        &[("Action", "complete")],
    )
    .expect(200);

    let f = floor(&s, &tr, Some(&since));
    let sq = by_name(&f["queues"], "sales");
    assert_eq!(sq["offered_today"], 3, "{sq}");
    assert_eq!(sq["answered_today"], 2, "{sq}");
    assert_eq!(sq["answered_within_sla"], 1, "{sq}");
    assert_eq!(sq["service_level"], 33, "{sq}");
    // From a later start nothing of it counts.
    let later = switchboard::clock::iso8601(s.advance_clock(1000));
    let sq = by_name(&floor(&s, &tr, Some(&later))["queues"], "sales").clone();
    assert_eq!(
        (sq["offered_today"].as_i64(), sq["service_level"].is_null()),
        (Some(0), true)
    );
    // A start in the future or not a date is refused with what to send.
    let future = switchboard::clock::iso8601(start + 86_400_000 * 2);
    let e = s
        .get(&format!(
            "/admin/api/workspaces/{}/floor?Since={}",
            tr.ws,
            enc(&future)
        ))
        .expect_error(400);
    assert!(e["message"].as_str().unwrap().contains("future"), "{e}");
    let e = s
        .get(&format!(
            "/admin/api/workspaces/{}/floor?Since=yesterday",
            tr.ws
        ))
        .expect_error(400);
    assert!(e["message"].as_str().unwrap().contains("ISO 8601"), "{e}");
}

#[test]
fn a_repair_of_a_task_that_changed_meanwhile_is_refused_with_what_changed() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "floor-stale");
    let q = tr.queue("support", "1==1", &[]);
    let wf = tr.simple_workflow(&q);
    let carol = tr.worker("carol", json!({"full_name": "Carol King"}));
    tr.set_activity(&carol, &tr.offline);
    let t = tr.task(&wf, json!({"name": "Ada"}), &[]);
    let t = t["sid"].as_str().unwrap().to_string();
    // The supervisor looks: the task waits, at this version.
    let seen = floor(&s, &tr, None)["tasks"][0]["version"]
        .as_i64()
        .unwrap();
    // Meanwhile Carol comes back and accepts it.
    tr.set_activity(&carol, &tr.available);
    accept(&tr, &t);
    let etag = format!("\"{seen}\"");
    let e = s
        .request(
            "POST",
            &tr.path(&format!("/Tasks/{t}/Repair")),
            &[
                ("Authorization", &s.auth()),
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("If-Match", &etag),
            ],
            b"Action=cancel",
        )
        .expect_error(412);
    let m = e["message"].as_str().unwrap();
    assert!(
        m.contains("assigned") && m.contains("Carol King") && m.contains("support"),
        "{m}"
    );
    assert_eq!(
        tr.fetch_task(&t)["assignment_status"],
        "assigned",
        "nothing was done"
    );
    // With the version as it is now, the repair goes through and answers the new ETag.
    let now = floor(&s, &tr, None)["tasks"][0]["version"]
        .as_i64()
        .unwrap();
    let etag = format!("\"{now}\"");
    let done = s.request(
        "POST",
        &tr.path(&format!("/Tasks/{t}/Repair")),
        &[
            ("Authorization", &s.auth()),
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("If-Match", &etag),
        ],
        b"Action=complete",
    );
    assert!(done.header("ETag").is_some());
    assert_eq!(done.expect(200).json()["assignment_status"], "completed");
}
