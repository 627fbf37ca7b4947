//! Issue 3 (TaskRouter): resources, the seeded workspace, the task and reservation life cycle.

mod common;
#[path = "common/taskrouter.rs"]
mod tr;
use common::*;
use tr::Tr;

#[test]
fn default_workspace_is_seeded_like_flex() {
    let s = TestServer::start();
    let tr = Tr::default(&s);
    let acts = s.get(&tr.path("/Activities")).expect(200).json();
    let names: Vec<&str> = acts["activities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["friendly_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Offline", "Available", "Unavailable", "Break"]);
    let chans = s.get(&tr.path("/TaskChannels")).expect(200).json();
    let names: Vec<&str> = chans["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["unique_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["default", "voice", "chat", "sms", "email"]);
    let qs = s.get(&tr.path("/TaskQueues")).expect(200).json();
    assert_eq!(qs["task_queues"][0]["friendly_name"], "Everyone");
    assert_eq!(qs["task_queues"][0]["target_workers"], "1==1");
    let wfs = s.get(&tr.path("/Workflows")).expect(200).json();
    assert_eq!(wfs["workflows"][0]["friendly_name"], "Assign to Anyone");
    // A restart does not seed twice.
    let mut s = s;
    s.restart();
    let list = s.get("/v1/Workspaces").expect(200).json();
    assert_eq!(list["workspaces"].as_array().unwrap().len(), 1);
}

#[test]
fn task_life_cycle_reserve_accept_wrap_complete() {
    let s = TestServer::start();
    let tr = Tr::default(&s);
    let wf = s.get(&tr.path("/Workflows")).expect(200).json()["workflows"][0]["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let alice = tr.worker("alice", json!({"contact_uri": "client:alice"}));
    let t = tr.task(&wf, json!({"type": "support"}), &[("TaskChannel", "chat")]);
    let task = t["sid"].as_str().unwrap();
    let r = tr.wait_reservation(task);
    assert_eq!(r["worker_sid"], alice.as_str());
    assert_eq!(tr.fetch_task(task)["assignment_status"], "reserved");
    // Completing a reserved task is illegal.
    let e = s
        .post(
            &tr.path(&format!("/Tasks/{task}")),
            &[("AssignmentStatus", "completed")],
        )
        .expect_error(400);
    assert!(e["message"].as_str().unwrap().contains("reserved"), "{e}");
    let r = tr
        .update_reservation(
            task,
            r["sid"].as_str().unwrap(),
            &[("ReservationStatus", "accepted")],
        )
        .expect(200)
        .json();
    assert_eq!(r["reservation_status"], "accepted");
    assert_eq!(tr.fetch_task(task)["assignment_status"], "assigned");
    s.post(
        &tr.path(&format!("/Tasks/{task}")),
        &[("AssignmentStatus", "wrapping")],
    )
    .expect(200);
    let done = s
        .post(
            &tr.path(&format!("/Tasks/{task}")),
            &[("AssignmentStatus", "completed"), ("Reason", "resolved")],
        )
        .expect(200)
        .json();
    assert_eq!(done["assignment_status"], "completed");
    assert_eq!(done["reason"], "resolved");
    let evs = tr.events(Some(task));
    let expected = [
        "task.created",
        "workflow.entered",
        "workflow.target-matched",
        "task-queue.entered",
        "reservation.created",
        "reservation.accepted",
        "reservation.wrapup",
        "task.wrapup",
        "reservation.completed",
        "task.completed",
    ];
    assert_eq!(evs, expected);
}
