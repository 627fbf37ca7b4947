//! A small HTTP server a test runs to play the carrier (or any webhook receiver): it records
//! every request and answers with the status the test sets (`503` plays "down for maintenance",
//! `0` drops every connection unanswered).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub form: Vec<(String, String)>,
    pub status: u16,
    /// The `sid` answered (for 2xx), as the carrier's message SID.
    pub sid: String,
}

impl Received {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub struct Carrier {
    pub url: String,
    pub status: Arc<AtomicU16>,
    /// How long each answer waits after the request is recorded (ms): a carrier slower to
    /// answer than to report.
    pub delay_ms: Arc<std::sync::atomic::AtomicU64>,
    pub received: Arc<Mutex<Vec<Received>>>,
    /// The body of a refusal (status 300 and above).
    pub refusal: Arc<Mutex<String>>,
}

impl Carrier {
    /// Listens on `port` (0: any free one) and answers `status`.
    pub fn start_on(port: u16, status: u16) -> Carrier {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind the test carrier");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let status = Arc::new(AtomicU16::new(status));
        let received = Arc::new(Mutex::new(Vec::new()));
        let delay_ms = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let refusal = Arc::new(Mutex::new(
            "{\"code\": 20503, \"message\": \"down\"}".to_string(),
        ));
        let (st, rec, delay, why) = (
            status.clone(),
            received.clone(),
            delay_ms.clone(),
            refusal.clone(),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                if st.load(Ordering::SeqCst) == 0 {
                    // "Down": the connection is dropped before any answer.
                    rec.lock().unwrap().push(Received {
                        path: String::new(),
                        headers: Vec::new(),
                        form: Vec::new(),
                        status: 0,
                        sid: String::new(),
                    });
                    drop(stream);
                    continue;
                }
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                let path = line.split(' ').nth(1).unwrap_or("").to_string();
                let mut headers = Vec::new();
                let mut len = 0usize;
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                        break;
                    }
                    if let Some((k, v)) = h.split_once(':') {
                        if k.eq_ignore_ascii_case("content-length") {
                            len = v.trim().parse().unwrap_or(0);
                        }
                        headers.push((k.trim().to_string(), v.trim().to_string()));
                    }
                }
                let mut body = vec![0u8; len];
                let _ = reader.read_exact(&mut body);
                let form = String::from_utf8_lossy(&body)
                    .split('&')
                    .filter(|p| !p.is_empty())
                    .map(|p| {
                        let (k, v) = p.split_once('=').unwrap_or((p, ""));
                        (decode(k), decode(v))
                    })
                    .collect();
                let code = st.load(Ordering::SeqCst);
                let sid = {
                    let mut r = rec.lock().unwrap();
                    let sid = format!("SM{:032x}", r.len() + 1);
                    r.push(Received {
                        path,
                        headers,
                        form,
                        status: code,
                        sid: sid.clone(),
                    });
                    sid
                };
                std::thread::sleep(std::time::Duration::from_millis(
                    delay.load(Ordering::SeqCst),
                ));
                let reply = if code < 300 {
                    format!("{{\"sid\": \"{sid}\", \"status\": \"queued\"}}")
                } else {
                    why.lock().unwrap().clone()
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {code} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                    reply.len()
                );
            }
        });
        Carrier {
            url,
            status,
            delay_ms,
            received,
            refusal,
        }
    }

    pub fn start() -> Carrier {
        Carrier::start_on(0, 201)
    }

    /// Refuses from now on with `status` and Twilio's error `body` (`{"code": …, "message": …}`).
    pub fn refuse(&self, status: u16, body: &str) {
        *self.refusal.lock().unwrap() = body.to_string();
        self.set_status(status);
    }

    pub fn set_status(&self, code: u16) {
        self.status.store(code, Ordering::SeqCst);
    }

    pub fn requests(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Requests answered with a 2xx.
    pub fn accepted(&self) -> Vec<Received> {
        self.requests()
            .into_iter()
            .filter(|r| (200..300).contains(&r.status))
            .collect()
    }
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("00");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
