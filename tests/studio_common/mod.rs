//! Helpers shared by the Studio tests: the corpus, flow and execution calls, a local HTTP backend.
#![allow(dead_code)]

use crate::common::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The corpus of real Studio flows (`../shared/corpus/studio-flows`, or `SWITCHBOARD_CORPUS`).
pub fn corpus() -> Vec<(String, Value)> {
    let candidates = [
        std::env::var("SWITCHBOARD_CORPUS").unwrap_or_default(),
        concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/studio-flows").to_string(),
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/corpus/studio-flows"
        )
        .to_string(),
    ];
    let dir = candidates
        .iter()
        .find(|d| !d.is_empty() && std::path::Path::new(d).is_dir())
        .expect("the studio-flows corpus (set SWITCHBOARD_CORPUS)");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, serde_json::from_str(&text).unwrap())
        })
        .collect()
}

pub const WAIT: Duration = Duration::from_secs(20);

pub fn create(s: &TestServer, name: &str, def: &Value) -> String {
    let v = s
        .post(
            "/v2/Flows",
            &[
                ("FriendlyName", name),
                ("Status", "published"),
                ("Definition", &def.to_string()),
            ],
        )
        .expect(201)
        .json();
    v["sid"].as_str().unwrap().to_string()
}

pub fn execute(s: &TestServer, flow: &str, to: &str, params: Value) -> Resp {
    s.post(
        &format!("/v2/Flows/{flow}/Executions"),
        &[
            ("To", to),
            ("From", "+15550000000"),
            ("Parameters", &params.to_string()),
        ],
    )
}

pub fn execution(s: &TestServer, flow: &str, sid: &str) -> Value {
    s.get(&format!("/v2/Flows/{flow}/Executions/{sid}"))
        .expect(200)
        .json()
}

pub fn steps(s: &TestServer, flow: &str, sid: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut url = format!("/v2/Flows/{flow}/Executions/{sid}/Steps?PageSize=1000");
    loop {
        let v = s.get(&url).expect(200).json();
        all.extend(v["steps"].as_array().unwrap().iter().cloned());
        match v["meta"]["next_page_url"].as_str() {
            Some(next) => url = next.split_once(&s.addr).unwrap().1.to_string(),
            None => return all,
        }
    }
}

/// `(name, from, to)` of each step.
pub fn path(steps: &[Value]) -> Vec<(String, String, String)> {
    steps
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["transitioned_from"].as_str().unwrap().to_string(),
                s["transitioned_to"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

pub fn p(name: &str, from: &str, to: &str) -> (String, String, String) {
    (name.into(), from.into(), to.into())
}

pub fn wait_ended(s: &TestServer, flow: &str, sid: &str) -> Value {
    wait_until(WAIT, || {
        let e = execution(s, flow, sid);
        (e["status"] == "ended").then_some(e)
    })
}

/// A message from `from` into the flow webhook (as the carrier would send it).
pub fn message(s: &TestServer, flow: &str, from: &str, body: &str) -> Resp {
    s.request(
        "POST",
        &format!("/v1/Accounts/{}/Flows/{flow}", s.sid),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form_encode(&[
            ("From", from),
            ("To", "+15550000000"),
            ("Body", body),
            ("MessageSid", "SM00000000000000000000000000000001"),
        ])
        .as_bytes(),
    )
}

/// A local HTTP server answering every request with JSON that echoes the request body; the
/// requests it saw are kept in order.
pub struct Backend {
    pub addr: String,
    pub seen: Arc<Mutex<Vec<String>>>,
}

pub fn backend() -> Backend {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
                head.push_str(&line);
            }
            let mut body = vec![0u8; len];
            let _ = reader.read_exact(&mut body);
            let body = String::from_utf8_lossy(&body).into_owned();
            let first = head.lines().next().unwrap_or("").to_string();
            log.lock().unwrap().push(format!("{first}\n{body}"));
            let answer = json!({"tier": "gold", "echo": body}).to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    Backend { addr, seen }
}

/// The seeded "Flex Task Assignment" workspace and its default workflow.
pub fn flex_workspace(s: &TestServer) -> (String, String) {
    let v = s.get("/v1/Workspaces").expect(200).json();
    let ws = v["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["friendly_name"] == "Flex Task Assignment")
        .expect("the seeded workspace")["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let v = s
        .get(&format!("/v1/Workspaces/{ws}/Workflows"))
        .expect(200)
        .json();
    let wf = v["workflows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["friendly_name"] == "Assign to Anyone")
        .expect("the seeded workflow")["sid"]
        .as_str()
        .unwrap()
        .to_string();
    (ws, wf)
}

/// The task with `sid` in the seeded workspace.
pub fn task(s: &TestServer, sid: &str) -> Value {
    let (ws, _) = flex_workspace(s);
    s.get(&format!("/v1/Workspaces/{ws}/Tasks/{sid}"))
        .expect(200)
        .json()
}
