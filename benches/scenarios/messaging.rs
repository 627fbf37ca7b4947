//! Scenario 4: inbound SMS → Studio step → reply, over the real HTTP server. A Flex Flow with the
//! Studio integration sends every message of `CONVERSATIONS` customers into a flow whose
//! send-and-wait-for-reply widget loops on itself, so each inbound message resumes the waiting
//! execution and sends exactly one reply. The reply leaves through the outbox to a carrier stub
//! in this process; a round trip is timed from the inbound POST to the carrier receiving the reply.
//!
//! Two loads: **closed** (`measure`: each customer sends, waits for the reply, sends again, so
//! `CONVERSATIONS` round trips are always in flight and p99 is Little's law as much as service
//! time) and **open** (`measure_open`: messages arrive at a fixed rate whatever the replies do, the
//! way customers write; each reply is timed from its message's *scheduled* send time, so a box
//! that falls behind shows it in the latency instead of slowing the load down — no coordinated
//! omission).

use crate::loadgen::Conn;
use crate::percentile_ms;
use crossbeam_channel::{Receiver, Sender};
use serde_json::json;
use std::collections::{HashMap, VecDeque};
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

pub struct OpenOutcome {
    /// Messages per second offered (scheduled), and replies per second from the load's start to
    /// the last reply (below the offered rate when the box falls behind).
    pub offered_per_s: f64,
    pub replied_per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub round_trips: u64,
    /// Messages whose reply had not come 10 s after the load ended.
    pub lost: u64,
}

/// A carrier stub: answers `Messages.json` POSTs and tells the customer's client a reply came
/// (and when it came).
pub fn carrier(threads: usize, waiters: HashMap<String, Sender<Instant>>) -> String {
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
                    let _ = w.send(Instant::now());
                }
                n += 1;
                let reply = format!("{{\"sid\": \"SM{n:032x}\", \"status\": \"queued\"}}");
                let _ = rq.respond(tiny_http::Response::from_string(reply).with_status_code(201));
            }
        });
    }
    url
}

/// Each customer's number with the channel its replies arrive on.
pub type Customers = Vec<(String, Receiver<Instant>)>;

pub fn customers() -> (Customers, HashMap<String, Sender<Instant>>) {
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
                    send(c, i, &number, n)
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

/// One inbound message from `number` (its `n`-th), on the customer's connection; true if the
/// webhook took it.
fn send(c: &mut Conn, i: usize, number: &str, n: u64) -> bool {
    let body = crate::form(&[
        ("From", number),
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
}

/// Open load: `rate` messages per second in all, spread evenly over the customers (each writes
/// every `CONVERSATIONS / rate` seconds, the customers' phases staggered), for `dur`, after one
/// warm-up message each (which starts or resumes its execution); each reply is matched to its
/// customer's oldest unanswered message and timed from that message's scheduled time. `first`:
/// where this load's message numbers start (SIDs stay unique across loads on one server).
/// Gives the customers back for the next load.
pub fn measure_open(
    addr: &str,
    clients: Customers,
    first: u64,
    rate: f64,
    dur: Duration,
) -> (OpenOutcome, Customers) {
    let n = clients.len();
    let every = Duration::from_secs_f64(n as f64 / rate);
    let conns: Vec<Conn> = clients
        .iter()
        .map(|_| Conn::open(addr).expect("connect"))
        .collect();
    // Replies left over from an earlier load are not this one's.
    for (_, replies) in &clients {
        while replies.try_recv().is_ok() {}
    }
    let ready = Arc::new(Barrier::new(n));
    let threads: Vec<_> = clients
        .into_iter()
        .zip(conns)
        .enumerate()
        .map(|(i, ((number, replies), mut c))| {
            let ready = ready.clone();
            std::thread::spawn(move || {
                let warm = send(&mut c, i, &number, first)
                    && replies.recv_timeout(Duration::from_secs(10)).is_ok();
                ready.wait();
                let start = Instant::now();
                let phase = every.mul_f64(i as f64 / n as f64);
                let mut pending: VecDeque<Instant> = VecDeque::new();
                let (mut lat, mut lost, mut sent) = (Vec::new(), u64::from(!warm), 0u64);
                let mut last = start;
                let mut take =
                    |pending: &mut VecDeque<Instant>, at: Instant, lat: &mut Vec<u64>| {
                        if let Some(due) = pending.pop_front() {
                            lat.push(at.saturating_duration_since(due).as_micros() as u64);
                            last = last.max(at);
                        }
                    };
                loop {
                    let due = start + phase + every.mul_f64(sent as f64);
                    if due >= start + dur {
                        break;
                    }
                    while let Ok(at) = replies.try_recv() {
                        take(&mut pending, at, &mut lat);
                    }
                    let now = Instant::now();
                    if due > now {
                        std::thread::sleep(due - now);
                    }
                    pending.push_back(due);
                    sent += 1;
                    if !send(&mut c, i, &number, first + sent) || !warm {
                        pending.pop_back();
                        lost += 1;
                    }
                }
                while !pending.is_empty() {
                    match replies.recv_timeout(Duration::from_secs(10)) {
                        Ok(at) => take(&mut pending, at, &mut lat),
                        Err(_) => break,
                    }
                }
                lost += pending.len() as u64;
                (lat, lost, sent, (number, replies), start, last)
            })
        })
        .collect();
    let (mut lat, mut lost, mut sent, mut back) = (Vec::new(), 0, 0, Vec::new());
    let (mut began, mut ended) = (None::<Instant>, None::<Instant>);
    for t in threads {
        let (l, x, s, client, start, last) = t.join().expect("customer");
        lat.extend(l);
        lost += x;
        sent += s;
        back.push(client);
        began = Some(began.map_or(start, |b| b.min(start)));
        ended = Some(ended.map_or(last, |e| e.max(last)));
    }
    let secs = dur.as_secs_f64();
    let replied_secs = match (began, ended) {
        (Some(b), Some(e)) => e.saturating_duration_since(b).as_secs_f64().max(secs),
        _ => secs,
    };
    lat.sort_unstable();
    (
        OpenOutcome {
            offered_per_s: sent as f64 / secs,
            replied_per_s: lat.len() as f64 / replied_secs,
            p50_ms: percentile_ms(&lat, 50.0),
            p99_ms: percentile_ms(&lat, 99.0),
            round_trips: lat.len() as u64,
            lost,
        },
        back,
    )
}
