//! Issue 18 item 6: Api 2010 Messages on the real binary — the simulated carrier (no carrier
//! configured), a real carrier through the outbox and its status callbacks, the caller's
//! `StatusCallback` (through the outbound guard), list filters, redaction, cancel and delete, and
//! bad input answered with Twilio's error codes (never a 5xx).

mod carrier;
mod common;
use carrier::Carrier;
use common::*;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

fn messages(s: &TestServer) -> String {
    format!("{}/Messages.json", s.account_path())
}

fn one(s: &TestServer, sid: &str) -> String {
    format!("{}/Messages/{sid}.json", s.account_path())
}

fn status_of(s: &TestServer, sid: &str) -> String {
    s.get(&one(s, sid)).expect(200).json()["status"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The statuses posted to a receiver for `sid`, in order.
fn posted(rx: &Carrier, sid: &str) -> Vec<String> {
    rx.requests()
        .iter()
        .filter(|r| r.param("MessageSid") == Some(sid))
        .map(|r| r.param("MessageStatus").unwrap_or("").to_string())
        .collect()
}

#[test]
fn with_no_carrier_the_simulated_one_delivers_and_the_status_callback_hears_each_state() {
    let rx = Carrier::start_on(0, 200);
    let s = TestServer::start();
    let cb = format!("{}/status", rx.url);
    let m = s
        .post(
            &messages(&s),
            &[
                ("To", "+15550002000"),
                ("From", "+15550001000"),
                ("Body", "Your order has shipped"),
                ("StatusCallback", &cb),
            ],
        )
        .expect(201)
        .json();
    let sid = m["sid"].as_str().unwrap().to_string();
    assert!(sid.starts_with("SM") && sid.len() == 34, "{m}");
    assert_eq!(m["status"], "queued");
    assert_eq!(m["direction"], "outbound-api");
    assert_eq!(m["date_sent"], Value::Null);
    assert_eq!(m["num_segments"], "1");
    assert_eq!(
        m["uri"],
        format!("{}/Messages/{sid}.json", s.account_path())
    );
    wait_until(WAIT, || (status_of(&s, &sid) == "delivered").then_some(()));
    let got = s.get(&one(&s, &sid)).expect(200).json();
    assert!(
        got["date_sent"].as_str().unwrap().ends_with("+0000"),
        "{got}"
    );
    let seen = wait_until(WAIT, || {
        let p = posted(&rx, &sid);
        (p.len() >= 3).then_some(p)
    });
    assert_eq!(seen, ["queued", "sent", "delivered"]);
    let r = &rx.requests()[0];
    assert_eq!(r.path, "/status");
    assert_eq!(r.param("To"), Some("+15550002000"));
    assert_eq!(r.param("AccountSid"), Some(s.sid.as_str()));
    assert!(r.header("X-Twilio-Signature").is_some());
}

#[test]
fn a_real_carrier_gets_the_message_and_its_callbacks_move_the_status() {
    let carrier = Carrier::start();
    let s = TestServer::start_with(&[
        ("SWITCHBOARD_PROVIDER_URL", &carrier.url),
        ("SWITCHBOARD_PUBLIC_URL", "https://box.example.com"),
        ("SWITCHBOARD_RETRY_BASE_MS", "50"),
    ]);
    let send = |to: &str, body: &str| {
        s.post(
            &messages(&s),
            &[("To", to), ("From", "+15550001000"), ("Body", body)],
        )
        .expect(201)
        .json()["sid"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let first = send("+15550002000", "one");
    let second = send("+15550003000", "two");
    let mut sent = wait_until(WAIT, || {
        let a = carrier.accepted();
        (a.len() >= 2).then_some(a)
    });
    // Messages to different people leave side by side: in any order.
    sent.sort_by_key(|r| r.param("Body").map(str::to_string));
    assert_eq!(
        sent[0].path,
        format!("/2010-04-01/Accounts/{}/Messages.json", s.sid)
    );
    assert_eq!(sent[0].param("Body"), Some("one"));
    // Our request's SID rides in the callback URL (a report may come before the answer).
    let cb = sent[0].param("StatusCallback").unwrap();
    assert!(
        cb.starts_with("https://box.example.com/webhooks/messaging/status?Ref=OB"),
        "{cb}"
    );
    // The carrier's reports name its SIDs, which the box learns from its answers.
    for sid in [&first, &second] {
        wait_until(WAIT, || (status_of(&s, sid) == "sent").then_some(()));
    }
    let callback = |provider: &str, status: &str, code: Option<&str>| {
        let mut f = vec![("MessageSid", provider), ("MessageStatus", status)];
        if let Some(c) = code {
            f.push(("ErrorCode", c));
        }
        s.post("/webhooks/messaging/status", &f).expect(204);
    };
    callback(&sent[0].sid, "delivered", None);
    callback(&sent[1].sid, "undelivered", Some("30003"));
    // A stale report (sent after delivered) changes nothing.
    callback(&sent[0].sid, "sent", None);
    assert_eq!(status_of(&s, &first), "delivered");
    let m = s.get(&one(&s, &second)).expect(200).json();
    assert_eq!(m["status"], "undelivered");
    assert_eq!(m["error_code"], 30003);

    // Filters: To, From, DateSent (today, on or after, on or before yesterday).
    let list = |q: &str| s.get(&format!("{}?{q}", messages(&s))).expect(200).json();
    let v = list("To=%2B15550003000");
    assert_eq!(v["messages"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["messages"][0]["sid"], second.as_str());
    assert_eq!(v["page"], 0);
    assert_eq!(v["start"], 0);
    assert!(v["uri"].as_str().unwrap().contains("To=%2B15550003000"));
    assert_eq!(
        list("From=%2B15550001000")["messages"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let today = s.get(&one(&s, &first)).expect(200).json()["date_sent"].clone();
    let day = chrono_day(today.as_str().unwrap());
    assert_eq!(
        list(&format!("DateSent={day}"))["messages"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        list(&format!("DateSent%3E={day}"))["messages"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        list("DateSent%3C=2001-01-01")["messages"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let paged = list("PageSize=1");
    assert_eq!(paged["messages"][0]["sid"], second.as_str(), "newest first");
    assert!(paged["next_page_uri"].as_str().unwrap().contains("Page=1"));

    // Redact, then delete; a deleted message is a 404.
    let r = s.post(&one(&s, &first), &[("Body", "")]).expect(200).json();
    assert_eq!(r["body"], "");
    s.delete(&one(&s, &first)).expect(204);
    let e = s.get(&one(&s, &first)).expect_error(404);
    assert_eq!(e["code"], 20404);
}

/// The day (`YYYY-MM-DD`) of an RFC 2822 date such as `Fri, 04 Dec 2026 18:45:00 +0000`.
fn chrono_day(rfc: &str) -> String {
    let parts: Vec<&str> = rfc.split_whitespace().collect();
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m = months.iter().position(|x| *x == parts[2]).unwrap() + 1;
    format!("{}-{m:02}-{}", parts[3], parts[1])
}

#[test]
fn a_message_the_carrier_has_not_taken_can_be_canceled_but_not_deleted() {
    // A carrier that is down keeps the message queued.
    let carrier = Carrier::start_on(0, 503);
    let s = TestServer::start_with(&[
        ("SWITCHBOARD_PROVIDER_URL", &carrier.url),
        ("SWITCHBOARD_RETRY_BASE_MS", "5000"),
    ]);
    let m = s
        .post(
            &messages(&s),
            &[
                ("To", "+15550002000"),
                ("From", "+15550001000"),
                ("Body", "hi"),
            ],
        )
        .expect(201)
        .json();
    let sid = m["sid"].as_str().unwrap();
    wait_until(WAIT, || (!carrier.requests().is_empty()).then_some(()));
    let e = s.delete(&one(&s, sid)).expect_error(409);
    assert_eq!(e["code"], 20009);
    let c = s
        .post(&one(&s, sid), &[("Status", "canceled")])
        .expect(200)
        .json();
    assert_eq!(c["status"], "canceled");
    let e = s
        .post(&one(&s, sid), &[("Status", "canceled")])
        .expect_error(400);
    assert_eq!(e["code"], 30409);
    // Once the carrier is back, the canceled message is not sent.
    carrier.set_status(201);
    s.advance_clock(120_000);
    std::thread::sleep(Duration::from_millis(300));
    assert!(carrier.accepted().is_empty());
    s.delete(&one(&s, sid)).expect(204);
}

#[test]
fn bad_input_is_answered_with_twilios_codes_never_a_5xx() {
    let s = TestServer::start();
    let long = "x".repeat(1601);
    let cases: Vec<(Vec<(&str, &str)>, u32)> = vec![
        (vec![("From", "+15550001000"), ("Body", "hi")], 21604),
        (
            vec![("To", "12"), ("From", "+15550001000"), ("Body", "hi")],
            21211,
        ),
        (
            vec![("To", "+1555abc"), ("From", "+15550001000"), ("Body", "hi")],
            21211,
        ),
        (vec![("To", "+15550002000"), ("Body", "hi")], 21603),
        (
            vec![("To", "+15550002000"), ("From", "+1-555-"), ("Body", "hi")],
            21212,
        ),
        (
            vec![
                ("To", "whatsapp:+15550002000"),
                ("From", "+15550001000"),
                ("Body", "hi"),
            ],
            21606,
        ),
        (
            vec![("To", "+15550002000"), ("From", "+15550001000")],
            21602,
        ),
        (
            vec![
                ("To", "+15550002000"),
                ("From", "+15550001000"),
                ("Body", &long),
            ],
            21617,
        ),
        (
            vec![
                ("To", "+15550002000"),
                ("From", "+15550001000"),
                ("MediaUrl", "ftp://x/cat.png"),
            ],
            21620,
        ),
        (
            vec![
                ("To", "+15550002000"),
                ("From", "+15550001000"),
                ("Body", "hi"),
                ("StatusCallback", "not a url"),
            ],
            21609,
        ),
        (
            vec![
                ("To", "+15550002000"),
                ("MessagingServiceSid", "MG1"),
                ("Body", "hi"),
            ],
            21701,
        ),
    ];
    for (form, code) in cases {
        let e = s.post(&messages(&s), &form).expect_error(400);
        assert_eq!(e["code"], code, "{form:?}: {e}");
        assert!(e["more_info"].as_str().unwrap().contains(&code.to_string()));
    }
    // An alphanumeric sender ID and a WhatsApp pair are fine.
    s.post(
        &messages(&s),
        &[("To", "+445550002000"), ("From", "Acme"), ("Body", "hi")],
    )
    .expect(201);
    s.post(
        &messages(&s),
        &[
            ("To", "whatsapp:+15550002000"),
            ("From", "whatsapp:+15550001000"),
            ("MediaUrl", "https://example.com/cat.png"),
        ],
    )
    .expect(201);
    let missing = one(&s, &format!("SM{}", "0".repeat(32)));
    assert_eq!(s.get(&missing).expect_error(404)["code"], 20404);
    assert_eq!(s.delete(&missing).expect_error(404)["code"], 20404);
    assert_eq!(
        s.post(&missing, &[("Body", "")]).expect_error(404)["code"],
        20404
    );
    let other = format!("/2010-04-01/Accounts/AC{}/Messages.json", "1".repeat(32));
    s.get(&other).expect_error(404);
    let m = s.get(&messages(&s)).expect(200).json();
    let sid = m["messages"][0]["sid"].as_str().unwrap().to_string();
    for (k, v) in [("Body", "new text"), ("Status", "sent")] {
        let e = s.post(&one(&s, &sid), &[(k, v)]).expect_error(400);
        assert_eq!(e["code"], 20001, "{k}={v}: {e}");
    }
    for q in ["DateSent=yesterday", "DateSent%3C=2026-13-01", "PageSize=0"] {
        let r = s.get(&format!("{}?{q}", messages(&s)));
        assert_eq!(r.status, 400, "{q}: {}", r.text());
    }
    // The Twilio-shaped 401 without credentials.
    let r = http(&s.addr, "GET", &messages(&s), &[], b"").unwrap();
    assert_eq!(r.status, 401);
}

#[test]
fn a_status_callback_to_a_private_address_is_refused_by_the_outbound_guard() {
    let rx = Carrier::start_on(0, 200);
    let s = TestServer::start_with(&[("SWITCHBOARD_ALLOW_OUTBOUND", "none")]);
    let cb = format!("{}/status", rx.url);
    let m = s
        .post(
            &messages(&s),
            &[
                ("To", "+15550002000"),
                ("From", "+15550001000"),
                ("Body", "hi"),
                ("StatusCallback", &cb),
            ],
        )
        .expect(201)
        .json();
    let sid = m["sid"].as_str().unwrap();
    wait_until(WAIT, || (status_of(&s, sid) == "delivered").then_some(()));
    std::thread::sleep(Duration::from_millis(300));
    assert!(rx.requests().is_empty(), "the loopback receiver was called");
}

/// Issue 18: the carrier reports a status before its answer to the send is recorded (a carrier
/// quicker to report than to answer): the report is not lost, it finds the message by the
/// request named in its callback URL, and the answer recorded afterwards moves nothing back.
#[test]
fn a_status_report_that_comes_before_the_carriers_answer_is_kept() {
    let carrier = Carrier::start();
    carrier
        .delay_ms
        .store(1500, std::sync::atomic::Ordering::SeqCst);
    let s = TestServer::start_with(&[
        ("SWITCHBOARD_PROVIDER_URL", &carrier.url),
        ("SWITCHBOARD_PUBLIC_URL", "https://box.example.com"),
    ]);
    let sid = s
        .post(
            &messages(&s),
            &[
                ("To", "+15550002000"),
                ("From", "+15550001000"),
                ("Body", "hi"),
            ],
        )
        .expect(201)
        .json()["sid"]
        .as_str()
        .unwrap()
        .to_string();
    // The carrier has the request (and its SID) but has not answered yet.
    let asked = wait_until(WAIT, || carrier.requests().first().cloned());
    let cb = asked.param("StatusCallback").unwrap().to_string();
    let path = cb.strip_prefix("https://box.example.com").unwrap();
    s.post(
        path,
        &[
            ("MessageSid", asked.sid.as_str()),
            ("MessageStatus", "delivered"),
        ],
    )
    .expect(204);
    assert_eq!(status_of(&s, &sid), "delivered", "the early report counts");
    // The answer lands afterwards: the message stays delivered, under the carrier's SID.
    wait_until(WAIT, || (!carrier.accepted().is_empty()).then_some(()));
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(status_of(&s, &sid), "delivered");
    s.post(
        "/webhooks/messaging/status",
        &[
            ("MessageSid", asked.sid.as_str()),
            ("MessageStatus", "read"),
        ],
    )
    .expect(204);
    assert_eq!(status_of(&s, &sid), "read");
}
