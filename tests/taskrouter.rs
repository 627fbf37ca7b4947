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

/// A one-thread HTTP listener that records form posts; the first `fail_first` answers are 500.
fn callback_listener(
    fail_first: usize,
    answer: &'static str,
) -> (String, std::sync::mpsc::Receiver<Vec<(String, String)>>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/cb", listener.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = 0;
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut len = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; len];
            let _ = reader.read_exact(&mut body);
            seen += 1;
            let status = if seen <= fail_first {
                "500 Oops"
            } else {
                "200 OK"
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
            if seen > fail_first {
                let form = String::from_utf8_lossy(&body)
                    .split('&')
                    .filter_map(|p| p.split_once('='))
                    .map(|(k, v)| (k.to_string(), urldecode(v)))
                    .collect();
                if tx.send(form).is_err() {
                    return;
                }
            }
        }
    });
    (url, rx)
}

fn urldecode(s: &str) -> String {
    let b = s.replace('+', " ");
    let bytes = b.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.push(u8::from_str_radix(&b[i + 1..i + 3], 16).unwrap_or(b'?'));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn event_callbacks_are_posted_with_twilio_fields_honouring_the_filter_and_retried() {
    let s = TestServer::start();
    let (url, rx) = callback_listener(1, "");
    let ws = s
        .post(
            "/v1/Workspaces",
            &[
                ("FriendlyName", "callbacks"),
                ("EventCallbackUrl", &url),
                ("EventsFilter", "task.created,reservation.created"),
            ],
        )
        .expect(201)
        .json();
    assert_eq!(ws["event_callback_url"], url.as_str());
    let tr = Tr::existing(&s, ws["sid"].as_str().unwrap());
    let q = tr.queue("q", "1==1", &[]);
    let wf = tr.simple_workflow(&q);
    let w = tr.worker("cb", json!({}));
    let t = tr.task(&wf, json!({"customer": "x"}), &[]);
    let first = rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("a callback (after one retry)");
    let get =
        |f: &Vec<(String, String)>, k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get(&first, "EventType").as_deref(), Some("task.created"));
    assert_eq!(get(&first, "TaskSid").as_deref(), t["sid"].as_str());
    assert_eq!(
        get(&first, "WorkspaceSid").as_deref(),
        tr.ws.as_str().into()
    );
    assert_eq!(get(&first, "ResourceType").as_deref(), Some("Task"));
    let attrs: Value = serde_json::from_str(&get(&first, "TaskAttributes").unwrap()).unwrap();
    assert_eq!(attrs, json!({"customer": "x"}));
    assert!(get(&first, "Timestamp").is_some());
    let second = rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("reservation.created");
    assert_eq!(
        get(&second, "EventType").as_deref(),
        Some("reservation.created")
    );
    assert_eq!(get(&second, "WorkerSid").as_deref(), Some(w.as_str()));
    assert!(get(&second, "ReservationSid").is_some_and(|r| r.starts_with("WR")));
    // Nothing outside the filter (workflow.entered, task-queue.entered…) was posted.
    assert!(rx
        .recv_timeout(std::time::Duration::from_millis(300))
        .is_err());
}

#[test]
fn an_assignment_callback_answering_accept_accepts_the_reservation() {
    let s = TestServer::start();
    let (url, rx) = callback_listener(0, r#"{"instruction": "accept"}"#);
    let tr = Tr::new(&s, "assignment");
    let q = tr.queue("q", "1==1", &[]);
    let wf = tr.workflow(
        "cb",
        json!({"task_routing": {"default_filter": {"queue": q}}}),
        &[("AssignmentCallbackUrl", &url)],
    );
    let w = tr.worker("auto", json!({}));
    let t = tr.task(&wf, json!({"k": 1}), &[]);
    let task = t["sid"].as_str().unwrap();
    let posted = rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("assignment callback");
    let get = |k: &str| posted.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get("TaskSid").as_deref(), Some(task));
    assert_eq!(get("WorkerSid").as_deref(), Some(w.as_str()));
    assert!(get("ReservationSid").is_some());
    wait_until(std::time::Duration::from_secs(10), || {
        (tr.fetch_task(task)["assignment_status"] == "assigned").then_some(())
    });
}

#[test]
fn re_evaluating_a_workflow_reroutes_its_pending_tasks_and_busy_workers_cannot_be_deleted() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "reeval");
    let a = tr.queue("a", "team == 'a'", &[]);
    let b = tr.queue("b", "team == 'b'", &[]);
    let wf = tr.simple_workflow(&a);
    let t = tr.task(&wf, json!({}), &[]);
    let task = t["sid"].as_str().unwrap();
    assert_eq!(tr.fetch_task(task)["task_queue_sid"], a.as_str());
    let cfg = json!({"task_routing": {"default_filter": {"queue": b}}}).to_string();
    s.post(
        &tr.path(&format!("/Workflows/{wf}")),
        &[("Configuration", &cfg), ("ReEvaluateTasks", "true")],
    )
    .expect(200);
    assert_eq!(tr.fetch_task(task)["task_queue_sid"], b.as_str());
    let w = tr.worker("bee", json!({"team": "b"}));
    let r = tr.wait_reservation(task);
    tr.update_reservation(
        task,
        r["sid"].as_str().unwrap(),
        &[("ReservationStatus", "accepted")],
    )
    .expect(200);
    let e = s
        .delete(&tr.path(&format!("/Workers/{w}")))
        .expect_error(409);
    assert!(e["message"].as_str().unwrap().contains(task), "{e}");
    s.post(
        &tr.path(&format!("/Tasks/{task}")),
        &[("AssignmentStatus", "completed")],
    )
    .expect(200);
    s.delete(&tr.path(&format!("/Workers/{w}"))).expect(204);
}
