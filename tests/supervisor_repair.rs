//! Issue 22, item 7: supervisor repair over the real binary's API —
//! `POST /v1/Workspaces/{WS}/Tasks/{WT}/Repair` with `Action` = complete | cancel | requeue |
//! reassign. Each moves a task Twilio's own life cycle would leave stuck, frees the workers it
//! held, records the reason, and refuses what it cannot do before changing anything.

mod common;
#[path = "common/taskrouter.rs"]
mod tr;
use common::*;
use tr::Tr;

fn repair(s: &TestServer, tr: &Tr, task: &str, params: &[(&str, &str)]) -> Resp {
    s.post(&tr.path(&format!("/Tasks/{task}/Repair")), params)
}

/// Creates a task and lets its worker accept it; answers (task, reservation) SIDs.
fn accepted(tr: &Tr, wf: &str) -> (String, String) {
    let t = tr.task(wf, json!({"customer": "Ada"}), &[]);
    let t = t["sid"].as_str().unwrap().to_string();
    let r = tr.wait_reservation(&t);
    let r = r["sid"].as_str().unwrap().to_string();
    tr.update_reservation(&t, &r, &[("ReservationStatus", "accepted")])
        .expect(200);
    (t, r)
}

fn reservation_status(tr: &Tr, task: &str, res: &str) -> String {
    tr.reservations_of_task(task)
        .into_iter()
        .find(|r| r["sid"] == res)
        .map(|r| r["reservation_status"].as_str().unwrap().to_string())
        .unwrap()
}

#[test]
fn a_task_stuck_in_wrapping_is_force_completed_and_its_worker_freed() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "repair-wrap");
    let q = tr.queue("support", "1==1", &[]);
    // Wrap-up codes required: the agent who closed the tab never chose one.
    s.post(
        &tr.path(&format!("/TaskQueues/{q}/Dispositions")),
        &[("Codes", r#"["solved","callback"]"#), ("Required", "true")],
    )
    .expect(200);
    let wf = tr.simple_workflow(&q);
    let alice = tr.worker("alice", json!({}));
    let (t, r) = accepted(&tr, &wf);
    s.post(
        &tr.path(&format!("/Tasks/{t}")),
        &[("AssignmentStatus", "wrapping")],
    )
    .expect(200);
    // Twilio's own way is refused without a code; the next customer waits behind it.
    s.post(
        &tr.path(&format!("/Tasks/{t}")),
        &[("AssignmentStatus", "completed")],
    )
    .expect_error(400);
    let next = tr.task(&wf, json!({"customer": "Grace"}), &[]);
    let next = next["sid"].as_str().unwrap().to_string();
    assert!(tr.reservations_of_task(&next).is_empty());

    let done = repair(
        &s,
        &tr,
        &t,
        &[("Action", "complete"), ("Reason", "agent left")],
    )
    .expect(200)
    .json();
    assert_eq!(done["assignment_status"], "completed", "{done}");
    assert_eq!(
        done["reason"], "force-completed by a supervisor: agent left",
        "{done}"
    );
    assert_eq!(reservation_status(&tr, &t, &r), "completed");
    // Alice's capacity came back: the waiting customer is offered to her at once.
    let offered = tr.wait_reservation(&next);
    assert_eq!(offered["worker_sid"], alice.as_str());
    let events = tr.events(Some(&t));
    assert!(events.iter().any(|e| e == "task.completed"), "{events:?}");
    assert!(
        events.iter().any(|e| e == "reservation.completed"),
        "{events:?}"
    );
    // A finished task has nothing to repair.
    let e = repair(&s, &tr, &t, &[("Action", "cancel")]).expect_error(400);
    assert!(
        e["message"].as_str().unwrap().contains("already completed"),
        "{e}"
    );
}

#[test]
fn an_assigned_task_is_canceled_or_requeued_to_another_queue() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "repair-requeue");
    let sales = tr.queue("sales", "team == 'sales'", &[]);
    let support = tr.queue("support", "team == 'support'", &[]);
    let wf = tr.simple_workflow(&sales);
    let alice = tr.worker("alice", json!({"team": "sales"}));
    let bob = tr.worker("bob", json!({"team": "support"}));

    // Requeue: the task goes to support, keeps its age, and Bob is offered it.
    let (t, r) = accepted(&tr, &wf);
    let before = tr.fetch_task(&t);
    let moved = repair(
        &s,
        &tr,
        &t,
        &[
            ("Action", "requeue"),
            ("TaskQueueSid", &support),
            ("Reason", "wrong queue"),
        ],
    )
    .expect(200)
    .json();
    assert_eq!(moved["task_queue_sid"], support.as_str(), "{moved}");
    assert_eq!(moved["date_created"], before["date_created"]);
    assert_eq!(reservation_status(&tr, &t, &r), "canceled");
    let offered = tr.wait_reservation(&t);
    assert_eq!(offered["worker_sid"], bob.as_str(), "{offered}");
    let events = tr.events(Some(&t));
    assert!(events.iter().any(|e| e == "task-queue.moved"), "{events:?}");
    // Alice is free again for sales work.
    let (t2, _) = accepted(&tr, &wf);
    assert_eq!(
        tr.reservations_of_task(&t2)[0]["worker_sid"],
        alice.as_str()
    );

    // Cancel an assigned task (Twilio allows cancel only before assignment).
    let gone = repair(&s, &tr, &t2, &[("Action", "cancel")])
        .expect(200)
        .json();
    assert_eq!(gone["assignment_status"], "canceled");
    assert_eq!(gone["reason"], "canceled by a supervisor");
    assert_eq!(
        tr.reservations_of_task(&t2)[0]["reservation_status"],
        "canceled"
    );
}

#[test]
fn a_task_is_reassigned_to_a_named_agent_only_when_they_can_take_it() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "repair-reassign");
    let q = tr.queue("support", "1==1", &[]);
    let wf = tr.simple_workflow(&q);
    let alice = tr.worker("alice", json!({}));
    let (t, r) = accepted(&tr, &wf);
    let bob = tr.worker("bob", json!({}));
    tr.set_activity(&bob, &tr.offline);

    // Bob is offline: refused with what to do, and nothing changed.
    let e = repair(&s, &tr, &t, &[("Action", "reassign"), ("WorkerSid", &bob)]).expect_error(409);
    assert!(
        e["message"].as_str().unwrap().contains("bob is Offline"),
        "{e}"
    );
    assert_eq!(tr.fetch_task(&t)["assignment_status"], "assigned");
    assert_eq!(reservation_status(&tr, &t, &r), "accepted");

    tr.set_activity(&bob, &tr.available);
    let moved = repair(&s, &tr, &t, &[("Action", "reassign"), ("WorkerSid", &bob)])
        .expect(200)
        .json();
    assert_eq!(moved["assignment_status"], "reserved", "{moved}");
    let rs = tr.reservations_of_task(&t);
    let pending: Vec<&Value> = rs
        .iter()
        .filter(|r| r["reservation_status"] == "pending")
        .collect();
    assert_eq!(pending.len(), 1, "{rs:?}");
    assert_eq!(pending[0]["worker_sid"], bob.as_str());
    assert_eq!(reservation_status(&tr, &t, &r), "canceled");
    let _ = alice;

    // Bad input: a clear 4xx each time.
    let e = repair(&s, &tr, &t, &[("Action", "explode")]).expect_error(400);
    assert!(e["message"].as_str().unwrap().contains("requeue"), "{e}");
    repair(&s, &tr, &t, &[("Action", "reassign")]).expect_error(400);
    repair(&s, &tr, &t, &[]).expect_error(400);
    repair(
        &s,
        &tr,
        &t,
        &[
            ("Action", "requeue"),
            ("TaskQueueSid", "WQ00000000000000000000000000000000"),
        ],
    )
    .expect_error(400);
    repair(
        &s,
        &tr,
        "WT00000000000000000000000000000000",
        &[("Action", "complete")],
    )
    .expect_error(404);
}
