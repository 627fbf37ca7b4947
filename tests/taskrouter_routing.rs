//! Issue 3 (TaskRouter): routing decisions — skills through a workflow filter, priority before
//! age, FIFO and LIFO, escalation after a target timeout, order_by, skip_if, known_worker_sid and
//! per-channel capacity.

mod common;
#[path = "common/taskrouter.rs"]
mod tr;
use common::*;
use std::time::Duration;
use tr::Tr;

fn sid(v: &Value) -> String {
    v["sid"].as_str().unwrap().to_string()
}

#[test]
fn a_spanish_task_reaches_only_a_spanish_speaker_through_a_filter() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "skills");
    // The English speaker is created first, so it has been idle longest.
    let en = tr.worker("en", json!({"languages": ["en"]}));
    let es = tr.worker("es", json!({"languages": ["es", "en"]}));
    let spanish = tr.queue("Spanish", "languages HAS \"es\"", &[]);
    let everyone = tr.queue("Everyone", "1==1", &[]);
    let wf = tr.workflow(
        "skills",
        json!({"task_routing": {
        "filters": [{"filter_friendly_name": "Spanish", "expression": "language == 'es'",
                     "targets": [{"queue": spanish}]}],
        "default_filter": {"queue": everyone}}}),
        &[],
    );
    let t = tr.task(&wf, json!({"language": "es"}), &[]);
    let r = tr.wait_reservation(t["sid"].as_str().unwrap());
    assert_eq!(r["worker_sid"], es.as_str());
    assert_eq!(
        tr.fetch_task(t["sid"].as_str().unwrap())["task_queue_sid"],
        spanish.as_str()
    );
    // An English task goes through the default filter to the other (idle) worker.
    let t2 = tr.task(&wf, json!({"language": "en"}), &[]);
    let r2 = tr.wait_reservation(t2["sid"].as_str().unwrap());
    assert_eq!(r2["worker_sid"], en.as_str());
    assert_eq!(
        tr.fetch_task(t2["sid"].as_str().unwrap())["task_queue_sid"],
        everyone.as_str()
    );
}

#[test]
fn priority_beats_age_and_fifo_lifo_order_the_rest() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "order");
    let fifo = tr.queue("fifo", "queue == 'fifo'", &[("TaskOrder", "FIFO")]);
    let lifo = tr.queue("lifo", "queue == 'lifo'", &[("TaskOrder", "LIFO")]);
    let wf = tr.workflow(
        "by-attr",
        json!({"task_routing": {"filters": [
        {"expression": "q == 'lifo'", "targets": [{"queue": lifo}]}],
        "default_filter": {"queue": fifo}}}),
        &[],
    );
    for (name, q) in [("wf", "fifo"), ("wl", "lifo")] {
        let w = tr.worker(name, json!({"queue": q}));
        tr.set_activity(&w, &tr.offline);
    }
    let f: Vec<String> = (0..3)
        .map(|i| sid(&tr.task(&wf, json!({"q": "fifo", "n": i}), &[])))
        .collect();
    let urgent = sid(&tr.task(&wf, json!({"q": "fifo", "n": 9}), &[("Priority", "10")]));
    let l: Vec<String> = (0..3)
        .map(|i| sid(&tr.task(&wf, json!({"q": "lifo", "n": i}), &[])))
        .collect();
    let workers = s.get(&tr.path("/Workers")).expect(200).json();
    let ws: Vec<String> = workers["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(sid)
        .collect();
    // The FIFO worker comes back: the urgent (newest) task first, then the oldest.
    tr.set_activity(&ws[0], &tr.available);
    let first = tr.wait_reservation(&urgent);
    assert_eq!(first["worker_sid"], ws[0].as_str());
    for t in &f {
        assert_eq!(tr.fetch_task(t)["assignment_status"], "pending");
    }
    tr.update_reservation(
        &urgent,
        first["sid"].as_str().unwrap(),
        &[("ReservationStatus", "accepted")],
    )
    .expect(200);
    s.post(
        &tr.path(&format!("/Tasks/{urgent}")),
        &[("AssignmentStatus", "completed")],
    )
    .expect(200);
    tr.wait_reservation(&f[0]);
    assert_eq!(tr.fetch_task(&f[1])["assignment_status"], "pending");
    // The LIFO worker gets the newest LIFO task.
    tr.set_activity(&ws[1], &tr.available);
    tr.wait_reservation(&l[2]);
    assert_eq!(tr.fetch_task(&l[0])["assignment_status"], "pending");
    assert_eq!(tr.fetch_task(&l[1])["assignment_status"], "pending");
}

#[test]
fn a_target_timeout_escalates_to_the_next_target() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "escalate");
    let seniors = tr.queue("seniors", "level >= 3", &[]);
    let juniors = tr.queue("juniors", "level < 3", &[]);
    let wf = tr.workflow("escalate", json!({"task_routing": {"filters": [
        {"expression": "1==1", "targets": [{"queue": seniors, "timeout": 300}, {"queue": juniors}]}]}}), &[]);
    let junior = tr.worker("junior", json!({"level": 1}));
    let t = sid(&tr.task(&wf, json!({}), &[]));
    assert_eq!(tr.fetch_task(&t)["task_queue_sid"], seniors.as_str());
    assert_eq!(tr.fetch_task(&t)["assignment_status"], "pending");
    s.advance_clock(299_000);
    assert_eq!(tr.fetch_task(&t)["task_queue_sid"], seniors.as_str());
    // Five minutes with no senior free: the task moves on to the juniors.
    s.advance_clock(1_000);
    let r = wait_until(Duration::from_secs(5), || {
        tr.reservations_of_task(&t)
            .into_iter()
            .find(|r| r["reservation_status"] == "pending")
    });
    assert_eq!(r["worker_sid"], junior.as_str());
    assert_eq!(tr.fetch_task(&t)["task_queue_sid"], juniors.as_str());
    let evs = tr.events(Some(&t));
    let pos = |name: &str| {
        evs.iter()
            .position(|e| e == name)
            .unwrap_or_else(|| panic!("no {name} in {evs:?}"))
    };
    assert!(pos("workflow.timeout") < pos("task-queue.moved"), "{evs:?}");
    assert!(
        pos("task-queue.moved") < pos("reservation.created"),
        "{evs:?}"
    );
}

#[test]
fn order_by_skip_if_and_known_worker_choose_the_worker() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "choose");
    let all = tr.queue("all", "1==1", &[]);
    let empty = tr.queue("nobody", "team == 'none'", &[]);
    let l1 = tr.worker("l1", json!({"level": 1}));
    let l3 = tr.worker("l3", json!({"level": 3}));
    let l2 = tr.worker("l2", json!({"level": 2}));
    let wf = tr.workflow("choose", json!({"task_routing": {"filters": [
        {"expression": "kind == 'known'", "targets": [{"queue": all, "known_worker_sid": "task.agent"}]},
        {"expression": "1==1", "targets": [
            {"queue": empty, "skip_if": "workers.available == 0", "timeout": 600},
            {"queue": all, "order_by": "worker.level DESC"}]}]}}), &[]);
    // skip_if passes the empty queue at once (no timeout wait); order_by picks level 3, then 2.
    let a = sid(&tr.task(&wf, json!({}), &[]));
    assert_eq!(tr.wait_reservation(&a)["worker_sid"], l3.as_str());
    assert!(tr
        .events(Some(&a))
        .contains(&"workflow.skipped".to_string()));
    let b = sid(&tr.task(&wf, json!({}), &[]));
    assert_eq!(tr.wait_reservation(&b)["worker_sid"], l2.as_str());
    // known_worker_sid: only the named worker, even though another is free and idle longer.
    tr.set_activity(&l1, &tr.offline);
    let l4 = tr.worker("l4", json!({"level": 4}));
    tr.set_activity(&l1, &tr.available);
    let c = sid(&tr.task(&wf, json!({"kind": "known", "agent": l1}), &[]));
    assert_eq!(tr.wait_reservation(&c)["worker_sid"], l1.as_str());
    let _ = l4;
}

#[test]
fn capacity_three_on_chat_gives_three_concurrent_reservations_not_four() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "capacity");
    let q = tr.queue("chat", "1==1", &[]);
    let wf = tr.simple_workflow(&q);
    let w = tr.worker("multi", json!({}));
    let ch = s
        .post(
            &tr.path(&format!("/Workers/{w}/Channels/chat")),
            &[("Capacity", "3")],
        )
        .expect(200)
        .json();
    assert_eq!(ch["configured_capacity"], 3);
    let tasks: Vec<String> = (0..4)
        .map(|i| sid(&tr.task(&wf, json!({"n": i}), &[("TaskChannel", "chat")])))
        .collect();
    let pending = tr.reservations_of_worker(&w, "pending");
    assert_eq!(pending.len(), 3, "{pending:?}");
    assert_eq!(tr.fetch_task(&tasks[3])["assignment_status"], "pending");
    let ch = s
        .get(&tr.path(&format!("/Workers/{w}/Channels/chat")))
        .expect(200)
        .json();
    assert_eq!(ch["assigned_tasks"], 3);
    assert_eq!(ch["available_capacity_percentage"], 0);
    // A voice task still reaches the worker: capacity is per channel.
    let v = sid(&tr.task(&wf, json!({}), &[("TaskChannel", "voice")]));
    tr.wait_reservation(&v);
    // Finishing one chat frees one slot, which the fourth task takes.
    let r0 = tr.wait_reservation(&tasks[0]);
    tr.update_reservation(
        &tasks[0],
        r0["sid"].as_str().unwrap(),
        &[("ReservationStatus", "accepted")],
    )
    .expect(200);
    s.post(
        &tr.path(&format!("/Tasks/{}", tasks[0])),
        &[("AssignmentStatus", "completed")],
    )
    .expect(200);
    tr.wait_reservation(&tasks[3]);
    assert_eq!(tr.reservations_of_worker(&w, "pending").len(), 4);
}

#[test]
fn without_multitasking_a_worker_holds_one_task_across_channels() {
    let s = TestServer::start();
    let ws = s
        .post(
            "/v1/Workspaces",
            &[("FriendlyName", "single"), ("MultiTaskEnabled", "false")],
        )
        .expect(201)
        .json();
    assert_eq!(ws["multi_task_enabled"], false);
    let tr = Tr::existing(&s, ws["sid"].as_str().unwrap());
    let q = tr.queue("q", "1==1", &[]);
    let wf = tr.simple_workflow(&q);
    let w = tr.worker("solo", json!({}));
    let voice = sid(&tr.task(&wf, json!({}), &[("TaskChannel", "voice")]));
    let chat = sid(&tr.task(&wf, json!({}), &[("TaskChannel", "chat")]));
    let r = tr.wait_reservation(&voice);
    assert_eq!(r["worker_sid"], w.as_str());
    assert_eq!(tr.fetch_task(&chat)["assignment_status"], "pending");
    tr.update_reservation(
        &voice,
        r["sid"].as_str().unwrap(),
        &[("ReservationStatus", "accepted")],
    )
    .expect(200);
    s.post(
        &tr.path(&format!("/Tasks/{voice}")),
        &[("AssignmentStatus", "completed")],
    )
    .expect(200);
    assert_eq!(tr.wait_reservation(&chat)["worker_sid"], w.as_str());
}
