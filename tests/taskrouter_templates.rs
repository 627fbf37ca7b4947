//! Issue 18 (silently ignored / refused though Twilio accepts): `Template=FIFO` on workspace create
//! makes Twilio's sample queue and workflow, and `Instruction=supervise` on an accepted reservation
//! is taken (the reservation unchanged), over the real binary.

mod common;
#[path = "common/taskrouter.rs"]
mod taskrouter;
use common::*;
use taskrouter::Tr;

#[test]
fn template_fifo_makes_the_sample_queue_and_a_workflow_that_routes_every_task_to_it() {
    let s = TestServer::start();
    let ws = s
        .post(
            "/v1/Workspaces",
            &[("FriendlyName", "fifo"), ("Template", "FIFO")],
        )
        .expect(201)
        .json();
    let tr = Tr::existing(&s, ws["sid"].as_str().unwrap());
    let queues = s.get(&tr.path("/TaskQueues")).expect(200).json();
    let queues = queues["task_queues"].as_array().unwrap();
    assert_eq!(queues.len(), 1, "{queues:?}");
    assert_eq!(queues[0]["friendly_name"], "Sample Queue");
    assert_eq!(queues[0]["target_workers"], "1==1");
    assert_eq!(queues[0]["task_order"], "FIFO");
    let flows = s.get(&tr.path("/Workflows")).expect(200).json();
    let flows = flows["workflows"].as_array().unwrap();
    assert_eq!(flows.len(), 1);
    assert_eq!(flows[0]["friendly_name"], "Default Fifo Workflow");
    // Every task reaches an available worker through it.
    let worker = tr.worker("alice", json!({}));
    let wf = flows[0]["sid"].as_str().unwrap();
    let task = tr.task(wf, json!({"type": "fifo"}), &[]);
    let r = tr.wait_reservation(task["sid"].as_str().unwrap());
    assert_eq!(r["worker_sid"], worker.as_str());
    // Without a template nothing extra is made; another template is refused, and nothing is made.
    let plain = Tr::new(&s, "plain");
    let q = s.get(&plain.path("/TaskQueues")).expect(200).json();
    assert_eq!(q["task_queues"].as_array().unwrap().len(), 0);
    let e = s
        .post(
            "/v1/Workspaces",
            &[("FriendlyName", "lifo"), ("Template", "LIFO")],
        )
        .expect_error(400);
    assert_eq!(e["code"], 20001);
    let all = s.get("/v1/Workspaces?FriendlyName=lifo").expect(200).json();
    assert_eq!(all["workspaces"].as_array().unwrap().len(), 0);
}

#[test]
fn instruction_supervise_is_taken_on_an_accepted_reservation_and_refused_before() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "supervise");
    let q = tr.queue("all", "1==1", &[]);
    let wf = tr.simple_workflow(&q);
    tr.worker("alice", json!({}));
    let task = tr.task(&wf, json!({"type": "call"}), &[]);
    let task = task["sid"].as_str().unwrap().to_string();
    let r = tr.wait_reservation(&task);
    let res = r["sid"].as_str().unwrap().to_string();
    let supervise = [
        ("Instruction", "supervise"),
        ("Supervisor", "client:sam"),
        ("SupervisorMode", "barge"),
    ];
    // A pending reservation has nothing to supervise yet.
    let e = tr
        .update_reservation(&task, &res, &supervise)
        .expect_error(400);
    assert_eq!(e["code"], 20001);
    tr.update_reservation(&task, &res, &[("ReservationStatus", "accepted")])
        .expect(200);
    let v = tr
        .update_reservation(&task, &res, &supervise)
        .expect(200)
        .json();
    assert_eq!(v["reservation_status"], "accepted");
    assert_eq!(v["sid"], res.as_str());
    for bad in [
        vec![("Instruction", "supervise")],
        vec![
            ("Instruction", "supervise"),
            ("Supervisor", "client:sam"),
            ("SupervisorMode", "shout"),
        ],
    ] {
        let e = tr.update_reservation(&task, &res, &bad).expect_error(400);
        assert_eq!(e["code"], 20001, "{bad:?}: {e}");
    }
    assert_eq!(tr.fetch_task(&task)["assignment_status"], "assigned");
}
