//! Scenario 4: inbound SMS → Studio step → reply, over the real HTTP server. A Flex Flow with the
//! Studio integration sends every message of `CONVERSATIONS` customers into a flow whose
//! send-and-wait-for-reply widget loops on itself, so each inbound message resumes the waiting
//! execution and sends exactly one reply. The reply leaves through the outbox to a carrier stub
//! in this process; a round trip is timed from the inbound POST to the carrier receiving the reply.

use crate::loadgen::Conn;
use crate::percentile_ms;
use crossbeam_channel::{Receiver, Sender};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

pub const CONVERSATIONS: usize = 200;
const OUR_NUMBER: &str = "+15550009999";

pub struct Outcome {
    pub round_trips_per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub round_trips: u64,
    pub lost: u64,
}

/// A carrier stub: answers `Messages.json` POSTs and tells the customer's client a reply came.
pub fn carrier(threads: usize, waiters: HashMap<String, Sender<()>>) -> String {
    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("carrier"));
    let url = format!("http://{}", server.server_addr().to_ip().expect("ip"));
    let waiters = Arc::new(waiters);
    for _ in 0..threads {
        let (s, waiters) = (server.clone(), waiters.clone());
        std::thread::spawn(move || {
            let mut n = 0u64;
            while let Ok(mut rq) = s.recv() {
                let mut body = String::new();
                let _ = rq.as_reader().read_to_string(&mut body);
                let to = body
                    .split('&')
                    .find_map(|p| p.strip_prefix("To="))
                    .map(|v| v.replace("%2B", "+"))
                    .unwrap_or_default();
                if let Some(w) = waiters.get(&to) {
                    let _ = w.send(());
                }
                n += 1;
                let reply = format!("{{\"sid\": \"SM{n:032x}\", \"status\": \"queued\"}}");
                let _ = rq.respond(tiny_http::Response::from_string(reply).with_status_code(201));
            }
        });
    }
    url
}

/// The customers' numbers and the channels their replies arrive on.
/// Each customer's number with the channel its replies arrive on.
pub type Customers = Vec<(String, Receiver<()>)>;

pub fn customers() -> (Customers, HashMap<String, Sender<()>>) {
    let mut clients = Vec::new();
    let mut waiters = HashMap::new();
    for i in 0..CONVERSATIONS {
        let number = format!("+1555100{i:04}");
        let (tx, rx) = crossbeam_channel::unbounded();
        waiters.insert(number.clone(), tx);
        clients.push((number, rx));
    }
    (clients, waiters)
}

/// Publishes the looping flow and points an SMS Flex Flow at it.
pub fn configure(addr: &str, auth: &str) {
    let flow = json!({
        "description": "echo loop",
        "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": true},
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0, "y": 0}},
             "transitions": [{"event": "incomingMessage", "next": "ask"}, {"event": "incomingCall"},
                             {"event": "incomingConversationMessage", "next": "ask"},
                             {"event": "incomingRequest"}, {"event": "incomingParent"}]},
            {"name": "ask", "type": "send-and-wait-for-reply",
             "properties": {"offset": {"x": 0, "y": 200}, "body": "You said: {{trigger.message.Body}}. Anything else?", "timeout": "3600"},
             "transitions": [{"event": "incomingMessage", "next": "ask"}, {"event": "timeout"}, {"event": "deliveryFailure"}]}
        ]
    });
    let mut c = Conn::open(addr).expect("connect");
    let h = [
        ("Authorization", auth.to_string()),
        (
            "Content-Type",
            "application/x-www-form-urlencoded".to_string(),
        ),
    ];
    let body = crate::form(&[
        ("FriendlyName", "bench loop"),
        ("Status", "published"),
        ("Definition", &flow.to_string()),
    ]);
    let (st, b) = c
        .call("POST", "/v2/Flows", &h, body.as_bytes())
        .expect("flow");
    assert_eq!(st, 201, "{}", String::from_utf8_lossy(&b));
    let v: serde_json::Value = serde_json::from_slice(&b).expect("json");
    let flow_sid = v["sid"].as_str().expect("sid").to_string();
    let body = crate::form(&[
        ("FriendlyName", "bench sms"),
        ("ChannelType", "sms"),
        ("ContactIdentity", OUR_NUMBER),
        ("IntegrationType", "studio"),
        ("Integration.FlowSid", &flow_sid),
    ]);
    let (st, b) = c
        .call("POST", "/v1/FlexFlows", &h, body.as_bytes())
        .expect("flex flow");
    assert_eq!(st, 201, "{}", String::from_utf8_lossy(&b));
}

/// Every customer sends one message and waits for its reply, for `dur` (after one warm-up round
/// that starts each conversation and its execution).
pub fn measure(addr: &str, clients: Customers, dur: Duration) -> Outcome {
    let ready = Arc::new(Barrier::new(clients.len() + 1));
    let go = Arc::new(Barrier::new(clients.len() + 1));
    // Connections are opened one after another (200 connects at once overflow the listen queue).
    let conns: Vec<Conn> = clients
        .iter()
        .map(|_| Conn::open(addr).expect("connect"))
        .collect();
    let threads: Vec<_> = clients
        .into_iter()
        .zip(conns)
        .enumerate()
        .map(|(i, ((number, replies), mut c))| {
            let (ready, go) = (ready.clone(), go.clone());
            std::thread::spawn(move || {
                let mut n = 0u64;
                let mut send = |c: &mut Conn| {
                    n += 1;
                    let body = crate::form(&[
                        ("From", &number),
                        ("To", OUR_NUMBER),
                        ("Body", &format!("message {n}")),
                        ("MessageSid", &format!("SM{i:08x}{n:024x}")),
                    ]);
                    let h = [(
                        "Content-Type",
                        "application/x-www-form-urlencoded".to_string(),
                    )];
                    matches!(
                        c.call("POST", "/webhooks/messaging", &h, body.as_bytes()),
                        Some((200, _))
                    )
                };
                let wait = Duration::from_secs(10);
                let warm = send(&mut c) && replies.recv_timeout(wait).is_ok();
                ready.wait();
                go.wait();
                let start = Instant::now();
                let mut lat = Vec::new();
                let mut lost = u64::from(!warm);
                while warm && start.elapsed() < dur {
                    let t = Instant::now();
                    if !send(&mut c) || replies.recv_timeout(wait).is_err() {
                        lost += 1;
                        break;
                    }
                    lat.push(t.elapsed().as_micros() as u64);
                }
                (lat, lost)
            })
        })
        .collect();
    ready.wait();
    go.wait();
    let start = Instant::now();
    let mut lat = Vec::new();
    let mut lost = 0;
    for t in threads {
        let (l, x) = t.join().expect("client");
        lat.extend(l);
        lost += x;
    }
    let secs = start.elapsed().as_secs_f64();
    lat.sort_unstable();
    Outcome {
        round_trips_per_s: lat.len() as f64 / secs,
        p50_ms: percentile_ms(&lat, 50.0),
        p99_ms: percentile_ms(&lat, 99.0),
        round_trips: lat.len() as u64,
        lost,
    }
}
