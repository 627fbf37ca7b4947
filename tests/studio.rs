//! Issue 4 (Studio): flows with revisions behind Studio v2's REST shapes, validation that reports
//! every problem at once, the corpus of real flows importing and exporting unchanged, and the
//! default flows a new appliance ships.

mod common;
mod studio_common;
use common::*;
use studio_common::corpus;

fn create_flow(s: &TestServer, name: &str, def: &Value, status: &str) -> Resp {
    s.post(
        "/v2/Flows",
        &[
            ("FriendlyName", name),
            ("Status", status),
            ("Definition", &def.to_string()),
            ("CommitMessage", "import"),
        ],
    )
}

#[test]
fn every_corpus_flow_imports_validates_and_exports_unchanged() {
    let s = TestServer::start();
    let flows = corpus();
    assert!(flows.len() >= 50, "only {} corpus flows", flows.len());
    for (name, def) in &flows {
        let v = s
            .post(
                "/v2/Flows/Validate",
                &[
                    ("FriendlyName", name),
                    ("Status", "published"),
                    ("Definition", &def.to_string()),
                ],
            )
            .expect(200)
            .json();
        assert_eq!(v["valid"], true, "{name}");
        let flow = create_flow(&s, name, def, "published").expect(201).json();
        assert_eq!(flow["valid"], true, "{name}");
        assert_eq!(flow["errors"], json!([]), "{name}");
        let sid = flow["sid"].as_str().unwrap();
        let fetched = s.get(&format!("/v2/Flows/{sid}")).expect(200).json();
        assert_eq!(
            &fetched["definition"], def,
            "{name} does not export unchanged"
        );
    }
}

#[test]
fn a_bad_flow_gets_every_error_in_one_400() {
    let s = TestServer::start();
    let bad = json!({
        "description": "bad",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {},
             "transitions": [{"event": "incomingMessage", "next": "nowhere"}]},
            {"name": "x", "type": "teleport", "properties": {}, "transitions": []},
            {"name": "x", "type": "send-message", "properties": {"body": "{{ oops }"},
             "transitions": [{"event": "sent"}]},
            {"name": "http", "type": "make-http-request", "properties": {"method": "GET"},
             "transitions": [{"event": "success"}]}
        ],
        "initial_state": "Trigger"
    });
    for path in ["/v2/Flows/Validate", "/v2/Flows"] {
        let e = create_flow(&s, "bad", &bad, "published").expect_error(400);
        let e2 = s
            .post(
                path,
                &[
                    ("FriendlyName", "bad"),
                    ("Status", "published"),
                    ("Definition", &bad.to_string()),
                ],
            )
            .expect_error(400);
        assert_eq!(e["details"], e2["details"]);
        let errors = e["details"]["errors"].as_array().expect("details.errors");
        let all: Vec<String> = errors.iter().map(|e| e["message"].to_string()).collect();
        let all = all.join("\n");
        for needle in [
            "missing state \\\"nowhere\\\"",
            "unknown widget type \\\"teleport\\\"",
            "state name is used by 2 states",
            "invalid Liquid",
            "needs property `url`",
        ] {
            assert!(all.contains(needle), "{needle} not in {all}");
        }
        let unknown = errors
            .iter()
            .find(|e| e["message"].as_str().unwrap().contains("teleport"))
            .unwrap();
        assert_eq!(unknown["state"], "x");
        assert_eq!(unknown["property_path"], "#/states/1/type");
    }
    // A draft may be saved with errors, marked invalid.
    let draft = create_flow(&s, "draft", &bad, "draft").expect(201).json();
    assert_eq!(draft["valid"], false);
    assert!(draft["errors"].as_array().unwrap().len() >= 5);
    // Not JSON at all, or no definition, is a plain 400.
    s.post(
        "/v2/Flows",
        &[
            ("FriendlyName", "x"),
            ("Status", "draft"),
            ("Definition", "{"),
        ],
    )
    .expect_error(400);
    s.post("/v2/Flows", &[("FriendlyName", "x"), ("Status", "draft")])
        .expect_error(400);
}

fn simple(body: &str) -> Value {
    json!({
        "description": "simple",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0, "y": 0}},
             "transitions": [{"event": "incomingRequest", "next": "hello"}]},
            {"name": "hello", "type": "send-message", "properties": {"body": body},
             "transitions": [{"event": "sent"}, {"event": "failed"}]}
        ],
        "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": true}
    })
}

#[test]
fn updates_are_revisions_and_executions_use_the_latest_published() {
    let s = TestServer::start();
    let flow = create_flow(&s, "rev", &simple("one"), "published")
        .expect(201)
        .json();
    let sid = flow["sid"].as_str().unwrap().to_string();
    assert!(sid.starts_with("FW"));
    assert_eq!(flow["revision"], 1);
    assert_eq!(flow["status"], "published");
    assert_eq!(
        flow["webhook_url"],
        format!("http://{}/v1/Accounts/{}/Flows/{sid}", s.addr, s.sid)
    );
    assert!(flow["links"]["executions"]
        .as_str()
        .unwrap()
        .ends_with("/Executions"));
    let v2 = s
        .post(
            &format!("/v2/Flows/{sid}"),
            &[
                ("Status", "draft"),
                ("Definition", &simple("two").to_string()),
                ("CommitMessage", "second"),
            ],
        )
        .expect(200)
        .json();
    assert_eq!(v2["revision"], 2);
    assert_eq!(v2["friendly_name"], "rev");
    assert_eq!(v2["commit_message"], "second");
    // Renaming without a definition keeps the definition.
    let v3 = s
        .post(
            &format!("/v2/Flows/{sid}"),
            &[("Status", "draft"), ("FriendlyName", "renamed")],
        )
        .expect(200)
        .json();
    assert_eq!(v3["revision"], 3);
    assert_eq!(v3["definition"], simple("two"));
    s.post(&format!("/v2/Flows/{sid}"), &[("FriendlyName", "x")])
        .expect_error(400);
    let revs = s
        .get(&format!("/v2/Flows/{sid}/Revisions?PageSize=2"))
        .expect(200)
        .json();
    let numbers: Vec<i64> = revs["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["revision"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, vec![3, 2]);
    assert!(revs["meta"]["next_page_url"].is_string());
    let r1 = s
        .get(&format!("/v2/Flows/{sid}/Revisions/1"))
        .expect(200)
        .json();
    assert_eq!(r1["definition"], simple("one"));
    assert_eq!(r1["status"], "published");
    let lp = s
        .get(&format!("/v2/Flows/{sid}/Revisions/LatestPublished"))
        .expect(200)
        .json();
    assert_eq!(lp["revision"], 1);
    s.get(&format!("/v2/Flows/{sid}/Revisions/9"))
        .expect_error(404);
    // Test users.
    let tu = s
        .post(
            &format!("/v2/Flows/{sid}/TestUsers"),
            &[("TestUsers", "+15550001"), ("TestUsers", "+15550002")],
        )
        .expect(200)
        .json();
    assert_eq!(tu["test_users"], json!(["+15550001", "+15550002"]));
    s.delete(&format!("/v2/Flows/{sid}")).expect(204);
    s.get(&format!("/v2/Flows/{sid}")).expect_error(404);
}

#[test]
fn default_flows_are_seeded_once() {
    let mut s = TestServer::start();
    let names = |s: &TestServer| -> Vec<String> {
        let v = s.get("/v2/Flows").expect(200).json();
        v["flows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["friendly_name"].as_str().unwrap().to_string())
            .collect()
    };
    let first = names(&s);
    for n in ["Messaging Flow", "Webchat Flow", "Voice IVR"] {
        assert_eq!(
            first.iter().filter(|x| *x == n).count(),
            1,
            "{n}: {first:?}"
        );
    }
    s.restart();
    assert_eq!(names(&s), first);
    let v = s.get("/v2/Flows").expect(200).json();
    let ivr = v["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["friendly_name"] == "Voice IVR")
        .unwrap()
        .clone();
    assert_eq!(ivr["valid"], true);
    assert_eq!(ivr["warnings"], json!([]));
    let text = ivr["definition"].to_string();
    assert!(text.contains("department") && text.contains("call_sid"));
}
