//! Issue 22 item 2 (callbacks that keep their place in line) over the real binary and a stub
//! carrier: a caller waiting in a queue presses 1 on the hold offer (or 2 and leaves a
//! voicemail) and hangs up; the waiting task is canceled and a callback task takes its place
//! (VirtualStartTime = the original call's), ahead of a caller who came later, with the number
//! and the recording; the agent who accepts it calls back through the carrier, and a number the
//! carrier refuses is recorded on the task and answered to the agent.

#[path = "common/agent.rs"]
mod agent;
mod carrier;
mod common;
#[path = "common/taskrouter.rs"]
mod tr;
use agent::AgentSession;
use carrier::Carrier;
use common::*;
use std::time::Duration;
use tr::Tr;

const WAIT: Duration = Duration::from_secs(20);
const TOKEN: &str = "carrier-secret";
const OFFER: &str = "/webhooks/voice/hold?Offer=callback,voicemail";

fn server(carrier: &Carrier) -> TestServer {
    TestServer::start_with(&[
        ("SWITCHBOARD_PROVIDER_URL", &carrier.url),
        (
            "SWITCHBOARD_PROVIDER_SID",
            "AC00000000000000000000000000000001",
        ),
        ("SWITCHBOARD_PROVIDER_TOKEN", TOKEN),
    ])
}

/// A signed carrier webhook; answers its TwiML.
fn carrier_post(s: &TestServer, path: &str, params: &[(&str, &str)]) -> String {
    let url = format!("http://{}{path}", s.addr);
    let r = s.signed_post(TOKEN, &url, path, params).expect(200);
    assert!(r.header("Content-Type").unwrap().contains("xml"));
    r.text()
}

/// A call answered by a flow that queues it with the callback offer as its hold.
fn call_in(s: &TestServer, flow: &str, sid: &str, from: &str) -> String {
    let twiml = carrier_post(
        s,
        &format!("/v1/Accounts/{}/Flows/{flow}", s.sid),
        &[
            ("CallSid", sid),
            ("From", from),
            ("To", "+15550000000"),
            ("CallStatus", "ringing"),
            ("Direction", "inbound"),
        ],
    );
    assert!(twiml.contains("<Enqueue"), "{twiml}");
    twiml
}

fn flow(s: &TestServer, workflow: &str) -> String {
    let def = json!({
        "description": "queue with a callback offer",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {},
             "transitions": [{"event": "incomingCall", "next": "to_agent"}]},
            {"name": "to_agent", "type": "send-to-flex",
             "properties": {"workflow": workflow, "channel": "voice", "waitUrl": OFFER,
                            "attributes": "{\"type\": \"support\"}"},
             "transitions": [{"event": "callComplete"}, {"event": "failedToEnqueue"},
                             {"event": "callFailure"}]}
        ],
        "initial_state": "Trigger"
    });
    s.post(
        "/v2/Flows",
        &[
            ("FriendlyName", "callback offer"),
            ("Status", "published"),
            ("Definition", &def.to_string()),
        ],
    )
    .expect(201)
    .json()["sid"]
        .as_str()
        .unwrap()
        .to_string()
}

fn task_of_call(tr: &Tr, call: &str) -> Value {
    let list = tr.s.get(&tr.path("/Tasks?PageSize=100")).expect(200).json();
    list["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| {
            let a: Value = serde_json::from_str(t["attributes"].as_str().unwrap()).unwrap();
            a["call_sid"] == call
        })
        .cloned()
        .unwrap_or_else(|| panic!("no task for {call}: {list}"))
}

fn attrs(t: &Value) -> Value {
    serde_json::from_str(t["attributes"].as_str().unwrap()).unwrap()
}

#[test]
fn a_callback_keeps_the_callers_place_and_the_agent_calls_back_through_the_carrier() {
    let carrier = Carrier::start();
    let s = server(&carrier);
    let tr = Tr::default(&s);
    let q = tr.queue("callbacks-support", "1==1", &[]);
    let wf = tr.simple_workflow(&q);
    let alice = tr.worker("alice", json!({"contact_uri": "client:alice"}));
    tr.set_activity(&alice, &tr.offline);
    let flow = flow(&s, &wf);

    // Ann calls first, Bob second; both wait (nobody is available).
    let ann = "CA0000000000000000000000000000a001";
    let bob = "CA0000000000000000000000000000b002";
    let twiml = call_in(&s, &flow, ann, "+15551230001");
    assert!(
        twiml.contains(&format!("waitUrl=\"{}\"", OFFER.replace('&', "&amp;"))),
        "{twiml}"
    );
    let ann_task = task_of_call(&tr, ann);
    call_in(&s, &flow, bob, "+15551230002");
    let bob_task = task_of_call(&tr, bob);

    // The hold offers the callback; Ann presses 1 and hangs up.
    let hold = carrier_post(&s, OFFER, &[("CallSid", ann), ("QueueTime", "40")]);
    assert!(hold.contains("<Gather numDigits=\"1\""), "{hold}");
    assert!(
        hold.contains("press 1") && hold.contains("press 2"),
        "{hold}"
    );
    let choice = "/webhooks/voice/callback?Offer=callback%2Cvoicemail";
    assert!(
        hold.contains(&format!("http://{}{choice}", s.addr)),
        "{hold}"
    );
    let bye = carrier_post(&s, choice, &[("CallSid", ann), ("Digits", "1")]);
    assert!(
        bye.contains(
            "You keep your place in line, and we will call you back at 1 5 5 5 1 2 3 0 0 0 1."
        ) && bye.contains("<Hangup/>"),
        "{bye}"
    );
    // A carrier retry answers the same callback.
    carrier_post(&s, choice, &[("CallSid", ann), ("Digits", "1")]);
    let list = s.get("/v1/Callbacks").expect(200).json();
    assert_eq!(list["callbacks"].as_array().unwrap().len(), 1, "{list}");
    let cb = &list["callbacks"][0];
    let cb_task = cb["task_sid"].as_str().unwrap().to_string();
    assert_eq!(cb["kind"], "callback");
    assert_eq!(cb["number"], "+15551230001");
    assert_eq!(cb["status"], "waiting");

    // The waiting task was canceled; the callback task has its start and the number.
    let old = tr.fetch_task(ann_task["sid"].as_str().unwrap());
    assert_eq!(old["assignment_status"], "canceled");
    assert_eq!(old["reason"], "The caller asked to be called back");
    let t = tr.fetch_task(&cb_task);
    assert_eq!(t["assignment_status"], "pending");
    assert_eq!(t["task_queue_sid"], q.as_str());
    assert_eq!(t["virtual_start_time"], ann_task["date_created"], "{t}");
    let a = attrs(&t);
    assert_eq!(a["taskType"], "callback");
    assert_eq!(a["type"], "support");
    assert_eq!(a["callback"]["number"], "+15551230001");
    assert_eq!(a["callback"]["call_sid"], ann);
    assert!(
        a.get("call_sid").is_none(),
        "no bridge to the ended call: {a}"
    );

    // Calling back before anyone holds the task is refused, and says what to do.
    let e = s
        .post(&format!("/v1/Callbacks/{cb_task}/Dial"), &[])
        .expect_error(409);
    assert!(e["message"]
        .as_str()
        .unwrap()
        .contains("Accept the callback task first"));

    // Alice comes in: she is offered Ann's callback before Bob's call (Ann called first).
    tr.set_activity(&alice, &tr.available);
    let r = tr.wait_reservation(&cb_task);
    assert_eq!(r["worker_sid"], alice.as_str());
    assert_eq!(
        tr.fetch_task(bob_task["sid"].as_str().unwrap())["assignment_status"],
        "pending"
    );
    tr.update_reservation(
        &cb_task,
        r["sid"].as_str().unwrap(),
        &[("ReservationStatus", "accepted")],
    )
    .expect(200);

    // Alice's desktop sees the callback and calls back: the carrier rings Ann from the office's
    // number and connects her to Alice.
    let AgentSession { cookie, csrf, .. } = AgentSession::sign_in(&s, &alice, "alice");
    let mine = format!("/agent/api/tasks/{cb_task}/callback");
    let c = s
        .request("GET", &mine, &[("Cookie", &cookie)], b"")
        .expect(200)
        .json();
    assert_eq!(
        (&c["number"], &c["status"]),
        (&json!("+15551230001"), &json!("waiting"))
    );
    let before = carrier.requests().len();
    let d = s
        .request(
            "POST",
            &mine,
            &[("Cookie", &cookie), ("X-CSRF-Token", &csrf)],
            b"",
        )
        .expect(202)
        .json();
    assert_eq!(d["status"], "dialing");
    let req = wait_until(WAIT, || carrier.requests().get(before).cloned());
    assert_eq!(
        req.path,
        "/2010-04-01/Accounts/AC00000000000000000000000000000001/Calls.json"
    );
    assert_eq!(req.param("To"), Some("+15551230001"));
    assert_eq!(req.param("From"), Some("+15550000000"));
    let doc = req.param("Twiml").unwrap();
    assert!(
        doc.contains("<Dial callerId=\"+15550000000\"><Client>alice</Client></Dial>"),
        "{doc}"
    );
    let placed = wait_until(WAIT, || {
        let c = s
            .get(&format!("/v1/Callbacks/{cb_task}"))
            .expect(200)
            .json();
        (c["status"] == "calling").then_some(c)
    });
    assert_eq!(placed["dial_call_sid"], req.sid.as_str());
    assert_eq!(placed["worker_sid"], alice.as_str());
    assert_eq!(
        attrs(&tr.fetch_task(&cb_task))["callback"]["status"],
        "calling"
    );

    // The carrier refuses the number: the failure is on the callback and on the task.
    carrier.set_status(400);
    s.post(&format!("/v1/Callbacks/{cb_task}/Dial"), &[])
        .expect(202);
    let failed = wait_until(WAIT, || {
        let c = s
            .get(&format!("/v1/Callbacks/{cb_task}"))
            .expect(200)
            .json();
        (c["status"] == "failed").then_some(c)
    });
    let why = failed["error"].as_str().unwrap();
    assert!(
        why.contains("the carrier refused the call to +15551230001 (400"),
        "{why}"
    );
    let a = attrs(&tr.fetch_task(&cb_task));
    assert_eq!(a["callback"]["status"], "failed");
    assert_eq!(a["callback"]["error"], why);
}

#[test]
fn a_voicemail_becomes_a_callback_task_with_the_recording() {
    let carrier = Carrier::start();
    let s = server(&carrier);
    let tr = Tr::default(&s);
    let q = tr.queue("voicemail-support", "1==2", &[]);
    let wf = tr.simple_workflow(&q);
    let flow = flow(&s, &wf);
    let cara = "CA0000000000000000000000000000c003";
    call_in(&s, &flow, cara, "+15551230003");
    let waiting = task_of_call(&tr, cara);

    let choice = "/webhooks/voice/callback?Offer=callback%2Cvoicemail";
    // Another key goes back to the wait; 2 records.
    let again = carrier_post(&s, choice, &[("CallSid", cara), ("Digits", "7")]);
    assert!(again.contains("<Redirect method=\"POST\">"), "{again}");
    let rec = carrier_post(&s, choice, &[("CallSid", cara), ("Digits", "2")]);
    assert!(rec.contains("leave your message after the tone"), "{rec}");
    assert!(
        rec.contains(&format!(
            "<Record action=\"http://{}/webhooks/voice/voicemail\"",
            s.addr
        )),
        "{rec}"
    );
    let bye = carrier_post(
        &s,
        "/webhooks/voice/voicemail",
        &[
            ("CallSid", cara),
            ("RecordingUrl", "https://carrier.example/Recordings/RE123"),
            ("RecordingSid", "RE00000000000000000000000000000123"),
            ("RecordingDuration", "14"),
        ],
    );
    assert!(
        bye.contains("Thank you for your message") && bye.contains("<Hangup/>"),
        "{bye}"
    );
    let cb = &s.get("/v1/Callbacks").expect(200).json()["callbacks"][0];
    assert_eq!(cb["kind"], "voicemail");
    assert_eq!(cb["recording_duration"], 14);
    let t = tr.fetch_task(cb["task_sid"].as_str().unwrap());
    assert_eq!(t["virtual_start_time"], waiting["date_created"]);
    let a = attrs(&t);
    assert_eq!(a["taskType"], "voicemail");
    assert_eq!(
        a["callback"]["recording_url"],
        "https://carrier.example/Recordings/RE123"
    );
    assert_eq!(
        a["callback"]["recording_sid"],
        "RE00000000000000000000000000000123"
    );
    assert_eq!(
        tr.fetch_task(waiting["sid"].as_str().unwrap())["reason"],
        "The caller left a voicemail"
    );

    // Bad input: an unknown call, an unknown kind.
    s.post(
        "/v1/Callbacks",
        &[("CallSid", "CA00000000000000000000000000000999")],
    )
    .expect_error(404);
    s.post("/v1/Callbacks", &[("CallSid", cara), ("Kind", "fax")])
        .expect_error(400);
    // The REST request for the same call answers the same callback (200, not a second one).
    let same = s
        .post("/v1/Callbacks", &[("CallSid", cara)])
        .expect(200)
        .json();
    assert_eq!(same["task_sid"], cb["task_sid"]);
}
