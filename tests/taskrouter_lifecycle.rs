//! Issue 3 (TaskRouter): reservations that time out, are rejected or canceled re-queue the task
//! with their events in order; a task's TTL ends it as task.system-deleted; bad input is a 4xx
//! naming the problem.

mod common;
#[path = "common/taskrouter.rs"]
mod tr;
use common::*;
use std::time::Duration;
use tr::Tr;

fn sid(v: &Value) -> String {
    v["sid"].as_str().unwrap().to_string()
}

/// The events about `task` from `from` on, in order.
fn after<'a>(evs: &'a [String], from: &str) -> Vec<&'a str> {
    let start = evs
        .iter()
        .position(|e| e == from)
        .unwrap_or_else(|| panic!("no {from} in {evs:?}"));
    evs[start..].iter().map(String::as_str).collect()
}

#[test]
fn a_reservation_timeout_moves_the_worker_offline_and_requeues_the_task() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "timeout");
    let q = tr.queue("q", "1==1", &[]);
    let wf = tr.workflow(
        "quick",
        json!({"task_routing": {"default_filter": {"queue": q}}}),
        &[("TaskReservationTimeout", "300")],
    );
    let a = tr.worker("a", json!({}));
    let t = sid(&tr.task(&wf, json!({}), &[]));
    let r1 = tr.wait_reservation(&t);
    assert_eq!(r1["worker_sid"], a.as_str());
    let b = tr.worker("b", json!({}));
    let r1_path = tr.path(&format!(
        "/Tasks/{t}/Reservations/{}",
        r1["sid"].as_str().unwrap()
    ));
    s.advance_clock(299_000);
    assert_eq!(
        s.get(&r1_path).expect(200).json()["reservation_status"],
        "pending"
    );
    // The five minutes pass: the reservation times out and the task goes to the other worker.
    s.advance_clock(1_000);
    let r2 = wait_until(Duration::from_secs(5), || {
        tr.reservations_of_task(&t)
            .into_iter()
            .find(|r| r["reservation_status"] == "pending" && r["worker_sid"] == b.as_str())
    });
    let old = s
        .get(&tr.path(&format!(
            "/Tasks/{t}/Reservations/{}",
            r1["sid"].as_str().unwrap()
        )))
        .expect(200)
        .json();
    assert_eq!(old["reservation_status"], "timeout");
    let worker_a = s.get(&tr.path(&format!("/Workers/{a}"))).expect(200).json();
    assert_eq!(worker_a["activity_name"], "Offline");
    assert_eq!(worker_a["available"], false);
    let evs = tr.events(None);
    assert_eq!(
        after(&evs, "reservation.timeout"),
        [
            "reservation.timeout",
            "worker.activity.update",
            "reservation.created"
        ]
    );
    assert_eq!(tr.fetch_task(&t)["assignment_status"], "reserved");
    let _ = r2;
}

#[test]
fn a_rejected_reservation_goes_to_another_worker_never_back() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "reject");
    let q = tr.queue("q", "1==1", &[]);
    let wf = tr.simple_workflow(&q);
    let a = tr.worker("a", json!({}));
    let t = sid(&tr.task(&wf, json!({}), &[]));
    let r1 = tr.wait_reservation(&t);
    let b = tr.worker("b", json!({}));
    let rej = tr
        .update_reservation(
            &t,
            r1["sid"].as_str().unwrap(),
            &[("ReservationStatus", "rejected")],
        )
        .expect(200)
        .json();
    assert_eq!(rej["reservation_status"], "rejected");
    let r2 = tr.wait_reservation(&t);
    assert_eq!(r2["worker_sid"], b.as_str());
    // b rejects too, moving itself to Break: nobody is left, the task waits; `a` is not asked again.
    let brk = tr.activity("Break");
    tr.update_reservation(
        &t,
        r2["sid"].as_str().unwrap(),
        &[
            ("ReservationStatus", "rejected"),
            ("WorkerActivitySid", &brk),
        ],
    )
    .expect(200);
    assert_eq!(tr.fetch_task(&t)["assignment_status"], "pending");
    assert_eq!(
        s.get(&tr.path(&format!("/Workers/{b}"))).expect(200).json()["activity_name"],
        "Break"
    );
    assert_eq!(tr.reservations_of_worker(&a, "pending").len(), 0);
    let evs = tr.events(Some(&t));
    assert_eq!(
        after(&evs, "reservation.rejected"),
        [
            "reservation.rejected",
            "reservation.created",
            "reservation.rejected"
        ]
    );
    // A third worker takes it.
    let c = tr.worker("c", json!({}));
    assert_eq!(tr.wait_reservation(&t)["worker_sid"], c.as_str());
}

#[test]
fn canceling_a_reserved_task_cancels_its_reservation_and_frees_the_worker() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "cancel");
    let q = tr.queue("q", "1==1", &[]);
    let wf = tr.simple_workflow(&q);
    let a = tr.worker("a", json!({}));
    let t1 = sid(&tr.task(&wf, json!({"n": 1}), &[]));
    let t2 = sid(&tr.task(&wf, json!({"n": 2}), &[]));
    tr.wait_reservation(&t1);
    assert_eq!(tr.fetch_task(&t2)["assignment_status"], "pending");
    let c = s
        .post(
            &tr.path(&format!("/Tasks/{t1}")),
            &[
                ("AssignmentStatus", "canceled"),
                ("Reason", "caller hung up"),
            ],
        )
        .expect(200)
        .json();
    assert_eq!(c["assignment_status"], "canceled");
    assert_eq!(c["reason"], "caller hung up");
    let evs = tr.events(None);
    assert_eq!(
        after(&evs, "reservation.canceled"),
        [
            "reservation.canceled",
            "task.canceled",
            "reservation.created"
        ]
    );
    assert_eq!(tr.wait_reservation(&t2)["worker_sid"], a.as_str());
    // Canceling again is an illegal transition.
    let e = s
        .post(
            &tr.path(&format!("/Tasks/{t1}")),
            &[("AssignmentStatus", "canceled")],
        )
        .expect_error(400);
    assert!(e["message"].as_str().unwrap().contains("canceled"), "{e}");
}

#[test]
fn the_ttl_ends_a_task_as_system_deleted_and_it_leaves_the_statistics() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "ttl");
    let q = tr.queue("q", "1==1", &[]);
    let wf = tr.simple_workflow(&q);
    // A day's TTL, Twilio's default (86,400 s), which only a moved clock lets a test see end.
    let t = sid(&tr.task(&wf, json!({}), &[("Timeout", "86400")]));
    let stats = s
        .get(&tr.path(&format!("/TaskQueues/{q}/Statistics")))
        .expect(200)
        .json();
    assert_eq!(stats["realtime"]["total_tasks"], 1);
    s.advance_clock(86_399_000);
    assert_eq!(tr.fetch_task(&t)["assignment_status"], "pending");
    s.advance_clock(1_000);
    wait_until(Duration::from_secs(5), || {
        (s.get(&tr.path(&format!("/Tasks/{t}"))).status == 404).then_some(())
    });
    let evs = tr.events(Some(&t));
    assert_eq!(
        evs.last().map(String::as_str),
        Some("task.system-deleted"),
        "{evs:?}"
    );
    assert!(evs.contains(&"task.canceled".to_string()));
    let stats = s
        .get(&tr.path(&format!("/TaskQueues/{q}/Statistics")))
        .expect(200)
        .json();
    assert_eq!(stats["realtime"]["total_tasks"], 0);
    assert_eq!(stats["cumulative"]["tasks_deleted"], 1);
    let ws = s.get(&tr.path("/Statistics")).expect(200).json();
    assert_eq!(ws["realtime"]["total_tasks"], 0);
}

#[test]
fn bad_expressions_unknown_sids_and_illegal_transitions_are_4xx_naming_the_problem() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "errors");
    let e = s
        .post(
            &tr.path("/TaskQueues"),
            &[("FriendlyName", "bad"), ("TargetWorkers", "skills HAS")],
        )
        .expect_error(400);
    let m = e["message"].as_str().unwrap();
    assert!(m.contains("TargetWorkers") && m.contains("position"), "{m}");
    let q = tr.queue("q", "1==1", &[]);
    let bad =
        json!({"task_routing": {"filters": [{"expression": "a ==", "targets": [{"queue": q}]}]}});
    let e = s
        .post(
            &tr.path("/Workflows"),
            &[("FriendlyName", "bad"), ("Configuration", &bad.to_string())],
        )
        .expect_error(400);
    let m = e["message"].as_str().unwrap();
    assert!(
        m.contains("Configuration") && m.contains("task_routing.filters[0].expression"),
        "{m}"
    );
    let ghost =
        json!({"task_routing": {"default_filter": {"queue": format!("WQ{}", "0".repeat(32))}}});
    let e = s
        .post(
            &tr.path("/Workflows"),
            &[
                ("FriendlyName", "ghost"),
                ("Configuration", &ghost.to_string()),
            ],
        )
        .expect_error(400);
    assert!(
        e["message"].as_str().unwrap().contains("does not exist"),
        "{e}"
    );
    let zero = "0".repeat(32);
    for path in [
        format!("/v1/Workspaces/WS{zero}"),
        tr.path(&format!("/Workers/WK{zero}")),
        tr.path(&format!("/Tasks/WT{zero}")),
        tr.path(&format!("/TaskQueues/WQ{zero}")),
        tr.path(&format!("/Workflows/WW{zero}")),
        tr.path(&format!("/Activities/WA{zero}")),
        tr.path(&format!("/Tasks/WT{zero}/Reservations/WR{zero}")),
    ] {
        let e = s.get(&path).expect_error(404);
        assert_eq!(e["code"], 20404, "{path}");
    }
    let wf = tr.simple_workflow(&q);
    let t = sid(&tr.task(&wf, json!({}), &[]));
    let e = s
        .post(
            &tr.path(&format!("/Tasks/{t}")),
            &[("AssignmentStatus", "completed")],
        )
        .expect_error(400);
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("pending to completed"),
        "{e}"
    );
    let e = s
        .post(&tr.path("/Tasks"), &[("WorkflowSid", &format!("WW{zero}"))])
        .expect_error(400);
    assert!(
        e["message"].as_str().unwrap().contains("WorkflowSid"),
        "{e}"
    );
    let e = s
        .post(
            &tr.path("/Tasks"),
            &[("WorkflowSid", &wf), ("Attributes", "[1]")],
        )
        .expect_error(400);
    assert!(e["message"].as_str().unwrap().contains("Attributes"), "{e}");
    let e = s
        .post(
            &tr.path("/Tasks"),
            &[("WorkflowSid", &wf), ("TaskChannel", "fax")],
        )
        .expect_error(400);
    assert!(
        e["message"].as_str().unwrap().contains("TaskChannel"),
        "{e}"
    );
    let w = tr.worker("w", json!({}));
    let r = tr.wait_reservation(&t);
    let rs = r["sid"].as_str().unwrap();
    let e = tr
        .update_reservation(&t, rs, &[("ReservationStatus", "bogus")])
        .expect_error(400);
    assert!(
        e["message"].as_str().unwrap().contains("ReservationStatus"),
        "{e}"
    );
    // Going offline with a pending reservation needs RejectPendingReservations.
    let e = s
        .post(
            &tr.path(&format!("/Workers/{w}")),
            &[("ActivitySid", &tr.offline)],
        )
        .expect_error(400);
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("RejectPendingReservations"),
        "{e}"
    );
    tr.update_reservation(&t, rs, &[("ReservationStatus", "accepted")])
        .expect(200);
    // A second accept is idempotent (issue 22); rejecting an accepted one is illegal.
    tr.update_reservation(&t, rs, &[("ReservationStatus", "accepted")])
        .expect(200);
    let e = tr
        .update_reservation(&t, rs, &[("ReservationStatus", "rejected")])
        .expect_error(400);
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("accepted to rejected"),
        "{e}"
    );
    let e = s
        .post(&tr.path("/Workers"), &[("FriendlyName", "w")])
        .expect_error(409);
    assert!(e["message"].as_str().unwrap().contains("\"w\""), "{e}");
}

#[test]
fn reservation_timeouts_and_ttls_survive_a_restart() {
    let mut s = TestServer::start();
    let (ws, t, t_ttl, r) = {
        let tr = Tr::new(&s, "restart");
        let q = tr.queue("q", "1==1", &[]);
        let wf = tr.workflow(
            "slow",
            json!({"task_routing": {"default_filter": {"queue": q}}}),
            &[("TaskReservationTimeout", "600")],
        );
        tr.worker("a", json!({}));
        let t = sid(&tr.task(&wf, json!({}), &[]));
        let r = sid(&tr.wait_reservation(&t));
        let t_ttl = sid(&tr.task(&wf, json!({}), &[("Timeout", "3600")]));
        (tr.ws.clone(), t, t_ttl, r)
    };
    s.restart();
    let tr = Tr::existing(&s, &ws);
    // The restarted process's clock starts from the system time again; its timers are the
    // stored ones, due in ten minutes and an hour.
    s.advance_clock(600_000);
    wait_until(Duration::from_secs(10), || {
        let v = s
            .get(&tr.path(&format!("/Tasks/{t}/Reservations/{r}")))
            .expect(200)
            .json();
        (v["reservation_status"] == "timeout").then_some(())
    });
    assert_eq!(tr.fetch_task(&t)["assignment_status"], "pending");
    assert_eq!(tr.fetch_task(&t_ttl)["assignment_status"], "pending");
    s.advance_clock(3_000_000);
    wait_until(Duration::from_secs(10), || {
        (s.get(&tr.path(&format!("/Tasks/{t_ttl}"))).status == 404).then_some(())
    });
}

#[test]
fn going_offline_with_reject_pending_reservations_hands_the_tasks_on() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "offline");
    let q = tr.queue("q", "1==1", &[]);
    let wf = tr.simple_workflow(&q);
    let a = tr.worker("a", json!({}));
    s.post(
        &tr.path(&format!("/Workers/{a}/Channels/chat")),
        &[("Capacity", "2")],
    )
    .expect(200);
    let t1 = sid(&tr.task(&wf, json!({}), &[("TaskChannel", "chat")]));
    let t2 = sid(&tr.task(&wf, json!({}), &[("TaskChannel", "chat")]));
    assert_eq!(tr.reservations_of_worker(&a, "pending").len(), 2);
    let w = s
        .post(
            &tr.path(&format!("/Workers/{a}")),
            &[
                ("ActivitySid", &tr.offline),
                ("RejectPendingReservations", "true"),
            ],
        )
        .expect(200)
        .json();
    assert_eq!(w["available"], false);
    assert_eq!(tr.reservations_of_worker(&a, "pending").len(), 0);
    assert_eq!(tr.reservations_of_worker(&a, "rejected").len(), 2);
    for t in [&t1, &t2] {
        assert_eq!(tr.fetch_task(t)["assignment_status"], "pending");
    }
    let b = tr.worker("b", json!({}));
    assert_eq!(tr.wait_reservation(&t1)["worker_sid"], b.as_str());
}
