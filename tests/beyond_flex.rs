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
