//! Issue 7 (Voice): a carrier simulator plays Twilio's part against the real binary. It posts
//! the call webhook (signed), checks every TwiML document is well-formed with Twilio's verbs and
//! attributes, follows `<Gather action>` with digits, and receives the call-update request that
//! bridges the caller to the agent's `contact_uri`. A caller who hangs up while queued cancels
//! the task.

mod common;
mod studio_common;
use common::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use studio_common::*;

const PROVIDER_SID: &str = "AC11111111111111111111111111111111";
const PROVIDER_TOKEN: &str = "carrier-token";
const CALL_SID: &str = "CA22222222222222222222222222222222";
const CALLER: &str = "+15557770001";
const OFFICE: &str = "+15550000000";

/// A request the carrier received from the appliance.
#[derive(Debug, Clone)]
struct Seen {
    line: String,
    auth: String,
    body: String,
}

/// The carrier's REST API: records every request, answers 200 with a call resource.
fn carrier_api() -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let (mut line, mut auth, mut len) = (String::new(), String::new(), 0usize);
            reader.read_line(&mut line).unwrap();
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
                let lower = h.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
                if lower.starts_with("authorization:") {
                    auth = h["authorization:".len()..].trim().to_string();
                }
            }
            let mut body = vec![0u8; len];
            let _ = reader.read_exact(&mut body);
            log.lock().unwrap().push(Seen {
                line: line.trim().to_string(),
                auth,
                body: String::from_utf8_lossy(&body).into_owned(),
            });
            let answer = format!("{{\"sid\": \"{CALL_SID}\", \"status\": \"in-progress\"}}");
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    (format!("http://{addr}"), seen)
}

/// The carrier's webhook request, signed; answers the TwiML after checking it is well-formed.
fn webhook(s: &TestServer, path: &str, params: &[(&str, &str)]) -> String {
    let url = format!("http://{}{path}", s.addr);
    let doc = s
        .signed_post(PROVIDER_TOKEN, &url, path, params)
        .expect(200)
        .text();
    well_formed(&doc);
    doc
}

/// A small XML checker: the prolog, then properly nested elements with quoted attributes, and
/// no raw `<` or stray `&` in text.
fn well_formed(doc: &str) {
    let rest = doc
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        .unwrap_or_else(|| panic!("no XML prolog: {doc}"));
    let mut stack: Vec<String> = Vec::new();
    let mut i = 0;
    let b = rest.as_bytes();
    let check_text = |t: &str| {
        for (k, _) in t.match_indices('&') {
            let ent = &t[k..];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
                    .iter()
                    .any(|e| ent.starts_with(e)),
                "stray & in {doc}"
            );
        }
    };
    while i < b.len() {
        if b[i] == b'<' {
            let end = rest[i..].find('>').map(|e| i + e).expect("unclosed tag");
            let tag = &rest[i + 1..end];
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop().as_deref(), Some(name), "mis-nested in {doc}");
            } else {
                let self_closing = tag.ends_with('/');
                let tag = tag.trim_end_matches('/');
                let name = tag.split_whitespace().next().unwrap();
                let attrs = &tag[name.len()..];
                // Attributes: name="value" pairs.
                let mut a = attrs.trim();
                while !a.is_empty() {
                    let eq = a
                        .find("=\"")
                        .unwrap_or_else(|| panic!("bad attribute in {tag}"));
                    let close = a[eq + 2..].find('"').unwrap() + eq + 2;
                    check_text(&a[eq + 2..close]);
                    a = a[close + 1..].trim_start();
                }
                if !self_closing {
                    stack.push(name.to_string());
                }
            }
            i = end + 1;
        } else {
            let end = rest[i..].find('<').map(|e| i + e).unwrap_or(b.len());
            check_text(&rest[i..end]);
            i = end;
        }
    }
    assert!(stack.is_empty(), "unclosed elements {stack:?} in {doc}");
    assert!(rest.starts_with("<Response"), "{doc}");
}

fn attr(doc: &str, element: &str, name: &str) -> String {
    let start = doc
        .find(&format!("<{element}"))
        .unwrap_or_else(|| panic!("no {element} in {doc}"));
    let rest = &doc[start..doc[start..].find('>').unwrap() + start];
    let key = format!(" {name}=\"");
    let a = rest
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in {rest}"))
        + key.len();
    rest[a..a + rest[a..].find('"').unwrap()].replace("&amp;", "&")
}

fn voice_server() -> (TestServer, Arc<Mutex<Vec<Seen>>>) {
    let (url, seen) = carrier_api();
    let s = TestServer::start_with(&[
        ("SWITCHBOARD_PROVIDER_URL", &url),
        ("SWITCHBOARD_PROVIDER_SID", PROVIDER_SID),
        ("SWITCHBOARD_PROVIDER_TOKEN", PROVIDER_TOKEN),
    ]);
    (s, seen)
}

fn ivr(s: &TestServer) -> String {
    let v = s.get("/v2/Flows").expect(200).json();
    v["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["friendly_name"] == "Voice IVR")
        .unwrap()["sid"]
        .as_str()
        .unwrap()
        .to_string()
}

/// An available worker with these attributes.
fn worker(s: &TestServer, name: &str, attributes: Value) -> String {
    let (ws, _) = flex_workspace(s);
    let acts = s
        .get(&format!("/v1/Workspaces/{ws}/Activities"))
        .expect(200)
        .json();
    let available = acts["activities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["friendly_name"] == "Available")
        .unwrap()["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let w = s
        .post(
            &format!("/v1/Workspaces/{ws}/Workers"),
            &[
                ("FriendlyName", name),
                ("Attributes", &attributes.to_string()),
                ("ActivitySid", &available),
            ],
        )
        .expect(201)
        .json();
    w["sid"].as_str().unwrap().to_string()
}

fn reservations(s: &TestServer, task: &str) -> Vec<Value> {
    let (ws, _) = flex_workspace(s);
    let v = s
        .get(&format!("/v1/Workspaces/{ws}/Tasks/{task}/Reservations"))
        .expect(200)
        .json();
    v["reservations"].as_array().unwrap().clone()
}

/// The caller dials in and presses 2; answers the task's SID and the Enqueue document.
fn call_and_press_2(s: &TestServer) -> (String, String) {
    let hook = format!("/v1/Accounts/{}/Flows/{}", s.sid, ivr(s));
    let call = [
        ("AccountSid", PROVIDER_SID),
        ("CallSid", CALL_SID),
        ("From", CALLER),
        ("To", OFFICE),
        ("CallStatus", "ringing"),
        ("Direction", "inbound"),
    ];
    let greeting = webhook(s, &hook, &call);
    assert_eq!(attr(&greeting, "Gather", "numDigits"), "1");
    assert_eq!(attr(&greeting, "Gather", "method"), "POST");
    assert_eq!(attr(&greeting, "Gather", "timeout"), "5");
    assert!(greeting.contains("<Say"), "{greeting}");
    let action = attr(&greeting, "Gather", "action");
    let queued = webhook(
        s,
        &action,
        &[("CallSid", CALL_SID), ("Digits", "2"), ("From", CALLER)],
    );
    assert_eq!(attr(&queued, "Enqueue", "waitUrl"), "/webhooks/voice/hold");
    assert_eq!(attr(&queued, "Enqueue", "waitUrlMethod"), "POST");
    let start = queued.find("<Enqueue").unwrap();
    let body = &queued[queued[start..].find('>').unwrap() + start + 1..];
    let task = body[..body.find("</Enqueue>").unwrap()].to_string();
    assert!(task.starts_with("WT"), "{queued}");
    (task, queued)
}

#[test]
fn caller_presses_2_and_is_bridged_to_the_support_agent() {
    let (s, seen) = voice_server();
    let agent = worker(
        &s,
        "Sam",
        json!({"contact_uri": "sip:sam@office.example", "department": "support"}),
    );
    let (task_sid, _) = call_and_press_2(&s);
    let t = task(&s, &task_sid);
    let attrs: Value = serde_json::from_str(t["attributes"].as_str().unwrap()).unwrap();
    assert_eq!(attrs["department"], "support");
    assert_eq!(attrs["call_sid"], CALL_SID);
    assert_eq!(t["task_channel_unique_name"], "voice");
    // Hold music while waiting.
    let hold = webhook(
        &s,
        "/webhooks/voice/hold",
        &[("CallSid", CALL_SID), ("QueuePosition", "1")],
    );
    let music = hold[hold.find("<Play loop=\"0\">").unwrap() + 15..hold.find("</Play>").unwrap()]
        .to_string();
    assert_eq!(
        music,
        format!("http://{}/webhooks/voice/hold-music.wav", s.addr)
    );
    let wav = s
        .request("GET", "/webhooks/voice/hold-music.wav", &[], b"")
        .expect(200);
    assert_eq!(wav.header("Content-Type"), Some("audio/wav"));
    assert_eq!(&wav.body[..4], b"RIFF");
    // The agent is offered the call and accepts it.
    let r = wait_until(WAIT, || {
        reservations(&s, &task_sid)
            .into_iter()
            .find(|r| r["reservation_status"] == "pending")
    });
    assert_eq!(r["worker_sid"], agent);
    let (ws, _) = flex_workspace(&s);
    s.post(
        &format!(
            "/v1/Workspaces/{ws}/Tasks/{task_sid}/Reservations/{}",
            r["sid"].as_str().unwrap()
        ),
        &[("ReservationStatus", "accepted")],
    )
    .expect(200);
    // The carrier receives the bridge: the call updated with a Dial to the agent's SIP address.
    let bridge = wait_until(WAIT, || seen.lock().unwrap().first().cloned());
    assert_eq!(
        bridge.line,
        format!("POST /2010-04-01/Accounts/{PROVIDER_SID}/Calls/{CALL_SID}.json HTTP/1.1")
    );
    assert_eq!(bridge.auth, basic(PROVIDER_SID, PROVIDER_TOKEN));
    let form: Vec<(String, String)> = bridge
        .body
        .split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            let dec = |x: &str| {
                let x = x.replace('+', " ");
                let mut out = Vec::new();
                let bytes = x.as_bytes();
                let mut i = 0;
                while i < bytes.len() {
                    if bytes[i] == b'%' {
                        out.push(u8::from_str_radix(&x[i + 1..i + 3], 16).unwrap());
                        i += 3;
                    } else {
                        out.push(bytes[i]);
                        i += 1;
                    }
                }
                String::from_utf8(out).unwrap()
            };
            (dec(k), dec(v))
        })
        .collect();
    let twiml = &form.iter().find(|(k, _)| k == "Twiml").unwrap().1;
    well_formed(twiml);
    assert!(
        twiml.contains(&format!(
            "<Dial callerId=\"{OFFICE}\"><Sip>sip:sam@office.example</Sip></Dial>"
        )),
        "{twiml}"
    );
    assert_eq!(task(&s, &task_sid)["assignment_status"], "assigned");
    // The call ends: the task moves to wrapping.
    webhook(
        &s,
        "/webhooks/voice/status",
        &[("CallSid", CALL_SID), ("CallStatus", "completed")],
    );
    assert_eq!(task(&s, &task_sid)["assignment_status"], "wrapping");
}

#[test]
fn caller_hanging_up_while_queued_cancels_the_task() {
    let (s, _seen) = voice_server();
    // An agent without the IVR's business gets offered the call, then the caller hangs up.
    worker(&s, "Kim", json!({"contact_uri": "+15559990000"}));
    let (task_sid, _) = call_and_press_2(&s);
    wait_until(WAIT, || {
        reservations(&s, &task_sid)
            .into_iter()
            .find(|r| r["reservation_status"] == "pending")
    });
    webhook(
        &s,
        "/webhooks/voice/status",
        &[("CallSid", CALL_SID), ("CallStatus", "completed")],
    );
    let t = task(&s, &task_sid);
    assert_eq!(t["assignment_status"], "canceled");
    assert!(t["reason"].as_str().unwrap().contains("hung up"), "{t}");
    let pending: Vec<_> = reservations(&s, &task_sid)
        .into_iter()
        .filter(|r| r["reservation_status"] == "pending")
        .collect();
    assert!(pending.is_empty(), "{pending:?}");
    // An unsigned status callback is refused.
    let r = s.request(
        "POST",
        "/webhooks/voice/status",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form_encode(&[("CallSid", CALL_SID), ("CallStatus", "completed")]).as_bytes(),
    );
    assert_eq!(r.status, 403);
}

#[test]
fn hanging_up_in_the_ivr_ends_the_execution() {
    let (s, _seen) = voice_server();
    let flow = ivr(&s);
    let hook = format!("/v1/Accounts/{}/Flows/{flow}", s.sid);
    let greeting = webhook(
        &s,
        &hook,
        &[("CallSid", CALL_SID), ("From", CALLER), ("To", OFFICE)],
    );
    let action = attr(&greeting, "Gather", "action");
    let exec = action
        .split("ExecutionSid=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    webhook(
        &s,
        "/webhooks/voice/status",
        &[("CallSid", CALL_SID), ("CallStatus", "completed")],
    );
    let e = s
        .get(&format!("/v2/Flows/{flow}/Executions/{exec}"))
        .expect(200)
        .json();
    assert_eq!(e["status"], "ended");
    // A late gather answer for the ended call is told so, not a 500.
    let late = webhook(&s, &action, &[("CallSid", CALL_SID), ("Digits", "1")]);
    assert!(late.contains("<Response"), "{late}");
    // Unknown calls' status callbacks are accepted and ignored.
    webhook(
        &s,
        "/webhooks/voice/status",
        &[("CallSid", "CA0"), ("CallStatus", "busy")],
    );
}
