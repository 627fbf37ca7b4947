//! Issue 22 ("Beyond Flex"): the contact-center features Flex centers bolt on, built into the
//! server, tested over the real binary's API: idempotent accept, dispositions (wrap-up codes).

mod common;
#[path = "common/taskrouter.rs"]
mod tr;
use common::*;
use tr::Tr;

/// Item 9: a second accept of the same reservation by its worker answers 200 with the
/// reservation (Twilio answers 400 "not in expected state" — auto-accept plus a click); another
/// worker's reservation of the same task, rescinded by the first accept, still gets the error,
/// and so does a reservation that moved on.
#[test]
fn issue22_second_accept_by_the_same_worker_is_idempotent() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "idempotent");
    let q = tr.queue("both", "1==1", &[("MaxReservedWorkers", "2")]);
    let wf = tr.simple_workflow(&q);
    let a = tr.worker("a", json!({}));
    let b = tr.worker("b", json!({}));
    let t = tr.task(&wf, json!({}), &[]);
    let t = t["sid"].as_str().unwrap();
    let rs = wait_until(std::time::Duration::from_secs(10), || {
        let rs = tr.reservations_of_task(t);
        (rs.len() == 2).then_some(rs)
    });
    let of = |w: &str| {
        rs.iter().find(|r| r["worker_sid"] == w).unwrap()["sid"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (ra, rb) = (of(&a), of(&b));
    let accept = |w: &str, r: &str| {
        s.post(
            &tr.path(&format!("/Workers/{w}/Reservations/{r}")),
            &[("ReservationStatus", "accepted")],
        )
    };
    let first = accept(&a, &ra).expect(200).json();
    assert_eq!(first["reservation_status"], "accepted");
    let again = accept(&a, &ra).expect(200).json();
    assert_eq!(again["reservation_status"], "accepted");
    assert_eq!(again["sid"], ra.as_str());
    // Also through the task's path and as an instruction.
    let by_task = tr
        .update_reservation(t, &ra, &[("Instruction", "accept")])
        .expect(200)
        .json();
    assert_eq!(by_task["reservation_status"], "accepted");
    let accepted = tr
        .events(Some(t))
        .iter()
        .filter(|e| *e == "reservation.accepted")
        .count();
    assert_eq!(accepted, 1, "a repeated accept records nothing new");
    // The other worker's reservation was rescinded: still Twilio's error.
    let e = accept(&b, &rb).expect_error(400);
    assert!(e["message"].as_str().unwrap().contains("rescinded"), "{e}");
    // Another worker's path to this reservation: not found.
    accept(&b, &ra).expect_error(404);
    // A reservation that moved on (wrapping) refuses accept again.
    tr.update_reservation(t, &ra, &[("ReservationStatus", "wrapping")])
        .expect(200);
    accept(&a, &ra).expect_error(400);
}

/// Item 5: a queue's wrap-up codes, listed by API; a code not in the list is refused; a queue
/// that requires one refuses completion without it (400 naming the codes); the code given as
/// `WrapupCode` (task or reservation update) or in `Attributes` ends in
/// `attributes.conversations.outcome`.
#[test]
fn issue22_dispositions_are_configured_per_queue_checked_and_stored_on_the_task() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "dispositions");
    let q = tr.queue("sales", "1==1", &[]);
    let wf = tr.simple_workflow(&q);
    let path = tr.path(&format!("/TaskQueues/{q}/Dispositions"));
    let none = s.get(&path).expect(200).json();
    assert_eq!(none["codes"], json!([]));
    assert_eq!(none["required"], false);
    // Impossible and malformed configurations are refused.
    let e = s.post(&path, &[("Required", "true")]).expect_error(400);
    assert!(e["message"].as_str().unwrap().contains("Required"), "{e}");
    s.post(&path, &[("Codes", r#"["sold","sold"]"#)])
        .expect_error(400);
    s.post(&path, &[("Codes", r#"{"a":1}"#)]).expect_error(400);
    s.post(&path, &[("Codes", r#"[""]"#)]).expect_error(400);
    let set = s
        .post(
            &path,
            &[
                ("Codes", r#"["sold","no-answer","callback"]"#),
                ("Required", "true"),
            ],
        )
        .expect(200)
        .json();
    assert_eq!(set["codes"], json!(["sold", "no-answer", "callback"]));
    assert_eq!(set["required"], true);
    assert_eq!(s.get(&path).expect(200).json(), set);
    s.get(&tr.path("/TaskQueues/WQ00000000000000000000000000000000/Dispositions"))
        .expect_error(404);

    tr.worker("w", json!({}));
    let run = |via_reservation: bool| {
        let t = tr.task(&wf, json!({"n": 1}), &[]);
        let t = t["sid"].as_str().unwrap().to_string();
        let r = tr.wait_reservation(&t);
        let r = r["sid"].as_str().unwrap().to_string();
        tr.update_reservation(&t, &r, &[("ReservationStatus", "accepted")])
            .expect(200);
        tr.update_reservation(&t, &r, &[("ReservationStatus", "wrapping")])
            .expect(200);
        (t, r, via_reservation)
    };
    // Through the task: missing and unknown codes are refused, the task stays wrapping.
    let (t, _, _) = run(false);
    let task_path = tr.path(&format!("/Tasks/{t}"));
    let e = s
        .post(&task_path, &[("AssignmentStatus", "completed")])
        .expect_error(400);
    let m = e["message"].as_str().unwrap();
    assert!(
        m.contains("WrapupCode") && m.contains("sold, no-answer, callback"),
        "{m}"
    );
    let e = s
        .post(
            &task_path,
            &[("AssignmentStatus", "completed"), ("WrapupCode", "lunch")],
        )
        .expect_error(400);
    assert!(e["message"].as_str().unwrap().contains("\"lunch\""), "{e}");
    assert_eq!(tr.fetch_task(&t)["assignment_status"], "wrapping");
    let done = s
        .post(
            &task_path,
            &[("AssignmentStatus", "completed"), ("WrapupCode", "sold")],
        )
        .expect(200)
        .json();
    assert_eq!(done["assignment_status"], "completed");
    let attrs: Value = serde_json::from_str(done["attributes"].as_str().unwrap()).unwrap();
    assert_eq!(attrs["conversations"]["outcome"], "sold");
    assert_eq!(attrs["n"], 1);

    // Through the reservation, and through Attributes (Flex Insights' field).
    let (t, r, _) = run(true);
    tr.update_reservation(&t, &r, &[("ReservationStatus", "completed")])
        .expect_error(400);
    tr.update_reservation(&t, &r, &[("WrapupCode", "nope")])
        .expect_error(400);
    tr.update_reservation(&t, &r, &[("WrapupCode", "callback")])
        .expect(200);
    tr.update_reservation(&t, &r, &[("ReservationStatus", "completed")])
        .expect(200);
    let attrs: Value =
        serde_json::from_str(tr.fetch_task(&t)["attributes"].as_str().unwrap()).unwrap();
    assert_eq!(attrs["conversations"]["outcome"], "callback");
    let (t, _, _) = run(false);
    s.post(
        &tr.path(&format!("/Tasks/{t}")),
        &[
            ("Attributes", r#"{"conversations":{"outcome":"no-answer"}}"#),
            ("AssignmentStatus", "completed"),
        ],
    )
    .expect(200);
    // Optional codes: completion without one is fine, a wrong one still refused.
    s.post(&path, &[("Required", "false")]).expect(200);
    let (t, r, _) = run(true);
    tr.update_reservation(
        &t,
        &r,
        &[("ReservationStatus", "completed"), ("WrapupCode", "x")],
    )
    .expect_error(400);
    tr.update_reservation(&t, &r, &[("ReservationStatus", "completed")])
        .expect(200);
}

/// Item 4: server-side agent automation, per workspace with a queue's override: auto-accept
/// (no client accepts), the worker's activity following the task (Wrap-up while wrapping, then
/// Available), and auto-wrap-up after N seconds, all by the appliance's durable timers. The
/// core helper's injected clock is not on main yet, so the wrap-up delay is a real 1 s.
#[test]
fn issue22_automation_accepts_wraps_up_and_moves_the_worker_by_timers() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "automation");
    let wrap = s
        .post(
            &tr.path("/Activities"),
            &[("FriendlyName", "Wrap-up"), ("Available", "false")],
        )
        .expect(201)
        .json()["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let q = tr.queue("auto", "1==1", &[]);
    let manual = tr.queue("manual", "1==1", &[]);
    let wf = tr.workflow(
        "split",
        json!({"task_routing": {"filters": [
            {"filter_friendly_name": "m", "expression": "manual == 1", "targets": [{"queue": manual}]}
        ], "default_filter": {"queue": q}}}),
        &[],
    );
    let ws_auto = tr.path("/Automation");
    let q_auto = tr.path(&format!("/TaskQueues/{q}/Automation"));
    // Bad input names the parameter.
    let e = s
        .post(&q_auto, &[("AutoWrapupSeconds", "-1")])
        .expect_error(400);
    assert!(e["message"].as_str().unwrap().contains("AutoWrapupSeconds"));
    s.post(&q_auto, &[("AutoAccept", "maybe")])
        .expect_error(400);
    let e = s
        .post(
            &q_auto,
            &[("WrapupActivitySid", "WA00000000000000000000000000000000")],
        )
        .expect_error(400);
    assert!(e["message"].as_str().unwrap().contains("WrapupActivitySid"));
    s.get(&tr.path("/TaskQueues/WQ00000000000000000000000000000000/Automation"))
        .expect_error(404);

    let v = s
        .post(&ws_auto, &[("AutoAccept", "true")])
        .expect(200)
        .json();
    assert_eq!(v["auto_accept"], true);
    let v = s
        .post(
            &q_auto,
            &[
                ("AutoWrapupSeconds", "30"),
                ("WrapupActivitySid", &wrap),
                ("AfterWrapupActivitySid", &tr.available),
            ],
        )
        .expect(200)
        .json();
    assert_eq!(v["auto_accept"], Value::Null, "the queue inherits");
    assert_eq!(v["effective"]["auto_accept"], true);
    assert_eq!(v["effective"]["auto_wrapup_seconds"], 30);
    // The manual queue turns auto-accept off for itself.
    let m = s
        .post(
            &tr.path(&format!("/TaskQueues/{manual}/Automation")),
            &[("AutoAccept", "false")],
        )
        .expect(200)
        .json();
    assert_eq!(m["effective"]["auto_accept"], false);

    let w = tr.worker("w", json!({}));
    let worker_activity = || {
        s.get(&tr.path(&format!("/Workers/{w}"))).expect(200).json()["activity_sid"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let t = tr.task(&wf, json!({}), &[]);
    let t = t["sid"].as_str().unwrap().to_string();
    wait_until(std::time::Duration::from_secs(10), || {
        (tr.fetch_task(&t)["assignment_status"] == "assigned").then_some(())
    });
    let r = tr.reservations_of_task(&t);
    assert_eq!(r[0]["reservation_status"], "accepted");
    let r = r[0]["sid"].as_str().unwrap().to_string();
    tr.update_reservation(&t, &r, &[("ReservationStatus", "wrapping")])
        .expect(200);
    assert_eq!(
        worker_activity(),
        wrap,
        "wrapping puts the worker in Wrap-up"
    );
    s.advance_clock(29_000);
    assert_eq!(tr.fetch_task(&t)["assignment_status"], "wrapping");
    s.advance_clock(1_000);
    let done = wait_until(std::time::Duration::from_secs(10), || {
        let t = tr.fetch_task(&t);
        (t["assignment_status"] == "completed").then_some(t)
    });
    assert_eq!(done["reason"], "auto wrap-up");
    assert_eq!(worker_activity(), tr.available, "back to Available");

    // A task of the manual queue waits for a click.
    let t2 = tr.task(&wf, json!({"manual": 1}), &[]);
    let t2 = t2["sid"].as_str().unwrap();
    tr.wait_reservation(t2);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(tr.fetch_task(t2)["assignment_status"], "reserved");
}

/// Item 6: capacity rules across channels. With "voice blocks chat", a worker holding a voice
/// task is offered no chat (the chat waits, then goes to the worker once the call ends); busy on
/// chat still gets voice (rules are directional). Bad rules are refused naming the channel.
#[test]
fn issue22_a_worker_busy_on_voice_is_offered_no_chat() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "capacity");
    let q = tr.queue("all", "1==1", &[]);
    let wf = tr.simple_workflow(&q);
    let rules = tr.path("/CapacityRules");
    assert_eq!(s.get(&rules).expect(200).json()["rules"], json!({}));
    let e = s
        .post(&rules, &[("Rules", r#"{"voice":["fax"]}"#)])
        .expect_error(400);
    assert!(e["message"].as_str().unwrap().contains("\"fax\""), "{e}");
    s.post(&rules, &[("Rules", r#"{"voice":["voice"]}"#)])
        .expect_error(400);
    s.post(&rules, &[("Rules", r#"["voice"]"#)])
        .expect_error(400);
    s.post(&rules, &[("Rules", r#"{"voice":"chat"}"#)])
        .expect_error(400);
    s.post(&rules, &[]).expect_error(400);
    let set = s
        .post(&rules, &[("Rules", r#"{"voice":["chat","sms"]}"#)])
        .expect(200)
        .json();
    assert_eq!(set["rules"], json!({"voice": ["chat", "sms"]}));

    let w = tr.worker("w", json!({}));
    s.post(
        &tr.path(&format!("/Workers/{w}/Channels/chat")),
        &[("Capacity", "3")],
    )
    .expect(200);
    let voice = tr.task(&wf, json!({}), &[("TaskChannel", "voice")]);
    let voice = voice["sid"].as_str().unwrap().to_string();
    let rv = tr.wait_reservation(&voice)["sid"]
        .as_str()
        .unwrap()
        .to_string();
    tr.update_reservation(&voice, &rv, &[("ReservationStatus", "accepted")])
        .expect(200);
    let chat = tr.task(&wf, json!({}), &[("TaskChannel", "chat")]);
    let chat = chat["sid"].as_str().unwrap().to_string();
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(
        tr.fetch_task(&chat)["assignment_status"],
        "pending",
        "no chat while on a call"
    );
    s.post(
        &tr.path(&format!("/Tasks/{voice}")),
        &[("AssignmentStatus", "completed")],
    )
    .expect(200);
    let rc = tr.wait_reservation(&chat)["sid"]
        .as_str()
        .unwrap()
        .to_string();
    tr.update_reservation(&chat, &rc, &[("ReservationStatus", "accepted")])
        .expect(200);
    // Busy on chat: a call is still offered.
    let voice2 = tr.task(&wf, json!({}), &[("TaskChannel", "voice")]);
    tr.wait_reservation(voice2["sid"].as_str().unwrap());
    // Clearing the rules frees the worker's chat capacity again.
    s.post(&rules, &[("Rules", "{}")]).expect(200);
    assert_eq!(s.get(&rules).expect(200).json()["rules"], json!({}));
}

/// Item 8: a queue's real-time statistics split assigned from wrapping, for tasks and for the
/// workers holding them (`workers_by_task_status`), and count eligible workers per activity.
#[test]
fn issue22_queue_statistics_split_assigned_from_wrapping() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "stats");
    let q = tr.queue("q", "1==1", &[]);
    let wf = tr.simple_workflow(&q);
    let mut held = Vec::new();
    for i in 0..3 {
        tr.worker(&format!("w{i}"), json!({}));
        let t = tr.task(&wf, json!({}), &[]);
        let t = t["sid"].as_str().unwrap().to_string();
        let r = tr.wait_reservation(&t)["sid"].as_str().unwrap().to_string();
        held.push((t, r));
    }
    for (t, r) in &held[1..] {
        tr.update_reservation(t, r, &[("ReservationStatus", "accepted")])
            .expect(200);
    }
    let (t, r) = &held[2];
    tr.update_reservation(t, r, &[("ReservationStatus", "wrapping")])
        .expect(200);
    let rt = s
        .get(&tr.path(&format!("/TaskQueues/{q}/RealTimeStatistics")))
        .expect(200)
        .json();
    assert_eq!(
        rt["workers_by_task_status"],
        json!({"reserved": 1, "assigned": 1, "wrapping": 1}),
        "{rt}"
    );
    assert_eq!(rt["tasks_by_status"]["assigned"], 1);
    assert_eq!(rt["tasks_by_status"]["wrapping"], 1);
    assert_eq!(rt["tasks_by_status"]["reserved"], 1);
    let available = rt["activity_statistics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["friendly_name"] == "Available")
        .unwrap()["workers"]
        .clone();
    assert_eq!(available, 3);
    let ws = s.get(&tr.path("/RealTimeStatistics")).expect(200).json();
    assert_eq!(ws["workers_by_task_status"]["wrapping"], 1);
}
