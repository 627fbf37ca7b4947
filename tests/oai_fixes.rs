//! Issue 18: what stands behind the shapes the conformance test (tests/oai_conformance.rs) asked
//! for, over the real binary — workflow real-time and cumulative statistics, `SplitByWaitTime` and
//! the canceled tasks' waits, the bulk queue real-time statistics, the 2010 Accounts list and
//! paging envelope, and a Studio step's widget `type`.

mod common;
#[path = "common/taskrouter.rs"]
mod taskrouter;
use common::*;
use taskrouter::Tr;

#[test]
fn workflow_statistics_count_its_tasks_and_split_by_wait_time() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "stats");
    let q = tr.queue("all", "1==1", &[]);
    let wf = tr.simple_workflow(&q);
    let other_wf = tr.simple_workflow(&q);
    tr.worker("alice", json!({}));
    let wf_path = tr.path(&format!("/Workflows/{wf}"));

    // A waits 10 s, then alice accepts it; B (alice is busy) waits 40 s and is canceled.
    let a = tr.task(&wf, json!({"n": "a"}), &[])["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let res = tr.wait_reservation(&a);
    let b = tr.task(&wf, json!({"n": "b"}), &[])["sid"]
        .as_str()
        .unwrap()
        .to_string();
    tr.task(&other_wf, json!({"n": "c"}), &[]);
    s.advance_clock(10_000);
    tr.update_reservation(
        &a,
        res["sid"].as_str().unwrap(),
        &[("ReservationStatus", "accepted")],
    )
    .expect(200);

    let rt = s
        .get(&format!("{wf_path}/RealTimeStatistics"))
        .expect(200)
        .json();
    assert_eq!(rt["workflow_sid"], wf.as_str(), "{rt}");
    assert_eq!(rt["total_tasks"], 2, "{rt}");
    assert_eq!(rt["tasks_by_status"]["assigned"], 1, "{rt}");
    assert_eq!(rt["tasks_by_status"]["pending"], 1, "{rt}");
    assert_eq!(rt["longest_task_waiting_sid"], b.as_str(), "{rt}");
    assert_eq!(rt["longest_task_waiting_age"], 10, "{rt}");

    s.advance_clock(30_000);
    s.post(
        &tr.path(&format!("/Tasks/{b}")),
        &[("AssignmentStatus", "canceled")],
    )
    .expect(200);
    let rt = s
        .get(&format!("{wf_path}/RealTimeStatistics"))
        .expect(200)
        .json();
    assert_eq!(rt["total_tasks"], 1, "{rt}");

    let cu = s
        .get(&format!(
            "{wf_path}/CumulativeStatistics?SplitByWaitTime=5,30"
        ))
        .expect(200)
        .json();
    assert_eq!(cu["workflow_sid"], wf.as_str(), "{cu}");
    assert_eq!(cu["tasks_canceled"], 1, "{cu}");
    assert_eq!(cu["wait_duration_until_canceled"]["max"], 40, "{cu}");
    assert_eq!(cu["wait_duration_until_canceled"]["avg"], 40, "{cu}");
    let split = &cu["split_by_wait_time"];
    assert_eq!(split["5"]["above"]["reservations_accepted"], 1, "{cu}");
    assert_eq!(split["5"]["below"]["reservations_accepted"], 0, "{cu}");
    assert_eq!(split["30"]["below"]["reservations_accepted"], 1, "{cu}");
    assert_eq!(split["30"]["above"]["tasks_canceled"], 1, "{cu}");
    assert_eq!(split["30"]["below"]["tasks_canceled"], 0, "{cu}");
    // The other workflow's task is not counted; without the parameter there is no split.
    let plain = s
        .get(&format!("{wf_path}/CumulativeStatistics"))
        .expect(200)
        .json();
    assert_eq!(plain["split_by_wait_time"], Value::Null, "{plain}");
    let both = s.get(&format!("{wf_path}/Statistics")).expect(200).json();
    assert_eq!(both["realtime"]["total_tasks"], 1, "{both}");
    assert_eq!(both["cumulative"]["tasks_canceled"], 1, "{both}");
    // The workspace's figures have them too.
    let ws = s
        .get(&tr.path("/CumulativeStatistics?SplitByWaitTime=30"))
        .expect(200)
        .json();
    assert_eq!(
        ws["split_by_wait_time"]["30"]["above"]["tasks_canceled"], 1,
        "{ws}"
    );
    for bad in ["abc", "5,-1", "1,2,3,4,5,6,7,8,9,10,11"] {
        s.get(&format!(
            "{wf_path}/CumulativeStatistics?SplitByWaitTime={bad}"
        ))
        .expect_error(400);
    }
}

#[test]
fn bulk_queue_real_time_statistics_answer_each_queue_named() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "bulk");
    let q1 = tr.queue("one", "1==1", &[]);
    let q2 = tr.queue("two", "1==2", &[]);
    let wf = tr.simple_workflow(&q1);
    tr.task(&wf, json!({}), &[]);
    let path = tr.path("/TaskQueues/RealTimeStatistics");
    let v = s
        .post(&path, &[("QueueSids", &q1), ("QueueSids", &q2)])
        .expect(200)
        .json();
    assert_eq!(v["task_queue_response_count"], 2, "{v}");
    assert_eq!(
        v["task_queue_data"][0]["task_queue_sid"],
        q1.as_str(),
        "{v}"
    );
    assert_eq!(v["task_queue_data"][0]["total_tasks"], 1, "{v}");
    assert_eq!(v["task_queue_data"][1]["total_tasks"], 0, "{v}");
    // As the SDKs send it: a JSON body.
    let body = json!({"QueueSids": [q2]}).to_string();
    let r = s.request(
        "POST",
        &path,
        &[
            ("Authorization", &s.auth()),
            ("Content-Type", "application/json"),
        ],
        body.as_bytes(),
    );
    let v = r.expect(200).json();
    assert_eq!(
        v["task_queue_data"][0]["task_queue_sid"],
        q2.as_str(),
        "{v}"
    );
    s.post(&path, &[]).expect_error(400);
    s.post(
        &path,
        &[("QueueSids", "WQ00000000000000000000000000000000")],
    )
    .expect_error(404);
    // The queue update path is still the queue's.
    s.post(
        &tr.path(&format!("/TaskQueues/{q1}")),
        &[("FriendlyName", "uno")],
    )
    .expect(200);
}

#[test]
fn the_2010_accounts_list_shows_the_one_account_and_keys_page_as_2010_does() {
    let s = TestServer::start();
    let list = s.get("/2010-04-01/Accounts.json").expect(200).json();
    assert_eq!(list["accounts"][0]["sid"], s.sid.as_str(), "{list}");
    assert_eq!(
        list["accounts"][0]["auth_token"],
        s.token.as_str(),
        "{list}"
    );
    assert_eq!(list["start"], 0, "{list}");
    assert!(
        list["uri"]
            .as_str()
            .unwrap()
            .starts_with("/2010-04-01/Accounts.json?"),
        "{list}"
    );
    let none = s
        .get("/2010-04-01/Accounts.json?FriendlyName=nobody")
        .expect(200)
        .json();
    assert_eq!(none["accounts"], json!([]), "{none}");
    let e = s
        .post("/2010-04-01/Accounts.json", &[("FriendlyName", "sub")])
        .expect_error(403);
    assert!(e["message"].as_str().unwrap().contains("API keys"), "{e}");

    // An API key sees the account, not its Auth Token.
    let keys = format!("{}/Keys.json", s.account_path());
    let key = s.post(&keys, &[("FriendlyName", "k0")]).expect(201).json();
    let keyed = basic(
        key["sid"].as_str().unwrap(),
        key["secret"].as_str().unwrap(),
    );
    let a = s
        .request(
            "GET",
            &format!("{}.json", s.account_path()),
            &[("Authorization", &keyed)],
            b"",
        )
        .expect(200)
        .json();
    assert_eq!(a["auth_token"], Value::Null, "{a}");
    let own = s
        .get(&format!("{}.json", s.account_path()))
        .expect(200)
        .json();
    assert_eq!(own["auth_token"], s.token.as_str(), "{own}");

    for i in 1..3 {
        s.post(&keys, &[("FriendlyName", &format!("k{i}"))])
            .expect(201);
    }
    let p0 = s.get(&format!("/api{keys}?PageSize=2")).expect(200).json();
    assert_eq!(
        (p0["start"].clone(), p0["end"].clone()),
        (json!(0), json!(1)),
        "{p0}"
    );
    assert_eq!(p0["keys"].as_array().unwrap().len(), 2, "{p0}");
    assert_eq!(p0["previous_page_uri"], Value::Null, "{p0}");
    let next = p0["next_page_uri"]
        .as_str()
        .expect("a next page")
        .to_string();
    assert!(
        next.starts_with("/2010-04-01/"),
        "relative to the API's base: {next}"
    );
    let p1 = s.get(&format!("/api{next}")).expect(200).json();
    assert_eq!(
        (p1["start"].clone(), p1["end"].clone()),
        (json!(2), json!(2)),
        "{p1}"
    );
    assert_eq!(p1["next_page_uri"], Value::Null, "{p1}");
    assert_eq!(p1["first_page_uri"], p0["uri"], "{p1}");
}

#[test]
fn a_studio_step_has_the_type_of_the_widget_it_left() {
    let s = TestServer::start();
    let def = json!({"description": "types", "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": true},
        "states": [
          {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [
            {"event": "incomingMessage"}, {"event": "incomingCall"},
            {"event": "incomingRequest", "next": "set"}]},
          {"name": "set", "type": "set-variables",
           "properties": {"variables": [{"key": "a", "value": "1"}]},
           "transitions": [{"event": "next"}]}]});
    let flow = s
        .post(
            "/v2/Flows",
            &[
                ("FriendlyName", "types"),
                ("Status", "published"),
                ("Definition", &def.to_string()),
            ],
        )
        .expect(201)
        .json();
    let flow = flow["sid"].as_str().unwrap();
    let e = s
        .post(
            &format!("/v2/Flows/{flow}/Executions"),
            &[("To", "+15550002000"), ("From", "+15550001000")],
        )
        .expect(201)
        .json();
    let steps_path = format!(
        "/v2/Flows/{flow}/Executions/{}/Steps",
        e["sid"].as_str().unwrap()
    );
    let steps = wait_until(std::time::Duration::from_secs(10), || {
        let v = s.get(&steps_path).expect(200).json();
        let a = v["steps"].as_array()?.clone();
        (a.len() == 2).then_some(a)
    });
    let mut types: Vec<(String, String)> = steps
        .iter()
        .map(|st| {
            (
                st["transitioned_from"].as_str().unwrap().to_string(),
                st["type"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    types.sort();
    assert_eq!(
        types,
        [
            ("Trigger".to_string(), "trigger".to_string()),
            ("set".to_string(), "set-variables".to_string())
        ]
    );
    let one = s
        .get(&format!(
            "{steps_path}/{}",
            steps[0]["sid"].as_str().unwrap()
        ))
        .expect(200)
        .json();
    assert_eq!(one["type"], steps[0]["type"], "{one}");
}
