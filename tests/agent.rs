//! Issue 6: the agent desktop's API — sign-in with the password the admin set, CSRF on changes,
//! and scope: an agent sees and moves only its own reservations, tasks and chats; another
//! agent's task answers 404 exactly like a missing one.

#[path = "common/agent.rs"]
mod agent;
mod common;
use agent::AgentSession as Agent;
use common::*;

fn form() -> (&'static str, &'static str) {
    ("Content-Type", "application/x-www-form-urlencoded")
}

fn workspace(s: &TestServer) -> (String, String) {
    let ws = s.get("/v1/Workspaces").expect(200).json()["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["friendly_name"] == "Flex Task Assignment")
        .unwrap()["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let wf = s.get(&format!("/v1/Workspaces/{ws}/Workflows")).json()["workflows"][0]["sid"]
        .as_str()
        .unwrap()
        .to_string();
    (ws, wf)
}

fn activity(s: &TestServer, ws: &str, name: &str) -> String {
    s.get(&format!("/v1/Workspaces/{ws}/Activities")).json()["activities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["friendly_name"] == name)
        .unwrap()["sid"]
        .as_str()
        .unwrap()
        .to_string()
}

fn agent(s: &TestServer, ws: &str, name: &str) -> Agent {
    Agent::new_worker(s, ws, name, &json!({}))
}

#[test]
fn agents_sign_in_with_the_admin_set_password_only() {
    let s = TestServer::start();
    let (ws, _) = workspace(&s);
    let a = agent(&s, &ws, "amy");
    a.get(&s, "/agent/api/work").expect(200);
    for (who, pw) in [("amy", "wrong-password"), ("nobody", "amy-secret")] {
        let r = s.request(
            "POST",
            "/agent/api/session",
            &[form()],
            form_encode(&[("Worker", who), ("Password", pw)]).as_bytes(),
        );
        assert!(r.header("Set-Cookie").is_none());
        r.expect_error(401);
    }
    // The admin session is not an agent session, and an agent cookie is not the account.
    s.request("GET", "/agent/api/work", &[], b"")
        .expect_error(401);
    s.request(
        "GET",
        &format!("{}.json", s.account_path()),
        &[("Cookie", &a.cookie.replace("sb_agent", "sb_admin"))],
        b"",
    )
    .expect_error(401);
    // A new password ends the agent's sessions.
    s.post(
        &format!("/admin/api/workers/{}/password", a.sid),
        &[("Password", "another-password")],
    )
    .expect(200);
    a.get(&s, "/agent/api/work").expect_error(401);
}

#[test]
fn an_agent_sees_and_moves_only_its_own_work() {
    let s = TestServer::start();
    let (ws, wf) = workspace(&s);
    let available = activity(&s, &ws, "Available");
    let amy = agent(&s, &ws, "amy");
    let bob = agent(&s, &ws, "bob");
    // CSRF: a change without the token is refused.
    s.request(
        "POST",
        "/agent/api/activity",
        &[form(), ("Cookie", &amy.cookie)],
        format!("ActivitySid={available}").as_bytes(),
    )
    .expect_error(403);
    amy.post(&s, "/agent/api/activity", &[("ActivitySid", &available)])
        .expect(200);
    let task = s
        .post(
            &format!("/v1/Workspaces/{ws}/Tasks"),
            &[("WorkflowSid", &wf), ("Attributes", r#"{"name":"Carol"}"#)],
        )
        .expect(201)
        .json();
    let task_sid = task["sid"].as_str().unwrap().to_string();
    let work = wait_until(std::time::Duration::from_secs(5), || {
        let w = amy.get(&s, "/agent/api/work").json();
        (!w["reservations"].as_array().unwrap().is_empty()).then_some(w)
    });
    let r = &work["reservations"][0];
    assert_eq!(r["status"], "pending");
    assert_eq!(r["task"]["sid"], task_sid.as_str());
    assert_eq!(r["task"]["attributes"]["name"], "Carol");
    assert!(r["timeout_at"].as_str().is_some());
    let rsv = r["sid"].as_str().unwrap().to_string();
    // Bob sees nothing of it and can touch nothing of it: 404, as for a task that does not exist.
    assert!(bob.get(&s, "/agent/api/work").json()["reservations"]
        .as_array()
        .unwrap()
        .is_empty());
    bob.get(&s, &format!("/agent/api/tasks/{task_sid}"))
        .expect_error(404);
    bob.get(&s, &format!("/agent/api/tasks/{task_sid}/messages"))
        .expect_error(404);
    bob.post(
        &s,
        &format!("/agent/api/reservations/{rsv}"),
        &[("ReservationStatus", "accepted")],
    )
    .expect_error(404);
    bob.get(&s, &format!("/agent/api/tasks/WT{}", "0".repeat(32)))
        .expect_error(404);
    // Amy rejects it once: it goes back to the queue and comes to her again when she is free.
    amy.post(
        &s,
        &format!("/agent/api/reservations/{rsv}"),
        &[("ReservationStatus", "rejected")],
    )
    .expect(200);
    let pending = |a: &Agent| {
        a.get(&s, "/agent/api/work").json()["reservations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["status"] == "pending")
            .count()
    };
    assert_eq!(pending(&amy), 0, "a rejected reservation leaves the desk");
    amy.get(&s, &format!("/agent/api/tasks/{task_sid}"))
        .expect_error(404);
    let t = s
        .get(&format!("/v1/Workspaces/{ws}/Tasks/{task_sid}"))
        .json();
    assert_eq!(t["assignment_status"], "pending", "{t}");
    // Bob takes the re-queued task instead.
    bob.post(&s, "/agent/api/activity", &[("ActivitySid", &available)])
        .expect(200);
    let bob_rsv = wait_until(std::time::Duration::from_secs(5), || {
        let w = bob.get(&s, "/agent/api/work").json();
        w["reservations"][0]["sid"].as_str().map(str::to_string)
    });
    let rsv = bob_rsv;
    // Bob accepts, wraps up and completes.
    bob.get(&s, &format!("/agent/api/tasks/{task_sid}"))
        .expect(200);
    for st in ["accepted", "wrapping", "completed"] {
        bob.post(
            &s,
            &format!("/agent/api/reservations/{rsv}"),
            &[("ReservationStatus", st)],
        )
        .expect(200);
    }
    let t = s
        .get(&format!("/v1/Workspaces/{ws}/Tasks/{task_sid}"))
        .json();
    assert_eq!(t["assignment_status"], "completed");
}
