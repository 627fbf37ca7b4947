//! Issue 18 item 6: Api 2010 Calls on the real binary — the simulated carrier completes a call,
//! a real carrier gets the create and the update through the outbox and its status callbacks
//! move the call, the caller's `StatusCallback` hears the events it asked for, list filters,
//! delete, and bad input answered with Twilio's error codes (never a 5xx).

mod carrier;
mod common;
use carrier::Carrier;
use common::*;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);
const TWIML: &str = "<Response><Say>Your order has shipped</Say></Response>";

fn calls(s: &TestServer) -> String {
    format!("{}/Calls.json", s.account_path())
}

fn one(s: &TestServer, sid: &str) -> String {
    format!("{}/Calls/{sid}.json", s.account_path())
}

fn call(s: &TestServer, sid: &str) -> Value {
    s.get(&one(s, sid)).expect(200).json()
}

#[test]
fn with_no_carrier_the_simulated_one_completes_the_call_and_the_callback_hears_each_event() {
    let rx = Carrier::start_on(0, 200);
    let s = TestServer::start();
    let cb = format!("{}/call-status", rx.url);
    let c = s
        .post(
            &calls(&s),
            &[
                ("To", "+15550002000"),
                ("From", "+15550001000"),
                ("Twiml", TWIML),
                ("StatusCallback", &cb),
                ("StatusCallbackEvent", "initiated ringing"),
                ("StatusCallbackEvent", "answered"),
                ("StatusCallbackEvent", "completed"),
            ],
        )
        .expect(201)
        .json();
    let sid = c["sid"].as_str().unwrap().to_string();
    assert!(sid.starts_with("CA") && sid.len() == 34, "{c}");
    assert_eq!(c["status"], "queued");
    assert_eq!(c["direction"], "outbound-api");
    assert_eq!(c["start_time"], Value::Null);
    assert_eq!(c["duration"], Value::Null);
    let done = wait_until(WAIT, || {
        let c = call(&s, &sid);
        (c["status"] == "completed").then_some(c)
    });
    assert_eq!(done["duration"], "0");
    assert_eq!(done["answered_by"], "human");
    assert!(done["end_time"].as_str().unwrap().ends_with("+0000"));
    let heard = wait_until(WAIT, || {
        let h: Vec<String> = rx
            .requests()
            .iter()
            .filter(|r| r.param("CallSid") == Some(sid.as_str()))
            .map(|r| r.param("CallStatus").unwrap_or("").to_string())
            .collect();
        (h.len() >= 4).then_some(h)
    });
    assert_eq!(heard, ["initiated", "ringing", "in-progress", "completed"]);
    let last = rx.requests().last().cloned().unwrap();
    assert_eq!(last.param("CallDuration"), Some("0"));
    assert_eq!(last.param("Direction"), Some("outbound-api"));
    // Over: it cannot be ended again, and it can be deleted.
    let e = s
        .post(&one(&s, &sid), &[("Status", "completed")])
        .expect_error(400);
    assert_eq!(e["code"], 21220);
    s.delete(&one(&s, &sid)).expect(204);
    assert_eq!(s.get(&one(&s, &sid)).expect_error(404)["code"], 20404);
}

#[test]
fn a_real_carrier_places_the_call_ends_it_on_update_and_its_callbacks_move_it() {
    let carrier = Carrier::start();
    let s = TestServer::start_with(&[
        ("SWITCHBOARD_PROVIDER_URL", &carrier.url),
        ("SWITCHBOARD_PUBLIC_URL", "https://box.example.com"),
        ("SWITCHBOARD_RETRY_BASE_MS", "50"),
    ]);
    let place = |to: &str| {
        s.post(
            &calls(&s),
            &[
                ("To", to),
                ("From", "+15550001000"),
                ("Url", "https://flex.example.com/twiml"),
            ],
        )
        .expect(201)
        .json()["sid"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let first = place("+15550002000");
    let asked = wait_until(WAIT, || carrier.accepted().first().cloned());
    assert_eq!(
        asked.path,
        format!("/2010-04-01/Accounts/{}/Calls.json", s.sid)
    );
    assert_eq!(asked.param("Url"), Some("https://flex.example.com/twiml"));
    let cb = asked.param("StatusCallback").unwrap();
    assert!(
        cb.starts_with("https://box.example.com/webhooks/calls/status?Ref=OB"),
        "{cb}"
    );
    let provider = asked.sid.clone();
    wait_until(WAIT, || call(&s, &first)["start_time"].as_str().map(drop));
    let progress = |status: &str, extra: &[(&str, &str)]| {
        let mut f = vec![("CallSid", provider.as_str()), ("CallStatus", status)];
        f.extend_from_slice(extra);
        s.post("/webhooks/calls/status", &f).expect(204);
    };
    progress("ringing", &[]);
    assert_eq!(call(&s, &first)["status"], "ringing");
    progress("in-progress", &[("AnsweredBy", "human")]);
    assert_eq!(call(&s, &first)["status"], "in-progress");
    // A late "ringing" changes nothing.
    progress("ringing", &[]);
    assert_eq!(call(&s, &first)["status"], "in-progress");
    // Delete refuses a live call; redirect, then hang up through the carrier's call update.
    assert_eq!(s.delete(&one(&s, &first)).expect_error(409)["code"], 20009);
    let r = s
        .post(&one(&s, &first), &[("Twiml", TWIML)])
        .expect(200)
        .json();
    assert_eq!(r["status"], "in-progress");
    let r = s
        .post(&one(&s, &first), &[("Status", "completed")])
        .expect(200)
        .json();
    assert_eq!(r["status"], "completed");
    let updates = wait_until(WAIT, || {
        let u: Vec<_> = carrier
            .accepted()
            .into_iter()
            .filter(|r| r.path.ends_with(&format!("/Calls/{provider}.json")))
            .collect();
        (u.len() >= 2).then_some(u)
    });
    assert_eq!(updates[0].param("Twiml"), Some(TWIML));
    assert_eq!(updates[1].param("Status"), Some("completed"));
    progress("completed", &[("CallDuration", "42")]);
    assert_eq!(call(&s, &first)["status"], "completed");

    // A second call, refused by the carrier: failed.
    carrier.set_status(400);
    let second = place("+15550003000");
    wait_until(WAIT, || {
        (call(&s, &second)["status"] == "failed").then_some(())
    });

    let list = |q: &str| s.get(&format!("{}?{q}", calls(&s))).expect(200).json();
    let v = list("To=%2B15550003000");
    assert_eq!(v["calls"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["calls"][0]["sid"], second.as_str());
    assert_eq!(list("Status=completed")["calls"][0]["sid"], first.as_str());
    assert_eq!(list("Status=failed")["calls"].as_array().unwrap().len(), 1);
    assert_eq!(
        list("StartTime%3C=2001-01-01")["calls"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        list("StartTime%3E=2001-01-01")["calls"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        list("PageSize=1")["calls"][0]["sid"],
        second.as_str(),
        "newest first"
    );
}

#[test]
fn a_call_not_yet_placed_is_canceled_without_asking_the_carrier() {
    let carrier = Carrier::start_on(0, 503);
    let s = TestServer::start_with(&[
        ("SWITCHBOARD_PROVIDER_URL", &carrier.url),
        ("SWITCHBOARD_RETRY_BASE_MS", "5000"),
    ]);
    let c = s
        .post(
            &calls(&s),
            &[
                ("To", "+15550002000"),
                ("From", "+15550001000"),
                ("Twiml", TWIML),
            ],
        )
        .expect(201)
        .json();
    let sid = c["sid"].as_str().unwrap();
    wait_until(WAIT, || (!carrier.requests().is_empty()).then_some(()));
    let r = s
        .post(&one(&s, sid), &[("Status", "canceled")])
        .expect(200)
        .json();
    assert_eq!(r["status"], "canceled");
    carrier.set_status(201);
    s.advance_clock(120_000);
    std::thread::sleep(Duration::from_millis(300));
    assert!(carrier.accepted().is_empty(), "{:?}", carrier.accepted());
}

#[test]
fn bad_input_is_answered_with_twilios_codes_never_a_5xx() {
    let s = TestServer::start();
    let cases: Vec<(Vec<(&str, &str)>, u32)> = vec![
        (vec![("From", "+15550001000"), ("Twiml", TWIML)], 21201),
        (
            vec![("To", "555"), ("From", "+15550001000"), ("Twiml", TWIML)],
            21211,
        ),
        (vec![("To", "+15550002000"), ("Twiml", TWIML)], 21213),
        (
            vec![("To", "+15550002000"), ("From", "nobody"), ("Twiml", TWIML)],
            21212,
        ),
        (
            vec![("To", "+15550002000"), ("From", "+15550001000")],
            21205,
        ),
        (
            vec![
                ("To", "+15550002000"),
                ("From", "+15550001000"),
                ("Url", "/relative"),
            ],
            21205,
        ),
        (
            vec![
                ("To", "+15550002000"),
                ("From", "+15550001000"),
                ("Twiml", "hello"),
            ],
            20001,
        ),
        (
            vec![
                ("To", "+15550002000"),
                ("From", "+15550001000"),
                ("Twiml", TWIML),
                ("StatusCallback", "nope"),
            ],
            21609,
        ),
        (
            vec![
                ("To", "+15550002000"),
                ("From", "+15550001000"),
                ("Twiml", TWIML),
                ("StatusCallbackEvent", "hungup"),
            ],
            20001,
        ),
        (
            vec![
                ("To", "+15550002000"),
                ("From", "+15550001000"),
                ("Twiml", TWIML),
                ("Method", "PUT"),
            ],
            20001,
        ),
    ];
    for (form, code) in cases {
        let e = s.post(&calls(&s), &form).expect_error(400);
        assert_eq!(e["code"], code, "{form:?}: {e}");
    }
    s.post(
        &calls(&s),
        &[
            ("To", "client:alice"),
            ("From", "+15550001000"),
            ("Twiml", TWIML),
        ],
    )
    .expect(201);
    let missing = one(&s, &format!("CA{}", "0".repeat(32)));
    assert_eq!(s.get(&missing).expect_error(404)["code"], 20404);
    assert_eq!(s.delete(&missing).expect_error(404)["code"], 20404);
    let sid = s.get(&calls(&s)).expect(200).json()["calls"][0]["sid"]
        .as_str()
        .unwrap()
        .to_string();
    for (k, v) in [("Status", "ringing"), ("Url", "ftp://x"), ("Twiml", "x")] {
        let r = s.post(&one(&s, &sid), &[(k, v)]);
        assert!(r.status == 400, "{k}={v}: {} {}", r.status, r.text());
    }
    for q in ["Status=ajar", "StartTime=noon", "EndTime%3E=2026-02-30x"] {
        let r = s.get(&format!("{}?{q}", calls(&s)));
        assert_eq!(r.status, 400, "{q}: {}", r.text());
    }
    // Unknown or unparseable carrier reports are ignored, never a 5xx.
    s.post(
        "/webhooks/calls/status",
        &[("CallSid", "CAunknown"), ("CallStatus", "completed")],
    )
    .expect(204);
    s.post(
        "/webhooks/calls/status",
        &[("CallSid", "CAunknown"), ("CallStatus", "weird")],
    )
    .expect(204);
    assert_eq!(
        s.post("/webhooks/calls/status", &[]).expect_error(400)["code"],
        20001
    );
}
