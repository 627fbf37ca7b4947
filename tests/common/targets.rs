//! Outbound targets for the tests of what the appliance calls (included with `#[path]` beside
//! `common/mod.rs`): a receiver that holds each request before answering and keeps what it was
//! sent, and the Studio flow whose make-http-request calls a URL and records the transition it took.
#![allow(dead_code)]

use crate::common::{json, wait_until, TestServer, Value};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A receiver on its own port that holds each request `delay` before answering 200.
pub struct Target {
    pub url: String,
    answered: Arc<AtomicUsize>,
    /// Each request's body and when it arrived, in arrival order.
    received: Arc<Mutex<Vec<(String, Instant)>>>,
}

impl Target {
    pub fn start(delay: Duration) -> Target {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let answered = Arc::new(AtomicUsize::new(0));
        let received = Arc::new(Mutex::new(Vec::new()));
        let (counter, log) = (answered.clone(), received.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let (counter, log) = (counter.clone(), log.clone());
                std::thread::spawn(move || {
                    let body = read_request_body(&mut stream);
                    log.lock().unwrap().push((body, Instant::now()));
                    // Playing a slow peer: the delay is the behaviour under test, not a wait.
                    std::thread::sleep(delay);
                    let _ = stream.write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                    counter.fetch_add(1, Ordering::SeqCst);
                });
            }
        });
        Target {
            url,
            answered,
            received,
        }
    }

    /// Requests answered so far.
    pub fn answered(&self) -> usize {
        self.answered.load(Ordering::SeqCst)
    }

    /// Requests received so far (answered or still held), with their bodies and arrival times.
    pub fn received(&self) -> Vec<(String, Instant)> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until `n` requests have arrived; answers their bodies and arrival times.
    pub fn wait_received(&self, n: usize, within: Duration) -> Vec<(String, Instant)> {
        wait_until(within, || {
            let r = self.received();
            (r.len() >= n).then_some(r)
        })
    }
}

/// Reads one request's head and its `Content-Length` body.
fn read_request_body(stream: &mut std::net::TcpStream) -> String {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                match stream.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            let body_end = buf.len().min(end + 4 + len);
            return String::from_utf8_lossy(&buf[end + 4..body_end]).into_owned();
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return String::new(),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A published flow whose make-http-request POSTs `n={{flow.data.n}}` to `url` (a URL, or a
/// template such as `{{flow.data.url}}`) and sets `flow.variables.outcome` to the transition it
/// took (`success` / `failed`).
pub fn http_flow(s: &TestServer, url: &str) -> String {
    let def = json!({
        "description": "outbound",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {},
             "transitions": [{"event": "incomingRequest", "next": "call"}]},
            {"name": "call", "type": "make-http-request",
             "properties": {"method": "POST", "url": url,
                            "content_type": "application/x-www-form-urlencoded;charset=utf-8",
                            "parameters": [{"key": "n", "value": "{{flow.data.n}}"}]},
             "transitions": [{"event": "success", "next": "ok"}, {"event": "failed", "next": "bad"}]},
            {"name": "ok", "type": "set-variables",
             "properties": {"variables": [{"key": "outcome", "value": "success"}]},
             "transitions": [{"event": "next"}]},
            {"name": "bad", "type": "set-variables",
             "properties": {"variables": [{"key": "outcome", "value": "failed"}]},
             "transitions": [{"event": "next"}]}
        ],
        "initial_state": "Trigger"
    });
    s.post(
        "/v2/Flows",
        &[
            ("FriendlyName", "outbound"),
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

/// Starts `flow` through the REST trigger for contact `to` (one active execution per contact)
/// with `flow.data` = `data`; answers the execution SID.
pub fn execute(s: &TestServer, flow: &str, to: &str, data: &Value) -> String {
    s.post(
        &format!("/v2/Flows/{flow}/Executions"),
        &[
            ("To", to),
            ("From", "+15550002222"),
            ("Parameters", &data.to_string()),
        ],
    )
    .expect(201)
    .json()["sid"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The execution's context once it has ended.
pub fn ended_context(s: &TestServer, flow: &str, sid: &str, within: Duration) -> Value {
    wait_until(within, || {
        let e = s
            .get(&format!("/v2/Flows/{flow}/Executions/{sid}"))
            .expect(200)
            .json();
        (e["status"] == "ended").then_some(())
    });
    s.get(&format!("/v2/Flows/{flow}/Executions/{sid}/Context"))
        .expect(200)
        .json()["context"]
        .clone()
}
